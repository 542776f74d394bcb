/**
 * Typed reads of untyped live objects. A missing or mistyped field reads as Go's zero value
 * would after gitops-engine's conversion to a typed struct: `''`, `0`, `[]`, `undefined`.
 */

export type Json = Record<string, unknown>;

export function rec(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

/** Walk nested objects: `at(obj, 'status', 'loadBalancer')`. */
export function at(value: unknown, ...path: string[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    const r = rec(current);
    if (!r) return undefined;
    current = r[key];
  }
  return current;
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** A number, or `undefined` when absent (Go's `*int32`). */
export function optNum(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `status.conditions` as records (non-objects skipped). */
export function conditions(obj: unknown): Json[] {
  return list(at(obj, 'status', 'conditions')).flatMap((c) => {
    const r = rec(c);
    return r ? [r] : [];
  });
}

export function findCondition(obj: unknown, type: string): Json | undefined {
  return conditions(obj).find((c) => c['type'] === type);
}

/** Go's `GroupVersionKind.String()`, used in "unsupported GVK" messages. */
export function gvkString(apiVersion: string, kind: string): string {
  return `${apiVersion}, Kind=${kind}`;
}
