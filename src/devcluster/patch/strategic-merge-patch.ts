/**
 * Strategic merge patch (`application/strategic-merge-patch+json`, `k8s.io/apimachinery/pkg/util/strategicpatch`):
 * maps merge, `null` deletes, lists merge by their merge key (see `listStrategy`), primitive
 * sets (`finalizers`) are unioned, other lists are replaced. Directives: `$patch: replace|delete|merge`
 * (on maps and list items), `$retainKeys`, `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`.
 */
import { badRequest } from '../errors.js';
import { clone, deepEqual, isRecord } from '../json.js';
import type { JsonObject } from '../json.js';
import { listStrategy, sameKey } from './list-strategy.js';
import type { MergeContext } from './list-strategy.js';

const DELETE_FROM = '$deleteFromPrimitiveList/';
const ORDER = '$setElementOrder/';

/** A copy of a patch value with every directive removed (for values that are added, not merged). */
function strip(value: unknown, path: string[], ctx: MergeContext): unknown {
  if (Array.isArray(value)) {
    return value.filter((v) => !(isRecord(v) && v.$patch !== undefined && Object.keys(v).length === 1)).map((v) => strip(v, path, ctx));
  }
  if (!isRecord(value)) return clone(value);
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$')) continue;
    if (v === null) continue;
    out[k] = strip(v, [...path, k], ctx);
  }
  return out;
}

function mergeMap(original: JsonObject | undefined, patch: JsonObject, path: string[], ctx: MergeContext): JsonObject | undefined {
  const directive = patch.$patch;
  if (directive === 'replace') return strip(patch, path, ctx) as JsonObject;
  if (directive === 'delete') return undefined;
  if (directive !== undefined && directive !== 'merge') throw badRequest(`Unknown patch type: ${String(directive)}`);
  const result: JsonObject = original ? { ...original } : {};
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const k of Object.keys(result)) if (!retain.includes(k)) delete result[k];
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(value)) result[field] = current.filter((v) => !value.some((d) => deepEqual(d, v)));
      continue;
    }
    if (key.startsWith('$')) continue;
    if (value === null) {
      delete result[key];
      continue;
    }
    const childPath = [...path, key];
    if (isRecord(value)) {
      const merged = mergeMap(isRecord(result[key]) ? (result[key] as JsonObject) : undefined, value, childPath, ctx);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else if (Array.isArray(value)) {
      result[key] = mergeList(Array.isArray(result[key]) ? (result[key] as unknown[]) : [], value, childPath, ctx);
    } else {
      result[key] = value;
    }
  }
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(ORDER) || !Array.isArray(order)) continue;
    const field = key.slice(ORDER.length);
    const list = result[field];
    if (Array.isArray(list)) result[field] = applyOrder(list, order, [...path, field], ctx);
  }
  return result;
}

function mergeList(original: unknown[], patch: unknown[], path: string[], ctx: MergeContext): unknown[] {
  if (patch.some((v) => isRecord(v) && v.$patch === 'replace' && Object.keys(v).length === 1)) return strip(patch, path, ctx) as unknown[];
  const strategy = listStrategy(path, ctx);
  if (strategy.type === 'atomic') return strip(patch, path, ctx) as unknown[];
  if (strategy.type === 'set') {
    const out = [...original];
    for (const v of patch) if (!out.some((o) => deepEqual(o, v))) out.push(clone(v));
    return out;
  }
  const out = [...original];
  for (const item of patch) {
    if (!isRecord(item)) throw badRequest(`strategic merge patch: list ${path.join('.')} must hold objects keyed by ${strategy.keys.join(',')}`);
    const idx = out.findIndex((o) => isRecord(o) && sameKey(o, item, strategy.keys));
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(out[idx] as JsonObject, item, path, ctx);
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      const added = mergeMap(undefined, item, path, ctx);
      if (added !== undefined) out.push(added);
    }
  }
  return out;
}

function applyOrder(list: unknown[], order: unknown[], path: string[], ctx: MergeContext): unknown[] {
  const strategy = listStrategy(path, ctx);
  const matches = (item: unknown, o: unknown): boolean =>
    strategy.type === 'map' && isRecord(item) && isRecord(o) ? sameKey(item, o, strategy.keys) : deepEqual(item, o);
  const ordered: unknown[] = [];
  for (const o of order) {
    const found = list.find((item) => matches(item, o));
    if (found !== undefined && !ordered.includes(found)) ordered.push(found);
  }
  for (const item of list) if (!ordered.includes(item)) ordered.push(item);
  return ordered;
}

/** Apply a strategic merge patch to an object; returns a new object. */
export function strategicMergePatch(target: JsonObject, patch: unknown, ctx: MergeContext): JsonObject {
  if (!isRecord(patch)) throw badRequest('strategic merge patch: the patch must be a JSON object');
  return mergeMap(target, patch, [], ctx) ?? {};
}
