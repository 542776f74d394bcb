/**
 * Server-side apply (`application/apply-patch+yaml`) and `metadata.managedFields` bookkeeping,
 * after `k8s.io/apiserver/pkg/endpoints/handlers/fieldmanager`: every manager owns a field set;
 * an apply merges the applied configuration into the live object, removes fields the manager
 * applied before and omits now (unless another manager owns them), and conflicts (409) when a
 * field it sets to a different value is owned by another manager, unless `force`.
 */
import { ApiError } from '../errors.js';
import { clone, deepEqual, isRecord } from '../json.js';
import type { JsonObject } from '../json.js';
import { describePath, fieldsOf, fromFieldsV1, isWithin, removeAt, scopeOf, splitPath, toFieldsV1, valueAt } from './field-set.js';
import type { FieldSet } from './field-set.js';
import { listStrategy, sameKey } from './list-strategy.js';
import type { MergeContext } from './list-strategy.js';

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource: string;
  fields: FieldSet;
}

function readManagers(obj: JsonObject | undefined): Manager[] {
  const meta = obj && isRecord(obj.metadata) ? obj.metadata : undefined;
  const list = meta && Array.isArray(meta.managedFields) ? meta.managedFields : [];
  return list.filter(isRecord).map((e) => ({
    manager: String(e.manager ?? ''),
    operation: e.operation === 'Apply' ? 'Apply' : 'Update',
    apiVersion: String(e.apiVersion ?? ''),
    time: String(e.time ?? ''),
    subresource: typeof e.subresource === 'string' ? e.subresource : '',
    fields: fromFieldsV1(e.fieldsV1),
  }));
}

function writeManagers(managers: readonly Manager[]): ManagedFieldsEntry[] {
  return managers
    .filter((m) => m.fields.size > 0)
    .map((m) => ({
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      time: m.time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(m.fields),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    }));
}

/** Merge an applied configuration into the live object: maps merge, keyed lists merge by key, sets union, the rest replaces. */
function mergeApplied(live: unknown, applied: unknown, names: string[], ctx: MergeContext): unknown {
  if (isRecord(applied)) {
    const out: JsonObject = isRecord(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) delete out[k];
      else out[k] = mergeApplied(out[k], v, [...names, k], ctx);
    }
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const strategy = listStrategy(names, ctx);
    if (strategy.type === 'set') {
      const out = [...live];
      for (const v of applied) if (!out.some((o) => deepEqual(o, v))) out.push(clone(v));
      return out;
    }
    if (strategy.type === 'map' && applied.every(isRecord)) {
      const out = [...live];
      for (const item of applied as JsonObject[]) {
        const idx = out.findIndex((o) => isRecord(o) && sameKey(o, item, strategy.keys));
        if (idx >= 0) out[idx] = mergeApplied(out[idx], item, names, ctx);
        else out.push(clone(item));
      }
      return out;
    }
  }
  return clone(applied);
}

function describeManager(m: Manager): string {
  return `"${m.manager}"${m.apiVersion ? ` using ${m.apiVersion}` : ''}`;
}

