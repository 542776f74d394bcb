/** Time for humans and for Kubernetes: durations in messages, timestamp formats. */

/** RFC 3339 with second precision, as `metav1.Time` serialises. */
export function nowRfc3339(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 with nanosecond digits (`metav1.MicroTime`-like; used for log timestamps). */
export function nowRfc3339Nano(date: Date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** Render a duration for messages: `850ms`, `12s`, `3m5s`, `1h2m`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  const h = Math.floor(m / 60);
  return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
}
