// #/jobs/{id}: one job, its learning curves growing live from GET /jobs/{id}/events, progress, ETA, cancel.
import { ApiError, allows, getJson, postJson, followEvents } from '../api.js';
import { h, fill, progressBar, statusBadge } from '../dom.js';
import { CurveChart } from '../chart.js';
import * as format from '../format.js';
import { sleep } from './jobs.js';
import { scoringResult } from './scoring.js';

const ACTIVE = new Set(['QUEUED', 'RUNNING']);
const RECONNECT_MS = 1000;

export async function render(view, params, signal) {
  const id = params.get('id');
  const job = await getJson(`jobs/${encodeURIComponent(id)}`, { signal });
  const model = await getJson(`models/${encodeURIComponent(job.modelId)}`, { signal }).catch(() => null);
  const admin = await allows('ADMIN'); // only an ADMIN key may cancel
  signal.throwIfAborted();
  const page = new JobPage(view, job, model, admin);
  signal.addEventListener('abort', () => page.destroy(), { once: true });
  await page.follow(signal);
}

class JobPage {
  constructor(view, job, model, admin) {
    this.job = job;
    this.epochs = 0; // epochs received from the stream
    this.seconds = 0; // their durations, summed
    this.status = h('span', { id: 'job-status' });
    this.progress = h('div', { id: 'job-progress' });
    this.final = h('div', { id: 'final-metrics' });
    this.cancel = admin ? h('button', { type: 'button', id: 'cancel-job', class: 'danger', onclick: () => this.cancelJob() },
      'Cancel job') : null;
    this.latest = h('p', { id: 'latest-epoch', class: 'muted' });
    this.curves = h('div', { class: 'curves' },
      this.lossBox = h('div', { class: 'chart', id: 'loss-chart' }),
      this.metricBox = h('div', { class: 'chart', id: 'metric-chart' }));
    fill(view,
      h('h1', {}, 'Job ', h('code', {}, job.id), ' ', this.status),
      h('p', {}, 'Model ', h('a', { href: `#/models/${job.modelId}` }, model?.name || job.modelId),
        job.fromVersion ? ` (continued from version ${job.fromVersion})` : '',
        job.scoring ? ` · scoring ${format.count(job.scoring.rows)} rows of dataset ${job.scoring.datasetId} with version ${job.scoring.version}`
          : ` · ${job.epochs} epochs · ${job.batchesPlanned} minibatches`, ` · created ${format.time(job.createdAt)}`),
      h('div', { class: 'progress-row' }, this.progress, this.cancel),
      this.final,
      job.scoring ? null : this.curves, // a scoring job has no epochs to draw
      this.latest);
    this.lossChart = new CurveChart(this.lossBox,
      { title: 'Loss', labels: ['training loss', 'validation loss'], yLabel: 'loss' });
    this.metricChart = null; // made at the first epoch, which names the metric
    this.ended = false;
    this.frame = 0;
    this.lastEpoch = null;
    this.show(job);
    // a scoring job has no epochs to stream: its rows scored are polled until it ends
    this.poll = job.scoring ? setInterval(() => getJson(`jobs/${encodeURIComponent(job.id)}`)
      .then((now) => { if (!this.ended) this.show(now); }).catch(() => {}), 1000) : 0;
  }

  /** Reads the event stream until the job's end; a stream dropped early is opened again (it replays the epochs). */
  async follow(signal) {
    for (;;) {
      try {
        await followEvents(this.job.id, (event) => this.onEvent(event), signal);
      } catch (error) {
        if (signal.aborted || error instanceof ApiError) throw error;
        // the connection broke (a restart, the network): open it again
      }
      if (this.ended) return;
      await sleep(RECONNECT_MS, signal);
    }
  }

  onEvent({ event, data }) {
    const value = JSON.parse(data);
    if (event === 'epoch' && value.epoch > this.epochs) {
      this.addEpoch(value);
    } else if (event === 'end') {
      this.ended = true;
      this.show(value);
    }
  }