function conflictError(conflicts: { manager: Manager; path: string }[]): ApiError {
  const n = conflicts.length;
  let text: string;
  if (n === 1) {
    const only = conflicts[0];
    text = only ? `conflict with ${describeManager(only.manager)}: ${describePath(only.path)}` : '';
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const key = describeManager(c.manager);
      byManager.set(key, [...(byManager.get(key) ?? []), describePath(c.path)]);
    }
    text = [...byManager].map(([m, paths]) => `conflicts with ${m}:\n${paths.map((p) => `- ${p}`).join('\n')}`).join('\n');
  }
  return new ApiError(409, 'Conflict', `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${text}`, {
    causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${describeManager(c.manager)}`, field: describePath(c.path) })),
  });
}

export interface ApplyInput {
  /** The live object, or undefined when the apply creates it. */
  live: JsonObject | undefined;
  /** The applied configuration (already checked for apiVersion, kind and name). */
  applied: JsonObject;
  manager: string;
  force: boolean;
  ctx: MergeContext;
  apiVersion: string;
  /** `status` for an apply to the status subresource. @defaultValue main resource */
  subresource?: 'status';
  now: string;
}

/** The object after the apply, with `metadata.managedFields` updated. @throws ApiError 409 on conflicts without force. */
export function serverSideApply(input: ApplyInput): JsonObject {
  const scope = input.subresource === 'status' ? 'status' : 'main';
  const sub = input.subresource ?? '';
  const newFields = fieldsOf(input.applied, input.ctx, scope);
  const managers = readManagers(input.live);
  const isSelf = (m: Manager): boolean => m.manager === input.manager && m.operation === 'Apply' && m.subresource === sub;
  const self = managers.find(isSelf);
  const others = managers.filter((m) => !isSelf(m));
  if (input.live) {
    const conflicts: { manager: Manager; path: string }[] = [];
    for (const m of others) {
      if (m.subresource !== sub) continue;
      for (const path of newFields) {
        if (!m.fields.has(path)) continue;
        const a = valueAt(input.live, path);
        const b = valueAt(input.applied, path);
        const same = a.found && b.found && (a.container || b.container ? a.container === b.container : deepEqual(a.value, b.value));
        if (!same) conflicts.push({ manager: m, path });
      }
    }
    if (conflicts.length > 0) {
      if (!input.force) throw conflictError(conflicts);
      for (const c of conflicts) c.manager.fields.delete(c.path);
    }
  }
  const merged = (input.live ? mergeApplied(input.live, input.applied, [], input.ctx) : clone(input.applied)) as JsonObject;
  if (self) {
    const ownedByOthers = (path: string): boolean => others.some((m) => [...m.fields].some((p) => isWithin(p, scopeOf(path))));
    const dropped = [...self.fields].filter((p) => !newFields.has(p) && !ownedByOthers(p));
    dropped.sort((a, b) => splitPath(scopeOf(a)).length - splitPath(scopeOf(b)).length);
    const removed: string[] = [];
    for (const path of dropped) {
      const scope = scopeOf(path);
      if (removed.some((r) => isWithin(scope, r)) || [...newFields].some((p) => isWithin(p, scope))) continue;
      removeAt(merged, path);
      removed.push(scope);
      pruneEmptyParents(merged, scope);
    }
  }
  const unchanged = self !== undefined && self.apiVersion === input.apiVersion && self.fields.size === newFields.size && [...newFields].every((p) => self.fields.has(p));
  const updated: Manager = { manager: input.manager, operation: 'Apply', apiVersion: input.apiVersion, time: unchanged ? self.time : input.now, subresource: sub, fields: newFields };
  const next = self ? managers.map((m) => (isSelf(m) ? updated : m)) : [...managers, updated];
  const metadata = isRecord(merged.metadata) ? { ...merged.metadata } : {};
  metadata.managedFields = writeManagers(next);
  return { ...merged, metadata };
}

/** Remove maps left empty by a removal, up to (not including) the top level. */
function pruneEmptyParents(obj: JsonObject, path: string): void {
  const tokens = splitPath(path);
  for (let depth = tokens.length - 1; depth >= 2; depth--) {
    const parent = tokens.slice(0, depth);
    if (!parent.every((t) => t.startsWith('f:'))) return;
    let node: unknown = obj;
    for (const t of parent) node = isRecord(node) ? node[t.slice(2)] : undefined;
    if (!isRecord(node) || Object.keys(node).length > 0) return;
    removeAt(obj, parent.join('\u0000'));
  }
}

export interface UpdateInput {
  old: JsonObject | undefined;
  updated: JsonObject;
  manager: string;
  ctx: MergeContext;
  apiVersion: string;
  subresource?: 'status';
  now: string;
}

/**
 * `managedFields` after a non-apply write (create, update, patch): the writer takes the fields
 * it changed, other managers lose them, and fields that no longer exist leave every set.
 */
export function recordUpdate(input: UpdateInput): ManagedFieldsEntry[] {
  const scope = input.subresource === 'status' ? 'status' : 'main';
  const sub = input.subresource ?? '';
  const current = fieldsOf(input.updated, input.ctx, 'all');
  const changed = [...fieldsOf(input.updated, input.ctx, scope)].filter((p) => {
    if (!input.old) return true;
    const a = valueAt(input.old, p);
    const b = valueAt(input.updated, p);
    if (!a.found) return true;
    if (!b.found) return false;
    return a.container !== b.container || (!b.container && !deepEqual(a.value, b.value));
  });
  const managers = readManagers(input.old);
  for (const m of managers) {
    for (const p of [...m.fields]) if (!current.has(p)) m.fields.delete(p);
    if (m.manager === input.manager && m.operation === 'Update' && m.subresource === sub) continue;
    for (const p of changed) m.fields.delete(p);
  }
  if (changed.length > 0) {
    let self = managers.find((m) => m.manager === input.manager && m.operation === 'Update' && m.subresource === sub);
    if (!self) {
      self = { manager: input.manager, operation: 'Update', apiVersion: input.apiVersion, time: input.now, subresource: sub, fields: new Set() };
      managers.push(self);
    }
    for (const p of changed) self.fields.add(p);
    self.time = input.now;
    self.apiVersion = input.apiVersion;
  }
  return writeManagers(managers);
}
