// The page: a router over location.hash, the API key prompt, and the error banner.
import { ApiError, access, setKeyPrompt, hasKey, forgetKey } from './api.js';
import * as models from './views/models.js';
import * as model from './views/model.js';
import * as jobs from './views/jobs.js';
import * as job from './views/job.js';
import * as sweeps from './views/sweeps.js';

/** The hash's path (before any '?'), the view that shows it, and the menu entry it belongs to. */
const ROUTES = [
  [/^#\/models\/([^/]+)$/, model, 'models'],
  [/^#\/models$/, models, 'models'],
  [/^#\/jobs\/([^/]+)$/, job, 'jobs'],
  [/^#\/jobs$/, jobs, 'jobs'],
  [/^#\/sweeps\/([^/]+)$/, sweeps, 'sweeps'],
  [/^#\/sweeps$/, sweeps, 'sweeps'],
];

const view = document.getElementById('view');
const errorBanner = document.getElementById('error');
let current = null; // the AbortController of the view on screen

function showError(error) {
  if (error?.name === 'AbortError' || current?.signal.aborted && error === current.signal.reason) return;
  errorBanner.textContent = error instanceof ApiError ? `${error.problem.title || 'Error'}: ${error.message}` : String(error?.message || error);
  errorBanner.dataset.status = error instanceof ApiError ? error.status : '';
  errorBanner.hidden = false;
}

/** The key's name and what it may do, beside "Forget API key" (nothing without keys); asked once per key. */
function showAccess() {
  access().then(({ access: level, keyName }) => {
    const shown = document.getElementById('key-access');
    shown.textContent = keyName ? `${keyName} · ${level}` : '';
    shown.dataset.access = level;
    shown.hidden = !keyName;
  }, () => {}); // the view's own calls show what went wrong
}

async function route() {
  current?.abort();
  current = new AbortController();
  errorBanner.hidden = true;
  document.getElementById('forget-key').hidden = !hasKey();
  showAccess();
  const hash = location.hash || '#/models';
  const at = hash.indexOf('?');
  const path = at < 0 ? hash : hash.slice(0, at);
  const params = new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
  const found = ROUTES.find(([pattern]) => pattern.test(path));
  if (!found) {
    location.hash = '#/models';
    return;
  }
  const [pattern, page, nav] = found;
  for (const link of document.querySelectorAll('[data-nav]')) link.classList.toggle('active', link.dataset.nav === nav);
  const id = pattern.exec(path)[1];
  if (id) params.set('id', decodeURIComponent(id));
  view.replaceChildren();
  try {
    await page.render(view, params, current.signal);
  } catch (error) {
    showError(error);
  }
}

/** Asks for the key in a modal dialog; resolves with it, or null when the person cancels. */
function promptForKey(reason) {
  const dialog = document.getElementById('key-dialog');
  const form = document.getElementById('key-form');
  const input = document.getElementById('key-input');
  document.getElementById('key-reason').textContent = reason || '';
  input.value = '';
  return new Promise((resolve) => {
    const done = (key) => {
      form.removeEventListener('submit', submit);
      cancel.removeEventListener('click', cancelled);
      dialog.removeEventListener('cancel', cancelled);
      dialog.close();
      if (key) document.getElementById('forget-key').hidden = false;
      resolve(key);
    };
    const submit = (event) => {
      event.preventDefault();
      done(input.value.trim() || null);
    };
    const cancelled = (event) => {
      event.preventDefault();
      done(null);
    };
    const cancel = document.getElementById('key-cancel');
    form.addEventListener('submit', submit);
    cancel.addEventListener('click', cancelled);
    dialog.addEventListener('cancel', cancelled);
    dialog.showModal();
    input.focus();
  });
}

setKeyPrompt(promptForKey);
document.getElementById('forget-key').addEventListener('click', () => {
  forgetKey();
  location.reload();
});
// errors of buttons and forms (cancel, predict, export) show as the view's do
window.addEventListener('unhandledrejection', (event) => {
  event.preventDefault(); // shown to the person, so not logged as uncaught
  showError(event.reason);
});
window.addEventListener('hashchange', route);
route();
