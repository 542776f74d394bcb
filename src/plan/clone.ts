/**
 * A deep copy of a loaded object for a task's target. Manifests are JSON-shaped (YAML's core
 * schema gives maps, sequences, strings, numbers, booleans and null), which a plain recursive copy
 * handles several times faster than `structuredClone`; anything else (a Date, a Map, a shared or
 * cyclic structure from YAML aliases nested implausibly deep) is left to `structuredClone`.
 */

/** Deeper than this, the copy gives up and `structuredClone` copies the whole value (a cycle ends here too). */
const MAX_DEPTH = 100;

class NotPlain extends Error {}

/** A deep copy of `value`, equal to `structuredClone(value)` for JSON-shaped values. Pure. */
export function cloneObject<T>(value: T): T {
  try {
    return copy(value, 0) as T;
  } catch (err) {
    if (err instanceof NotPlain) return structuredClone(value);
    throw err;
  }
}

function copy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') throw new NotPlain();
    return value;
  }
  if (depth > MAX_DEPTH) throw new NotPlain();
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i], depth + 1);
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new NotPlain();
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = copy((value as Record<string, unknown>)[key], depth + 1);
    // `__proto__` as an own key (YAML allows it) must stay a key, not become the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out;
}
