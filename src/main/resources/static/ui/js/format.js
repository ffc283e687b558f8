// How numbers, times and model shapes are written on the page.

/** A loss or metric: 4 significant digits, or a dash when there is none. */
export function number(value, digits = 4) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(digits - 1);
  return Number(value.toPrecision(digits)).toString();
}

/** A count with thousands separators. */
export function count(value) {
  return value.toLocaleString('en-US');
}

/** Seconds as "2 h 05 min", "3 min 07 s", "12.3 s". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const s = Math.round(seconds);
  const pad = (n) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}

/** An instant from the API in the browser's time zone. */
export function time(iso) {
  return iso ? new Date(iso).toLocaleString() : '–';
}

/** A model's shape: "4 → 16 relu → 3 softmax". */
export function layers(model) {
  return [String(model.inputWidth), ...model.layers.map((l) => `${l.units} ${l.activation}`)].join(' → ');
}

/** Metrics as "accuracy 0.9667, ..." */
export function metrics(values) {
  const entries = Object.entries(values || {});
  return entries.length ? entries.map(([name, value]) => `${name} ${number(value)}`).join(', ') : '–';
}

/** The first 8 characters of an id, enough to tell jobs apart on one page. */
export function shortId(id) {
  return id.slice(0, 8);
}
