/* global document, window */
/**
 * The dashboard: sign-in, then hash routes — #/ (applications), #/new, #/applications/<name>,
 * #/applications/<name>/edit, #/operations/<id>.
 */
import { ApiError, api, session } from './api.js';
import { fill, h } from './dom.js';
import { renderApplicationForm } from './views/app-form.js';
import { renderApplication } from './views/application.js';
import { renderApplications } from './views/applications.js';
import { renderOperation } from './views/operation.js';

const main = document.getElementById('main');
const crumbs = document.getElementById('crumbs');
const live = document.getElementById('live');
const signOut = document.getElementById('sign-out');
let cleanup;

const LIVE_TEXT = { live: 'live', reconnecting: 'reconnecting…' };

/** What every view gets: where to draw, breadcrumbs, the live indicator, navigation. */
const context = {
  main,
  setCrumbs(...items) {
    fill(crumbs, ...items.flatMap((item, i) => [i > 0 ? h('span', { class: 'sep' }, '/') : null, item]));
  },
  setLive(state) {
    if (state === 'unauthorized') {
      context.unauthorized();
      return;
    }
    live.hidden = false;
    live.textContent = LIVE_TEXT[state] ?? state;
    live.className = `live live-${state}`;
  },
  navigate(hash) {
    if (window.location.hash === hash) route();
    else window.location.hash = hash;
  },
  unauthorized() {
    session.clear();
    route('Your session ended: the token is no longer accepted.');
  },
  /** Run an API call; a 401/403 signs out, anything else is rethrown. */
  async call(path, options) {
    try {
      return await api(path, options);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) context.unauthorized();
      throw err;
    }
  },
};

function showSignIn(message) {
  live.hidden = true;
  signOut.hidden = true;
  context.setCrumbs();
  const input = h('input', { id: 'token', type: 'password', name: 'token', autocomplete: 'current-password', placeholder: 'API token', required: true });
  const error = h('p', { class: 'form-error', role: 'alert' }, message ?? '');
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'card signin',
      onsubmit: async (event) => {
        event.preventDefault();
        const token = input.value.trim();
        button.disabled = true;
        error.textContent = '';
        try {
          await api('/applications', { token });
          session.set(token);
          route();
        } catch (err) {
          error.textContent = err instanceof ApiError && (err.status === 401 || err.status === 403) ? 'That token is not accepted.' : `Cannot reach the API: ${err.message}`;
        } finally {
          button.disabled = false;
        }
      },
    },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'Use one of the API tokens this server was started with (HOOKRUNNER_API_TOKEN). It is kept for this browser tab only.'),
    h('label', { for: 'token' }, 'API token'),
    input,
    error,
    button,
  );
  fill(main, form);
  input.focus();
}

function route(message) {
  cleanup?.();
  cleanup = undefined;
  if (!session.token) {
    showSignIn(typeof message === 'string' ? message : undefined);
    return;
  }
  signOut.hidden = false;
  // Views that follow live events show the indicator again.
  live.hidden = true;
  const hash = window.location.hash || '#/';
  const op = /^#\/operations\/([^/?]+)$/.exec(hash);
  const app = /^#\/applications\/([^/?]+)$/.exec(hash);
  const edit = /^#\/applications\/([^/?]+)\/edit$/.exec(hash);
  if (op) cleanup = renderOperation(context, decodeURIComponent(op[1]));
  else if (edit) cleanup = renderApplicationForm(context, decodeURIComponent(edit[1]));
  else if (app) cleanup = renderApplication(context, decodeURIComponent(app[1]));
  else if (hash === '#/new') cleanup = renderApplicationForm(context, undefined);
  else cleanup = renderApplications(context);
}

signOut.addEventListener('click', () => {
  session.clear();
  route();
});
window.addEventListener('hashchange', () => route());
route();
