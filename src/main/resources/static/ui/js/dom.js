// Building elements without innerHTML: every value from the API goes in as text, never as markup.

/**
 * h('a', {href: '#/x', class: 'y', onclick: fn}, 'text', child, ...): attributes (on... are listeners, a false or
 * null value leaves the attribute out), then children (strings become text; null, false and undefined are skipped).
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'value') element.value = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A progress bar: a <progress> with its percentage beside it. */
export function progressBar(fraction) {
  const percent = Math.round(fraction * 1000) / 10;
  return h('span', { class: 'progress' },
    h('progress', { max: 1, value: fraction }), h('span', { class: 'percent' }, `${percent}%`));
}

/** A status as a coloured badge. */
export function statusBadge(status) {
  return h('span', { class: `status status-${status.toLowerCase()}`, 'data-status': status }, status);
}

/** "previous / page x of y / next" for a listing answer. */
export function pager(listing, base, params = {}) {
  if (listing.totalPages <= 1) return null;
  const link = (page, text) => h('a', { href: `${base}?${new URLSearchParams({ ...params, page })}` }, text);
  return h('p', { class: 'pager' },
    listing.page > 0 ? link(listing.page - 1, '← previous') : null,
    ` page ${listing.page + 1} of ${listing.totalPages} `,
    listing.page + 1 < listing.totalPages ? link(listing.page + 1, 'next →') : null);
}
