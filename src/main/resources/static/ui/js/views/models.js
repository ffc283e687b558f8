// #/models: every model, its shape, parameter count, versions and the latest version's metrics.
import { getJson, query } from '../api.js';
import { h, fill, pager } from '../dom.js';
import * as format from '../format.js';

const PAGE_SIZE = 50;

export async function render(view, params, signal) {
  const page = Number(params.get('page') || 0);
  const models = await getJson(query('models', { page, size: PAGE_SIZE }), { signal });
  signal.throwIfAborted(); // another view took the page meanwhile
  fill(view,
    h('h1', {}, 'Models'),
    models.items.length === 0
      ? h('p', { class: 'empty' }, 'No models yet: define one with POST /models (see the API page).')
      : h('table', { id: 'models' },
        h('thead', {}, h('tr', {}, ['Name', 'Layers', 'Parameters', 'Versions', 'Latest version', 'State', 'Created', '']
          .map((title) => h('th', {}, title)))),
        h('tbody', {}, models.items.map(row))),
    pager(models, '#/models'));
}

function row(model) {
  const latest = model.versions.at(-1);
  return h('tr', { 'data-model-id': model.id },
    h('td', {}, h('a', { href: `#/models/${model.id}` }, model.name || format.shortId(model.id))),
    h('td', {}, format.layers(model)),
    h('td', { class: 'num' }, format.count(model.parameterCount)),
    h('td', { class: 'num' }, model.versions.length),
    h('td', {}, latest ? `v${latest.version}: ${format.metrics(latest.metrics)}` : '–'),
    h('td', {}, model.trainingState),
    h('td', {}, format.time(model.createdAt)),
    h('td', {}, h('a', { href: `#/jobs?modelId=${model.id}` }, 'jobs')));
}
