// #/models/{id}: a model's definition, its versions with their metrics and export links, and a predict form.
import { allows, getJson, postJson, download, url } from '../api.js';
import { h, fill } from '../dom.js';
import * as format from '../format.js';
import { scoreForm } from './scoring.js';

export async function render(view, params, signal) {
  const model = await getJson(`models/${encodeURIComponent(params.get('id'))}`, { signal });
  const admin = await allows('ADMIN'); // scoring starts a job: an ADMIN key's to do
  signal.throwIfAborted();
  fill(view,
    h('h1', {}, 'Model ', h('span', { id: 'model-name' }, model.name || format.shortId(model.id))),
    model.description ? h('p', {}, model.description) : null,
    h('dl', { class: 'facts' },
      h('dt', {}, 'id'), h('dd', {}, h('code', {}, model.id)),
      h('dt', {}, 'layers'), h('dd', {}, format.layers(model)),
      h('dt', {}, 'loss'), h('dd', {}, model.loss),
      h('dt', {}, 'parameters'), h('dd', { id: 'parameter-count' }, format.count(model.parameterCount)),
      h('dt', {}, 'state'), h('dd', {}, model.trainingState),
      h('dt', {}, 'created'), h('dd', {}, format.time(model.createdAt))),
    h('p', {}, h('a', { href: `#/jobs?modelId=${model.id}` }, 'Jobs of this model')),
    h('h2', {}, 'Versions'),
    model.versions.length === 0 ? h('p', { class: 'empty' }, 'Not trained yet.') : versions(model),
    model.versions.length === 0 ? null : predictForm(model),
    model.versions.length === 0 || !admin ? null : scoreForm(model, signal));
}

function versions(model) {
  return h('table', { id: 'versions' },
    h('thead', {}, h('tr', {}, ['Version', 'Created', 'Epochs', 'Training loss', 'Validation loss', 'Metrics', 'Job', 'Export']
      .map((title) => h('th', {}, title)))),
    h('tbody', {}, model.versions.map((v) => {
      const path = `models/${model.id}/versions/${v.version}/export`;
      return h('tr', { 'data-version': v.version },
        h('td', { class: 'num' }, v.version),
        h('td', {}, format.time(v.createdAt)),
        h('td', { class: 'num' }, v.epochs),
        h('td', { class: 'num' }, format.number(v.trainingLoss)),
        h('td', { class: 'num' }, format.number(v.validationLoss)),
        h('td', {}, format.metrics(v.metrics)),
        h('td', {}, v.jobId ? h('a', { href: `#/jobs/${v.jobId}` }, format.shortId(v.jobId)) : '–'),
        // a download through fetch(), which sends the API key; the href is there to copy
        h('td', {}, h('a', { href: url(path), class: 'export', onclick: (e) => { e.preventDefault(); download(path); } },
          'model file')));
    })));
}

function predictForm(model) {
  const rows = h('textarea', { id: 'predict-rows', rows: 4, cols: 60, spellcheck: 'false',
    placeholder: `${model.inputWidth} numbers a row, separated by commas or spaces; one row a line` });
  const version = h('select', { id: 'predict-version' },
    [...model.versions].reverse().map((v) => h('option', { value: v.version }, `version ${v.version}`)));
  const result = h('div', { id: 'prediction' });
  const submit = async (event) => {
    event.preventDefault();
    fill(result);
    const instances = parseRows(rows.value);
    if (typeof instances === 'string') {
      fill(result, h('p', { class: 'problem' }, instances));
      return;
    }
    const answer = await postJson(`models/${model.id}/predict`, { instances, version: Number(version.value) });
    fill(result, answer.predictions.map((p, i) => prediction(p, i)));
  };
  return h('form', { id: 'predict-form', onsubmit: submit },
    h('h2', {}, 'Predict'),
    h('p', {}, 'Raw values, as in the training data (the service standardises them).'),
    rows, h('br'),
    version, ' ', h('button', { type: 'submit' }, 'Predict'),
    result);
}

/** The rows pasted, as arrays of numbers, or a message saying what is not a number. */
export function parseRows(text) {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  if (lines.length === 0) return 'Paste at least one row.';
  const instances = [];
  for (const [i, line] of lines.entries()) {
    const cells = line.split(/[\s,;]+/).filter((cell) => cell !== '');
    const values = cells.map(Number);
    const bad = cells.findIndex((cell, j) => !Number.isFinite(values[j]));
    if (bad >= 0) return `Row ${i + 1}: '${cells[bad]}' is not a number.`;
    instances.push(values);
  }
  return instances;
}

function prediction(p, i) {
  if (!p.probabilities) {
    return h('p', { class: 'prediction', 'data-row': i }, `Row ${i + 1}: outputs ${p.outputs.map((o) => format.number(o)).join(', ')}`);
  }
  return h('div', { class: 'prediction', 'data-row': i, 'data-class-index': p.classIndex },
    h('p', {}, `Row ${i + 1}: class `, h('strong', {}, p.classIndex)),
    h('table', { class: 'probabilities' }, h('tbody', {}, p.probabilities.map((probability, c) =>
      h('tr', { class: c === p.classIndex ? 'best' : null },
        h('td', {}, `class ${c}`),
        h('td', {}, h('meter', { min: 0, max: 1, value: probability })),
        h('td', { class: 'num', 'data-probability': probability }, format.number(probability)))))));
}
