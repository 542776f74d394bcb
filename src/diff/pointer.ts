/** RFC 6901 JSON pointers over plain JSON values: parse, read, write, remove. Pure. */

/** The reference tokens of a pointer (`/a/b~1c` → `['a', 'b/c']`); `''` is the whole document. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`"${pointer}" is not a JSON pointer: it must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The pointer of a token path. */
export function formatPointer(tokens: readonly (string | number)[]): string {
  return tokens.map((t) => `/${String(t).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function child(value: unknown, token: string): unknown {
  if (Array.isArray(value)) return /^(0|[1-9]\d*)$/.test(token) ? value[Number(token)] : undefined;
  if (value !== null && typeof value === 'object') return Object.prototype.hasOwnProperty.call(value, token) ? (value as Record<string, unknown>)[token] : undefined;
  return undefined;
}

/** The value at `tokens`, or `undefined` when there is none. */
export function getAt(doc: unknown, tokens: readonly string[]): unknown {
  let value = doc;
  for (const token of tokens) {
    value = child(value, token);
    if (value === undefined) return undefined;
  }
  return value;
}

/** Set the value at `tokens` in place, creating objects on the way; false when a parent is not an object or array. */
export function setAt(doc: unknown, tokens: readonly string[], value: unknown): boolean {
  if (tokens.length === 0) return false;
  let parent = doc;
  for (const token of tokens.slice(0, -1)) {
    let next = child(parent, token);
    if (next === undefined) {
      if (Array.isArray(parent) || parent === null || typeof parent !== 'object') return false;
      next = {};
      (parent as Record<string, unknown>)[token] = next;
    }
    parent = next;
  }
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) {
    if (!/^(0|[1-9]\d*)$/.test(last) || Number(last) > parent.length) return false;
    parent[Number(last)] = value;
    return true;
  }
  if (parent === null || typeof parent !== 'object') return false;
  (parent as Record<string, unknown>)[last] = value;
  return true;
}

/** Remove the value at `tokens` in place (an array element is spliced out). */
export function removeAt(doc: unknown, tokens: readonly string[]): void {
  if (tokens.length === 0) return;
  const parent = getAt(doc, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) {
    if (/^(0|[1-9]\d*)$/.test(last) && Number(last) < parent.length) parent.splice(Number(last), 1);
  } else if (parent !== null && typeof parent === 'object') {
    delete (parent as Record<string, unknown>)[last];
  }
}