  addEpoch(epoch) {
    this.epochs = epoch.epoch;
    this.seconds += epoch.durationSeconds;
    this.lossChart.append(epoch.epoch, [epoch.trainingLoss, epoch.validationLoss]);
    const metric = Object.keys(epoch.trainingMetrics)[0];
    if (metric) {
      this.metricChart ??= new CurveChart(this.metricBox,
        { title: metric, labels: [`training ${metric}`, `validation ${metric}`], yLabel: metric });
      this.metricChart.append(epoch.epoch, [epoch.trainingMetrics[metric], epoch.validationMetrics?.[metric]]);
    }
    if (this.job.status === 'QUEUED') this.job.status = 'RUNNING';
    this.lastEpoch = epoch;
    // the text waits for the next frame too: a replay of thousands of epochs rewrites it once
    this.frame ||= requestAnimationFrame(() => {
      this.frame = 0;
      this.showLatest();
    });
  }

  showLatest() {
    const epoch = this.lastEpoch;
    fill(this.latest, `epoch ${epoch.epoch}: training loss ${format.number(epoch.trainingLoss)}`,
      epoch.validationLoss != null ? `, validation loss ${format.number(epoch.validationLoss)}` : '',
      `; training ${format.metrics(epoch.trainingMetrics)}`,
      epoch.validationMetrics ? `; validation ${format.metrics(epoch.validationMetrics)}` : '');
    fill(this.status, statusBadge(this.job.status));
    this.showProgress();
  }

  /** The job as the API sent it (at the start, from a cancel, or in the stream's end event). */
  show(job) {
    // a cancel's answer (still RUNNING) may arrive after the stream's end: an ended job stays ended
    if (!ACTIVE.has(this.job.status) && ACTIVE.has(job.status)) return;
    this.job = { ...this.job, ...job };
    fill(this.status, statusBadge(this.job.status));
    if (this.cancel) this.cancel.hidden = !ACTIVE.has(this.job.status);
    this.showProgress();
    if (ACTIVE.has(this.job.status)) return;
    const entries = Object.entries(this.job.finalMetrics || {});
    fill(this.final,
      h('h2', {}, 'Result'),
      h('p', { id: 'job-outcome' }, outcome(this.job)),
      this.job.failureReason ? h('p', { class: 'problem' }, this.job.failureReason) : null,
      entries.length ? h('dl', { class: 'metrics' }, entries.map(([name, value]) => [
        h('dt', {}, `final ${name}`),
        h('dd', { 'data-metric': name, 'data-value': value }, format.number(value))])) : null);
    if (this.job.scoring && this.job.status === 'SUCCEEDED') {
      scoringResult(this.job).then((section) => this.final.replaceChildren(section));
    }
  }

  showProgress() {
    const { status, epochs } = this.job;
    const done = Math.max(this.epochs, this.job.currentEpoch || 0);
    const fraction = status === 'SUCCEEDED' ? 1 : ACTIVE.has(status) ? Math.max(this.job.progress, epochs ? done / epochs : 0) : this.job.progress;
    const eta = status !== 'RUNNING' ? null
      : this.epochs > 0 ? (this.seconds / this.epochs) * (epochs - this.epochs) : this.job.etaSeconds;
    fill(this.progress, progressBar(fraction),
      this.job.scoring ? h('span', { id: 'job-rows' }, ` ${this.job.batchesDone} of ${this.job.batchesPlanned} rows`)
        : h('span', { id: 'job-epoch' }, ` epoch ${done} of ${epochs}`),
      status === 'RUNNING' ? h('span', { id: 'job-eta' }, ` · ETA ${format.duration(eta)}`) : null,
      status === 'QUEUED' ? ' · waiting for a worker' : null);
  }

  async cancelJob() {
    this.cancel.disabled = true;
    try {
      this.show(await postJson(`jobs/${encodeURIComponent(this.job.id)}/cancel`));
    } finally {
      this.cancel.disabled = false;
    }
  }

  destroy() {
    clearInterval(this.poll);
    cancelAnimationFrame(this.frame);
    this.lossChart.destroy();
    this.metricChart?.destroy();
  }
}

/** How a finished job ended, in words (and a link to the version it made). */
function outcome(job) {
  if (job.scoring) return job.status === 'SUCCEEDED' ? 'Scored.' : `${job.status.toLowerCase()}; no scores were kept.`;
  if (job.status === 'SUCCEEDED') {
    return [`Succeeded (${job.endReason === 'early_stopped' ? 'stopped early' : 'completed'}) after ${job.currentEpoch} epochs: `,
      h('a', { href: `#/models/${job.modelId}` }, `version ${job.version}`), ' of the model.'];
  }
  if (job.status === 'CANCELLED') return `Cancelled in epoch ${job.currentEpoch} of ${job.epochs}; no version was made.`;
  return `Failed in epoch ${job.currentEpoch} of ${job.epochs}.`;
}
