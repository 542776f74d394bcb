/* global fetch, sessionStorage, TextDecoderStream, AbortController, setTimeout, clearTimeout */
/**
 * The JSON API with the signed-in token, and live events over fetch (not EventSource, so the
 * token goes in the Authorization header and never in a URL).
 */

const TOKEN_KEY = 'hookrunner.token';

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  },
  set(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** A failed request, with the server's problem details when it sent them. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem ?? {};
  }
}

/**
 * `api('/applications')`, `api('/applications/x/sync', { method: 'POST', body: {} })`;
 * `text` and `contentType` send a body as is (`application/yaml`).
 */
export async function api(path, { method = 'GET', body, text: raw, contentType, token } = {}) {
  const headers = { Authorization: `Bearer ${token ?? session.token}`, Accept: 'application/json' };
  let payload;
  if (raw !== undefined) {
    headers['Content-Type'] = contentType ?? 'text/plain';
    payload = raw;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(`api/v1${path}`, { method, headers, body: payload, cache: 'no-store' });
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.slice(0, 200) };
    }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

function parseBlock(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length ? { event, data: JSON.parse(data.join('\n')) } : undefined;
}

/**
 * Follow `/api/v1/events?<query>` until stopped, reconnecting with backoff (1 s doubling to 15 s).
 * `onState` gets 'live', 'reconnecting' or 'unauthorized'; `onOpen` runs on every (re)connect so
 * the view can re-read what it shows.
 * @returns stop()
 */
export function liveEvents({ query = '', onEvent, onState = () => {}, onOpen = () => {} }) {
  let stopped = false;
  let controller;
  let timer;
  let attempt = 0;
  const connect = async () => {
    controller = new AbortController();
    try {
      const res = await fetch(`api/v1/events${query ? `?${query}` : ''}`, { headers: { Authorization: `Bearer ${session.token}`, Accept: 'text/event-stream' }, signal: controller.signal, cache: 'no-store' });
      if (res.status === 401 || res.status === 403) {
        onState('unauthorized');
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const parsed = parseBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (!parsed) continue;
          if (parsed.event === 'ready') {
            attempt = 0;
            onState('live');
            onOpen();
          } else {
            onEvent(parsed);
          }
        }
      }
    } catch {
      // a dropped connection: reconnect below
    }
    if (stopped) return;
    onState('reconnecting');
    const delay = Math.min(15_000, 1_000 * 2 ** attempt++);
    timer = setTimeout(connect, delay);
  };
  void connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    controller?.abort();
  };
}
