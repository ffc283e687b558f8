// #/sweeps and #/sweeps/{id}: hyperparameter sweeps; one sweep's trials side by side (their validation-loss curves
// on one chart, a table sortable by the metric), refreshed while the sweep runs.
import uPlot from '../../../webjars/uplot/dist/uPlot.esm.js';
import { allows, getJson, postJson, query } from '../api.js';
import { h, fill, pager, statusBadge } from '../dom.js';
import * as format from '../format.js';
import { sleep } from './jobs.js';

const REFRESH_MS = 2000;

/** The list, or one sweep when the route names it. */
export async function render(view, params, signal) {
  return params.get('id') ? renderSweep(view, params.get('id'), signal) : renderList(view, params, signal);
}

async function renderList(view, params, signal) {
  const page = Number(params.get('page') || 0);
  const sweeps = await getJson(query('sweeps', { page, size: 20 }), { signal });
  signal.throwIfAborted();
  fill(view, h('h1', {}, 'Sweeps'), sweeps.items.length === 0
    ? h('p', { class: 'empty' }, 'No sweeps yet: POST /sweeps starts one (README, "Hyperparameter sweeps").')
    : h('table', { id: 'sweeps' },
      h('thead', {}, h('tr', {}, ['Sweep', 'State', 'Progress', 'Metric', 'Best', 'Created'].map((t) => h('th', {}, t)))),
      h('tbody', {}, sweeps.items.map((s) => h('tr', { 'data-sweep-id': s.id },
        h('td', {}, h('a', { href: `#/sweeps/${s.id}` }, s.name || format.shortId(s.id))),
        h('td', {}, statusBadge(s.state)),
        h('td', { class: 'num' }, `${s.progress.done} / ${s.progress.planned}`),
        h('td', {}, `${s.metric} (${s.direction})`),
        h('td', { class: 'num' }, s.best ? `trial ${s.best.trial}: ${format.number(s.best.metric)}` : '–'),
        h('td', {}, format.time(s.createdAt)))))),
  pager(sweeps, '#/sweeps'));
}

async function renderSweep(view, id, signal) {
  const page = new SweepPage(view, await allows('ADMIN')); // only an ADMIN key may cancel
  signal.addEventListener('abort', () => page.destroy(), { once: true });
  for (;;) {
    const sweep = await getJson(`sweeps/${encodeURIComponent(id)}`, { signal });
    signal.throwIfAborted();
    await page.show(sweep, signal);
    if (sweep.finishedAt) return;
    await sleep(REFRESH_MS, signal);
  }
}

class SweepPage {
  constructor(view, admin) {
    this.view = view;
    this.admin = admin;
    this.sort = { key: 'metric', descending: false, chosen: false };
    this.histories = new Map(); // trial number -> validation losses by epoch
    this.complete = new Set(); // trials whose history was read after they ended: not read again
    this.plot = null;
  }

  async show(sweep, signal) {
    this.sweep = sweep;
    if (!this.sort.chosen) this.sort.descending = sweep.direction === 'maximize';
    for (const trial of sweep.trials) {
      if (!trial.jobId || this.complete.has(trial.trial)) continue;
      const job = await getJson(`jobs/${encodeURIComponent(trial.jobId)}`, { signal });
      this.histories.set(trial.trial, job.history.map((e) => e.validationLoss ?? null));
      if (trial.finishedAt) this.complete.add(trial.trial);
    }
    signal.throwIfAborted();
    this.table = h('div', { id: 'trials-table' });
    this.chartBox = h('div', { class: 'chart', id: 'trials-chart' });
    const cancel = !this.admin || sweep.finishedAt || sweep.state !== 'RUNNING' ? null
      : h('button', { type: 'button', id: 'cancel-sweep', class: 'danger', onclick: () => this.cancel() }, 'Cancel sweep');
    fill(this.view,
      h('h1', {}, 'Sweep ', h('code', {}, sweep.name || sweep.id), ' ', statusBadge(sweep.state)),
      h('p', { id: 'sweep-summary' }, `${sweep.progress.done} of ${sweep.progress.planned} trials done`,
        ` · ${sweep.progress.active} running · ${sweep.metric} (${sweep.direction})`,
        sweep.best ? ` · best: trial ${sweep.best.trial}, ${format.number(sweep.best.metric)}` : '',
        sweep.stopReason ? ` · ${sweep.stopReason}` : '', ' ', cancel),
      h('div', { class: 'curves' }, this.chartBox),
      this.table);
    this.drawTable();
    this.drawChart();
  }

