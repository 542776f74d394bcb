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

/** Epoch ms or an ISO string → a Date, or undefined. */
export function toDate(value) {
  if (value === undefined || value === null || value === '') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** `UTC+01:00`: the browser's offset from UTC at that instant (summer time included). */
export function zoneOffset(d) {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The browser's IANA time zone (`Europe/Berlin`), or '' when it has none. */
const ZONE_NAME = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
  } catch {
    return '';
  }
})();

/** `2025-01-31 14:05:09 UTC+01:00` in the browser's time zone; `-` without a time. */
export function formatTime(value) {
  const d = toDate(value);
  if (!d) return '-';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zoneOffset(d)}`;
}

/** `3 min ago`, `in 5 s`: roughly, for titles. */
export function relativeTime(d, now = Date.now()) {
  const s = Math.round((now - d.getTime()) / 1000);
  const abs = Math.abs(s);
  if (abs < 5) return 'just now';
  const text = abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.round(abs / 60)} min` : abs < 172_800 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86_400)} days`;
  return s >= 0 ? `${text} ago` : `in ${text}`;
}

/**
 * `<time datetime="2025-01-31T13:05:09.000Z" title="…">2025-01-31 14:05:09 UTC+01:00</time>`:
 * local time with its offset; the title gives UTC, the zone's name and how long ago.
 */
export function timeEl(value, attrs = {}) {
  const d = toDate(value);
  if (!d) return h('span', { class: 'muted', ...attrs }, '-');
  const iso = d.toISOString();
  const title = `${iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}${ZONE_NAME ? ` · shown in ${ZONE_NAME}` : ''} · ${relativeTime(d)}`;
  return h('time', { datetime: iso, title, ...attrs }, formatTime(d));
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
