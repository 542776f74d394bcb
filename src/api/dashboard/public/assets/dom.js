/* global document, Node */
/** DOM helpers: elements built from data (never innerHTML), status colours, time formats. */

/** `h('td', { class: 'x', onclick: fn }, 'text', child)` */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const TONE = {
  Succeeded: 'ok',
  Synced: 'ok',
  Healthy: 'ok',
  Running: 'busy',
  Progressing: 'busy',
  Terminating: 'busy',
  Failed: 'bad',
  SyncFailed: 'bad',
  Error: 'bad',
  Degraded: 'bad',
  Missing: 'warn',
  Suspended: 'warn',
  PruneSkipped: 'warn',
  Pruned: 'muted',
  Unknown: 'muted',
};

/** A coloured status pill; `-` when there is no status. */
export function badge(text, extra = {}) {
  if (!text) return h('span', { class: 'muted' }, '-');
  return h('span', { class: `badge tone-${TONE[text] ?? 'muted'}`, ...extra }, text);
}

export const isDone = (phase) => phase === 'Succeeded' || phase === 'Failed' || phase === 'Error';

const pad = (n) => String(n).padStart(2, '0');

/** `2025-01-31 14:05:09` in the browser's time zone. */
export function formatTime(iso) {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '-';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `850ms`, `12s`, `3m 5s`, `1h 2m` */
export function formatDuration(ms) {
  if (!(ms >= 0)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function duration(op) {
  if (!op?.startedAt) return '-';
  const end = op.finishedAt ? Date.parse(op.finishedAt) : Date.now();
  return formatDuration(end - Date.parse(op.startedAt));
}

export const shortSha = (rev) => (/^[0-9a-f]{40}$/.test(rev ?? '') ? rev.slice(0, 7) : rev || '-');

/** A dismissible message at the top of a view. */
export function notice(text, tone = 'bad', ...extra) {
  const box = h('div', { class: `notice tone-${tone}`, role: tone === 'bad' ? 'alert' : 'status' }, text, ...extra);
  box.append(h('button', { type: 'button', class: 'link close', 'aria-label': 'dismiss', onclick: () => box.remove() }, '×'));
  return box;
}

/** Replace a node's children. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return el;
}
