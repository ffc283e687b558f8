// Calls to the service's API: the API key (if the service asks for one) on every call, errors as their problem detail.
import { EventStreamParser } from './event-stream.js';

const KEY = 'chainrule.apiKey';
/** The service's root: the page is at <root>/ui/. */
const ROOT = new URL('../', document.baseURI);

/** An answer other than 2xx, with the RFC 9457 problem the service sent (or one made from the status). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

let keyPrompt = null; // (reason) => Promise<string|null>, set by the page
let pendingKey = null; // one prompt at a time, however many calls are waiting for it

/** Who asks the person for a key when the service answers 401. */
export function setKeyPrompt(prompt) {
  keyPrompt = prompt;
}

export const hasKey = () => sessionStorage.getItem(KEY) !== null;
export const forgetKey = () => {
  sessionStorage.removeItem(KEY);
  granted = null;
};

/** Access levels from least to most, as GET /access names them. */
const LEVELS = ['READ', 'ADMIN'];
let granted = null; // { answer: Promise of GET /access, key: the key it answered for, once it has }

/**
 * What the key may do ({access, keyName}, GET /access): asked once per key (the first call may ask the person for
 * one), and again once another key is in use. The service still checks every call; this only keeps the page from
 * offering what it would refuse.
 */
export function access() {
  const key = sessionStorage.getItem(KEY);
  if (granted && (granted.key === undefined || granted.key === key)) return granted.answer;
  const entry = { key: undefined };
  entry.answer = getJson('access').then((answer) => {
    entry.key = sessionStorage.getItem(KEY); // the key the answer was for, entered meanwhile perhaps
    return answer;
  }, (error) => {
    if (granted === entry) granted = null; // asked again next time
    throw error;
  });
  granted = entry;
  return entry.answer;
}

/** Whether the key may do what needs `level` ('READ' or 'ADMIN'); a level the page does not know allows nothing. */
export async function allows(level) {
  const needed = LEVELS.indexOf(level);
  if (needed < 0) throw new Error(`no such access level: ${level}`);
  return LEVELS.indexOf((await access()).access) >= needed;
}

export function url(path) {
  return new URL(path, ROOT).href;
}

async function askForKey(reason) {
  pendingKey ??= keyPrompt(reason).finally(() => { pendingKey = null; });
  return pendingKey;
}

/** fetch() with the key; on 401 asks for a key and tries again; anything else not 2xx is thrown as ApiError. */
export async function request(path, { method = 'GET', body, headers = {}, signal } = {}) {
  for (;;) {
    const sent = sessionStorage.getItem(KEY);
    const all = new Headers(headers);
    if (sent !== null) all.set('Authorization', `Bearer ${sent}`);
    const response = await fetch(url(path), { method, body, headers: all, signal });
    if (response.ok) return response;
    const problem = await readProblem(response);
    if (response.status === 401 && keyPrompt) {
      if (sessionStorage.getItem(KEY) !== sent) continue; // another call got a new key meanwhile
      const key = await askForKey(problem.detail);
      if (key) {
        sessionStorage.setItem(KEY, key);
        continue;
      }
    }
    throw new ApiError(response.status, problem);
  }
}

async function readProblem(response) {
  const text = await response.text();
  try {
    const problem = JSON.parse(text);
    if (problem && typeof problem === 'object') return problem;
  } catch { /* not JSON: a proxy's page, say */ }
  return { status: response.status, title: response.statusText, detail: `HTTP ${response.status} ${response.statusText}` };
}

export async function getJson(path, options) {
  return (await request(path, options)).json();
}

export async function postJson(path, body) {
  const response = await request(path, {
    method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  return response.json();
}

/** A path with its query: query('jobs', {modelId, status}) leaves out empty values. */
export function query(path, params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * Follows a job's Server-Sent Events (GET /jobs/{id}/events) with fetch(), which, unlike EventSource, can send
 * the key. Calls onEvent({event, id, data}) for each; resolves when the stream closes.
 */
export async function followEvents(jobId, onEvent, signal) {
  const response = await request(`jobs/${encodeURIComponent(jobId)}/events`,
    { headers: { Accept: 'text/event-stream' }, signal });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new EventStreamParser(onEvent);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.push(value);
    }
  } finally {
    reader.releaseLock();
  }
}

/** Downloads a file the API serves (an export) with the key, under the name the service gives it. */
export async function download(path) {
  const response = await request(path);
  const disposition = response.headers.get('Content-Disposition') || '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] || path.split('/').pop();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
