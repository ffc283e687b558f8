// Scoring a stored dataset with a version, as a job: the form on a model's page, and a scoring job's result
// (metrics, confusion matrix, downloads) on its job page.
import { getJson, postJson, download, url } from '../api.js';
import { h, fill } from '../dom.js';
import * as format from '../format.js';

/** A form on a trained model's page: pick a dataset and a version, score, and follow the job. */
export function scoreForm(model, signal) {
  const dataset = h('select', { id: 'score-dataset', required: true });
  const version = h('select', { id: 'score-version' },
    [...model.versions].reverse().map((v) => h('option', { value: v.version }, `version ${v.version}`)),
    Object.keys(model.aliases || {}).map((alias) => h('option', { value: alias }, `alias ${alias}`)));
  const note = h('p', { id: 'score-note', class: 'muted' });
  getJson('datasets?size=100', { signal }).then((page) => {
    const fitting = page.items.filter((d) => d.featureColumns.length === model.inputWidth);
    fill(dataset, fitting.map((d) => h('option', { value: d.id }, `${d.name} (${format.count(d.rows)} rows)`)));
    fill(note, fitting.length ? '' : `No stored dataset has ${model.inputWidth} feature columns; upload one (POST /datasets).`);
  });
  const submit = async (event) => {
    event.preventDefault();
    const chosen = /^\d+$/.test(version.value) ? Number(version.value) : version.value;
    const job = await postJson(`models/${model.id}/score`, { datasetId: dataset.value, version: chosen });
    location.hash = `#/jobs/${job.id}`;
  };
  return h('form', { id: 'score-form', onsubmit: submit },
    h('h2', {}, 'Score a dataset'),
    h('p', {}, 'Every row of a stored dataset through a version, as a job; the outputs download as CSV or float32, '
      + 'with metrics when the dataset has targets.'),
    dataset, ' ', version, ' ', h('button', { type: 'submit' }, 'Score'), note);
}

/** A succeeded scoring job's metrics and downloads, read from GET /jobs/{id}/result. */
export async function scoringResult(job) {
  const result = await getJson(`jobs/${encodeURIComponent(job.id)}/result`);
  const metrics = result.metrics || {};
  const scalars = Object.entries(metrics).filter(([, value]) => typeof value === 'number');
  const link = (path, text, id) => h('a', { href: url(path), id, class: 'download',
    onclick: (e) => { e.preventDefault(); download(path); } }, text);
  return h('section', { id: 'scoring-result' },
    h('h2', {}, 'Scores'),
    h('p', {}, `${format.count(result.rows)} rows of dataset `, h('code', {}, result.datasetId),
      ` scored with version ${result.version}: `, result.columns.join(', '), '.'),
    result.metricsOmitted ? h('p', { class: 'muted' }, `No metrics: ${result.metricsOmitted}`) : null,
    scalars.length ? h('dl', { class: 'metrics' }, scalars.map(([name, value]) => [
      h('dt', {}, name), h('dd', { 'data-metric': name, 'data-value': value }, format.number(value))])) : null,
    metrics.confusionMatrix ? confusion(metrics.confusionMatrix) : null,
    h('p', {}, 'Download: ', link(result.links.csv, 'CSV', 'download-csv'), ' · ',
      link(`${result.links.csv}?gzip=true`, 'CSV (gzip)', 'download-csv-gzip'), ' · ',
      link(result.links.float32, 'float32', 'download-f32')));
}

/** The confusion matrix: a row per true class, a column per predicted class. */
function confusion(matrix) {
  return h('table', { id: 'confusion-matrix' },
    h('caption', {}, 'Confusion matrix (rows: true class, columns: predicted class)'),
    h('thead', {}, h('tr', {}, h('th', {}, ''), matrix.map((_, p) => h('th', {}, p)))),
    h('tbody', {}, matrix.map((row, t) => h('tr', {}, h('th', {}, t),
      row.map((count, p) => h('td', { class: t === p ? 'num best' : 'num', 'data-true': t, 'data-predicted': p }, count))))));
}
