/** Kubernetes timestamp formats. */

/** RFC 3339 with second precision, as `metav1.Time` serialises. */
export function nowRfc3339(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 with nanosecond digits (`metav1.MicroTime`-like; used for log timestamps). */
export function nowRfc3339Nano(date: Date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}
