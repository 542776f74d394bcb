/**
 * Field sets for server-side apply: which fields of an object a manager set, as paths of tokens
 * in the `FieldsV1` vocabulary (`f:<field>`, `k:{"name":"x"}` for keyed list items,
 * `v:<json>` for set members). Atomic lists and scalars are leaves.
 */
import { isRecord } from '../json.js';
import type { JsonObject } from '../json.js';
import { listStrategy } from './list-strategy.js';
import type { MergeContext } from './list-strategy.js';

const SEP = '\u0000';

/** A set of field paths, each a `SEP`-joined token list. */
export type FieldSet = Set<string>;

export function joinPath(tokens: readonly string[]): string {
  return tokens.join(SEP);
}

export function splitPath(path: string): string[] {
  return path.split(SEP);
}

/** Metadata the server owns: never part of a manager's fields. */
const SYSTEM_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

function keyToken(item: JsonObject, keys: readonly string[]): string {
  const picked: JsonObject = {};
  for (const k of keys) picked[k] = item[k];
  return `k:${JSON.stringify(picked)}`;
}

/** The fields an object sets. `includeStatus`: for status-subresource writes. */
/** Map-typed fields (as opposed to structs): a manager owns the map itself too (`.`). */
const MAP_FIELDS = new Set(['labels', 'annotations', 'data', 'binaryData', 'stringData', 'matchLabels', 'nodeSelector']);

/** The fields an object sets. `scope`: the main resource (no status), the status subresource, or all. */
export function fieldsOf(obj: JsonObject, ctx: MergeContext, scope: 'main' | 'status' | 'all'): FieldSet {
  const out: FieldSet = new Set();
  const walk = (value: unknown, tokens: string[], names: string[]): void => {
    if (isRecord(value)) {
      const keys = Object.keys(value);
      if (keys.length === 0) {
        out.add(joinPath(tokens));
        return;
      }
      if (MAP_FIELDS.has(names[names.length - 1] ?? '')) out.add(joinPath([...tokens, '.']));
      for (const k of keys) walk(value[k], [...tokens, `f:${k}`], [...names, k]);
      return;
    }
    if (Array.isArray(value) && value.length > 0) {
      const strategy = listStrategy(names, ctx);
      if (strategy.type === 'set' && value.every((v) => !isRecord(v) && !Array.isArray(v))) {
        out.add(joinPath([...tokens, '.']));
        for (const v of value) out.add(joinPath([...tokens, `v:${JSON.stringify(v)}`]));
        return;
      }
      if (strategy.type === 'map' && value.every(isRecord)) {
        for (const item of value as JsonObject[]) {
          const itemTokens = [...tokens, keyToken(item, strategy.keys)];
          out.add(joinPath([...itemTokens, '.']));
          for (const k of Object.keys(item)) walk(item[k], [...itemTokens, `f:${k}`], [...names, k]);
        }
        return;
      }
    }
    out.add(joinPath(tokens));
  };
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (scope === 'main' && key === 'status') continue;
    if (scope === 'status' && key !== 'status') continue;
    if (key === 'metadata' && isRecord(value)) {
      for (const [mk, mv] of Object.entries(value)) {
        if (!SYSTEM_METADATA.has(mk)) walk(mv, ['f:metadata', `f:${mk}`], ['metadata', mk]);
      }
      continue;
    }
    walk(value, [`f:${key}`], [key]);
  }
  return out;
}

/** A `.` path stands for the map or list item that holds it: the part of the object it covers. */
export function scopeOf(path: string): string {
  return path.endsWith(`${SEP}.`) ? path.slice(0, -2) : path;
}

export type Lookup = { found: false } | { found: true; value: unknown; container: boolean };