  drawTable() {
    const best = this.sweep.best?.trial;
    const key = this.sort.key;
    const sign = this.sort.descending ? -1 : 1;
    // trials without a metric go last, whichever the direction
    const value = (t) => (key === 'metric' ? t.metric : t.trial);
    const trials = [...this.sweep.trials].sort((a, b) => {
      const x = value(a);
      const y = value(b);
      if (x == null || y == null) return (x == null) - (y == null) || a.trial - b.trial;
      return sign * (x - y) || a.trial - b.trial;
    });
    const fields = Object.keys(this.sweep.trials[0]?.parameters || {});
    const header = (title, sortKey) => h('th', sortKey ? {
      class: 'sortable', 'data-sort': sortKey, 'aria-sort': key === sortKey ? (this.sort.descending ? 'descending' : 'ascending') : 'none',
      onclick: () => {
        this.sort = { key: sortKey, descending: key === sortKey ? !this.sort.descending : false, chosen: true };
        this.drawTable();
      },
    } : {}, title, key === sortKey ? (this.sort.descending ? ' ▼' : ' ▲') : '');
    fill(this.table, h('table', { id: 'trials' },
      h('thead', {}, h('tr', {}, header('Trial', 'trial'), fields.map((f) => h('th', {}, f)), h('th', {}, 'Status'),
        header(this.sweep.metric, 'metric'), h('th', {}, 'Version'), h('th', {}, 'Job'))),
      h('tbody', {}, trials.map((t) => h('tr', { 'data-trial': t.trial, class: t.trial === best ? 'best' : null },
        h('td', { class: 'num' }, String(t.trial)),
        fields.map((f) => h('td', { class: 'num' }, String(t.parameters[f]))),
        h('td', {}, statusBadge(t.status), t.failureReason ? h('span', { class: 'muted' }, ` ${t.failureReason}`) : null),
        h('td', { class: 'num metric' }, t.metric == null ? '–' : format.number(t.metric)),
        h('td', {}, t.modelId && t.version ? h('a', { href: `#/models/${t.modelId}` }, `v${t.version}`) : '–'),
        h('td', {}, t.jobId ? h('a', { href: `#/jobs/${t.jobId}` }, format.shortId(t.jobId)) : '–'))))));
  }

  /** Every trial's validation loss per epoch on one chart, a series per trial that has run. */
  drawChart() {
    this.plot?.destroy();
    const trials = [...this.histories.keys()].sort((a, b) => a - b);
    const epochs = Math.max(0, ...trials.map((t) => this.histories.get(t).length));
    const x = Array.from({ length: epochs }, (_, i) => i + 1);
    const data = [x, ...trials.map((t) => x.map((_, i) => this.histories.get(t)[i] ?? null))];
    this.chartBox.dataset.series = String(trials.length);
    this.chartBox.dataset.points = trials.map((t) => this.histories.get(t).filter((v) => v !== null).length).join(',');
    this.plot = new uPlot({
      title: 'Validation loss by trial',
      width: Math.max(300, this.chartBox.clientWidth - 8 || 800),
      height: 300,
      scales: { x: { time: false } },
      axes: [{ label: 'epoch' }, { label: 'validation loss' }],
      series: [{ label: 'epoch' }, ...trials.map((t, i) => ({
        label: `trial ${t}`, width: t === this.sweep.best?.trial ? 3 : 1.5, spanGaps: true,
        stroke: `hsl(${Math.round((i * 360) / Math.max(1, trials.length))}, 65%, 42%)`,
      }))],
    }, data, this.chartBox);
  }

  async cancel() {
    await postJson(`sweeps/${encodeURIComponent(this.sweep.id)}/cancel`, null);
  }

  destroy() {
    this.plot?.destroy();
  }
}
