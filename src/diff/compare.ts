/**
 * Desired against live (docs/semantics.md §9.12): is the object as the manifest says? Only what the
 * desired object sets is compared — defaults the API server fills in, server-set metadata, `status`
 * and fields other controllers add do not count — after Argo CD's normalizations (Secret
 * `stringData` as `data`, equal quantities such as `500m` and `0.5`) and the application's
 * `ignoreDifferences` (JSON pointers, jq paths of `jq-path.ts`'s subset, fields owned by named
 * managers). Pure.
 */
import { splitApiVersion } from '../manifests/index.js';
import type { KubeObject } from '../manifests/index.js';
import { parseQuantity } from '../util/quantity.js';
import { evaluateJqPath, parseJqPath } from './jq-path.js';
import { managedPaths } from './managed-fields.js';
import { formatPointer, getAt, parsePointer, removeAt, setAt } from './pointer.js';
import type { Comparison, Difference, IgnoreDifference } from './types.js';

export interface CompareOptions {
  /** The application's `ignoreDifferences`. @defaultValue [] */
  ignore?: readonly IgnoreDifference[];
}

/** Metadata the API server sets, never part of what a manifest asks for. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink'];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Path segments under which strings are resource quantities (`500m` equals `0.5`). */
const QUANTITY_PARENTS = new Set(['limits', 'requests', 'capacity', 'hard', 'allocatable']);

const groupOf = (obj: KubeObject): string => splitApiVersion(obj.apiVersion).group;

/** The rules that apply to `obj`: kind always, group, name and namespace when the rule names them. */
export function rulesFor(obj: KubeObject, rules: readonly IgnoreDifference[]): IgnoreDifference[] {
  return rules.filter(
    (r) =>
      (r.kind === obj.kind || r.kind === '*') &&
      (r.group === undefined || r.group === '*' || r.group === groupOf(obj)) &&
      (!r.name || r.name === obj.metadata.name) &&
      (!r.namespace || r.namespace === obj.metadata.namespace),
  );
}

/** Token paths the rules ignore on this object: their JSON pointers, and the fields their managers own on `live`. */
export function ignoredPaths(desired: KubeObject, live: KubeObject | undefined, rules: readonly IgnoreDifference[]): string[][] {
  const paths: string[][] = [];
  for (const rule of rulesFor(desired, rules)) {
    for (const pointer of rule.jsonPointers ?? []) paths.push(parsePointer(pointer));
    for (const expression of rule.jqPathExpressions ?? []) {
      const parsed = parseJqPath(expression);
      if ('error' in parsed) continue; // warned about with the operation (D9)
      paths.push(...evaluateJqPath(parsed, desired), ...(live ? evaluateJqPath(parsed, live) : []));
    }
    if (live && rule.managedFieldsManagers?.length) paths.push(...managedPaths(live, rule.managedFieldsManagers));
  }
  return paths;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A copy without status and server-set metadata; a Secret's `stringData` folded into `data` (base64). */
export function normalize(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  delete copy['status'];
  for (const key of SERVER_METADATA) delete copy.metadata[key];
  if (copy.metadata.annotations) {
    delete copy.metadata.annotations[LAST_APPLIED];
    if (Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
  }
  if (copy.kind === 'Secret' && copy.apiVersion === 'v1' && isRecord(copy['stringData'])) {
    const data = isRecord(copy['data']) ? copy['data'] : {};
    for (const [k, v] of Object.entries(copy['stringData'])) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    copy['data'] = data;
    delete copy['stringData'];
  }
  return copy;
}

const isEmpty = (value: unknown): boolean => value === undefined || value === null || (Array.isArray(value) && value.length === 0) || (isRecord(value) && Object.keys(value).length === 0);

function sameScalar(desired: unknown, live: unknown, parent: string | undefined): boolean {
  if (desired === live) return true;
  if (parent !== undefined && QUANTITY_PARENTS.has(parent) && (typeof desired === 'string' || typeof desired === 'number') && (typeof live === 'string' || typeof live === 'number')) {
    const a = parseQuantity(String(desired));
    const b = parseQuantity(String(live));
    return 'value' in a && 'value' in b && Math.abs(a.value - b.value) <= Math.abs(a.value) * 1e-12;
  }
  return false;
}

/** Every field `desired` sets that `live` does not have the same. */
function subsetDiff(desired: unknown, live: unknown, path: (string | number)[], out: Difference[]): void {
  if (isEmpty(desired) && isEmpty(live)) return;
  if (isRecord(desired)) {
    if (!isRecord(live)) {
      out.push({ path: formatPointer(path), desired, live });
      return;
    }
    for (const [key, value] of Object.entries(desired)) subsetDiff(value, live[key], [...path, key], out);
    return;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) {
      out.push({ path: formatPointer(path), desired, live });
      return;
    }
    desired.forEach((item, i) => subsetDiff(item, live[i], [...path, i], out));
    return;
  }
  const parent = path.length >= 2 ? path[path.length - 2] : undefined;
  if (!sameScalar(desired, live, typeof parent === 'string' ? parent : undefined)) out.push({ path: formatPointer(path), desired, live });
}

/**
 * Compare the object a sync would apply with the live one. `modified` is what Argo CD's
 * `ApplyOutOfSyncOnly` and sync status read; `differences` names each field (JSON pointers).
 */
export function compareObjects(desired: KubeObject, live: KubeObject, options: CompareOptions = {}): Comparison {
  const d = normalize(desired);
  const l = normalize(live);
  for (const tokens of ignoredPaths(desired, live, options.ignore ?? [])) {
    removeAt(d, tokens);
    removeAt(l, tokens);
  }
  const differences: Difference[] = [];
  subsetDiff(d, l, [], differences);
  return { modified: differences.length > 0, differences };
}

/**
 * `RespectIgnoreDifferences=true`: the object to apply keeps the live values of the ignored fields
 * (a field the live object lacks is left out), so a sync does not undo what the rules say to
 * ignore. `status` is never copied.
 */
export function respectIgnoredFields(desired: KubeObject, live: KubeObject, rules: readonly IgnoreDifference[]): KubeObject {
  const out = structuredClone(desired);
  for (const tokens of ignoredPaths(desired, live, rules)) {
    if (tokens[0] === 'status') continue;
    const value = getAt(live, tokens);
    if (value === undefined) removeAt(out, tokens);
    else setAt(out, tokens, structuredClone(value));
  }
  return out;
}