/** The value at a path; a `.` path is a container (the map or list item itself), compared by existence only. */
export function valueAt(obj: unknown, path: string): Lookup {
  let cur: unknown = obj;
  const tokens = splitPath(path);
  for (const t of tokens) {
    if (t === '.') return { found: true, value: undefined, container: true };
    if (t.startsWith('f:')) {
      if (!isRecord(cur) || !Object.prototype.hasOwnProperty.call(cur, t.slice(2))) return { found: false };
      cur = cur[t.slice(2)];
    } else if (t.startsWith('k:')) {
      const key = JSON.parse(t.slice(2)) as JsonObject;
      if (!Array.isArray(cur)) return { found: false };
      const item = cur.find((o) => isRecord(o) && Object.entries(key).every(([k, v]) => o[k] === v));
      if (item === undefined) return { found: false };
      cur = item;
    } else if (t.startsWith('v:')) {
      const v = JSON.parse(t.slice(2)) as unknown;
      if (!Array.isArray(cur) || !cur.includes(v)) return { found: false };
      return { found: true, value: v, container: false };
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur, container: false };
}

/** Remove the field at a path from a (mutable copy of an) object. Returns whether it was there. */
export function removeAt(obj: JsonObject, path: string): boolean {
  const tokens = splitPath(scopeOf(path));
  let cur: unknown = obj;
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i] ?? '';
    if (t.startsWith('f:') && isRecord(cur)) cur = cur[t.slice(2)];
    else if (t.startsWith('k:') && Array.isArray(cur)) {
      const key = JSON.parse(t.slice(2)) as JsonObject;
      cur = cur.find((o) => isRecord(o) && Object.entries(key).every(([k, v]) => o[k] === v));
    } else return false;
  }
  const last = tokens[tokens.length - 1] ?? '';
  if (last.startsWith('f:') && isRecord(cur)) {
    const had = Object.prototype.hasOwnProperty.call(cur, last.slice(2));
    delete cur[last.slice(2)];
    return had;
  }
  if ((last.startsWith('k:') || last.startsWith('v:')) && Array.isArray(cur)) {
    const target = JSON.parse(last.slice(2)) as unknown;
    const idx = last.startsWith('v:')
      ? cur.indexOf(target)
      : cur.findIndex((o) => isRecord(o) && isRecord(target) && Object.entries(target).every(([k, v]) => o[k] === v));
    if (idx >= 0) cur.splice(idx, 1);
    return idx >= 0;
  }
  return false;
}

/** `FieldsV1` JSON of a set: nested tokens, `.` marking a map or list item owned as a whole. */
export function toFieldsV1(set: FieldSet): JsonObject {
  const root: JsonObject = {};
  for (const path of [...set].sort()) {
    let node = root;
    for (const t of splitPath(path)) {
      const existing = node[t];
      const child: JsonObject = isRecord(existing) ? existing : {};
      node[t] = child;
      node = child;
    }
  }
  return dotFirst(root);
}

/** `.` first in every node, as the API server writes it. */
function dotFirst(node: JsonObject): JsonObject {
  const out: JsonObject = '.' in node ? { '.': {} } : {};
  for (const [k, v] of Object.entries(node)) if (k !== '.') out[k] = isRecord(v) ? dotFirst(v) : v;
  return out;
}

export function fromFieldsV1(fields: unknown): FieldSet {
  const out: FieldSet = new Set();
  const walk = (node: unknown, tokens: string[]): void => {
    if (!isRecord(node)) return;
    const keys = Object.keys(node);
    if (tokens.length > 0 && keys.length === 0) out.add(joinPath(tokens));
    for (const k of keys) walk(node[k], [...tokens, k]);
  };
  walk(fields, []);
  return out;
}

/** Whether `path` equals `prefix` or lies below it. */
export function isWithin(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(prefix + SEP);
}

/** Human form of a path for conflict messages: `.spec.replicas`, `.spec.containers[name="a"].image`. */
export function describePath(path: string): string {
  return splitPath(scopeOf(path))
    .map((t) => {
      if (t.startsWith('f:')) return `.${t.slice(2)}`;
      if (t.startsWith('k:')) {
        const key = JSON.parse(t.slice(2)) as JsonObject;
        return `[${Object.entries(key)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
      }
      return `[${t.slice(2)}]`;
    })
    .join('');
}
