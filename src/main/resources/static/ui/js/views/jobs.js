// #/jobs?modelId=&status=: training jobs, newest first, filtered by model and status; refreshed while any runs.
import { getJson, query } from '../api.js';
import { h, fill, pager, progressBar, statusBadge } from '../dom.js';
import * as format from '../format.js';

const PAGE_SIZE = 20;
const REFRESH_MS = 2000;
const STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

export async function render(view, params, signal) {
  const filter = { modelId: params.get('modelId') || '', status: params.get('status') || '' };
  const page = Number(params.get('page') || 0);
  const models = await getJson(query('models', { size: 100 }), { signal });
  signal.throwIfAborted();
  const names = new Map(models.items.map((m) => [m.id, m.name || format.shortId(m.id)]));
  if (filter.modelId && !names.has(filter.modelId)) names.set(filter.modelId, format.shortId(filter.modelId)); // past the first 100
  const table = h('div', { id: 'jobs-table' });
  const onchange = () => {
    location.hash = query('#/jobs', { modelId: modelSelect.value, status: statusSelect.value });
  };
  const modelSelect = h('select', { id: 'filter-model', onchange },
    h('option', { value: '' }, 'all models'),
    [...names].map(([id, name]) => h('option', { value: id, selected: id === filter.modelId }, name)));
  const statusSelect = h('select', { id: 'filter-status', onchange },
    h('option', { value: '' }, 'any status'),
    STATUSES.map((s) => h('option', { value: s, selected: s === filter.status }, s)));
  fill(view,
    h('h1', {}, 'Jobs'),
    h('p', { class: 'filters' }, h('label', {}, 'Model ', modelSelect), ' ', h('label', {}, 'Status ', statusSelect)),
    table);

  for (;;) {
    const jobs = await getJson(query('jobs', { ...filter, page, size: PAGE_SIZE }), { signal });
    signal.throwIfAborted();
    fill(table, jobs.items.length === 0
      ? h('p', { class: 'empty' }, 'No jobs match.')
      : h('table', { id: 'jobs' },
        h('thead', {}, h('tr', {}, ['Job', 'Model', 'Status', 'Progress', 'Epoch', 'ETA', 'Final metrics', 'Created']
          .map((title) => h('th', {}, title)))),
        h('tbody', {}, jobs.items.map((job) => row(job, names)))),
    pager(jobs, '#/jobs', filter));
    if (!jobs.items.some((job) => job.status === 'QUEUED' || job.status === 'RUNNING')) return;
    await sleep(REFRESH_MS, signal);
  }
}

function row(job, names) {
  return h('tr', { 'data-job-id': job.id },
    h('td', {}, h('a', { href: `#/jobs/${job.id}` }, format.shortId(job.id))),
    h('td', {}, h('a', { href: `#/models/${job.modelId}` }, names.get(job.modelId) || format.shortId(job.modelId))),
    h('td', {}, statusBadge(job.status)),
    h('td', {}, progressBar(job.progress)),
    h('td', { class: 'num' }, `${job.currentEpoch} / ${job.epochs}`),
    h('td', {}, job.status === 'RUNNING' ? format.duration(job.etaSeconds) : '–'),
    h('td', {}, format.metrics(job.finalMetrics)),
    h('td', {}, format.time(job.createdAt)));
}

export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
