/**
 * The fields a set of field managers owns on a live object, from its `metadata.managedFields`
 * (`fieldsV1`: `f:<field>`, `k:<list keys>`, `v:<set value>`, `i:<index>`, `.` for the item itself),
 * as token paths into that object — what Argo CD's `managedFieldsManagers` ignores. Pure.
 */
import type { KubeObject } from '../manifests/index.js';

type FieldsV1 = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A leaf: the manager owns the whole value (`{}`, or only `.`). */
function isLeaf(fields: unknown): boolean {
  return isRecord(fields) && Object.keys(fields).every((k) => k === '.');
}

/** The index of the list element a `k:`/`v:`/`i:` key names in `list`, or -1. */
function elementIndex(key: string, list: unknown): number {
  if (!Array.isArray(list)) return -1;
  let named: unknown;
  try {
    named = JSON.parse(key.slice(2));
  } catch {
    return -1;
  }
  if (key.startsWith('i:')) return typeof named === 'number' && named < list.length ? named : -1;
  if (key.startsWith('v:')) return list.findIndex((item) => sameJson(item, named));
  if (!isRecord(named)) return -1;
  return list.findIndex((item) => isRecord(item) && Object.entries(named).every(([k, v]) => sameJson(item[k], v)));
}

function walk(fields: FieldsV1, live: unknown, path: string[], out: string[][]): void {
  for (const [key, sub] of Object.entries(fields)) {
    if (key === '.') continue;
    let token: string;
    let value: unknown;
    if (key.startsWith('f:')) {
      token = key.slice(2);
      value = isRecord(live) ? live[token] : undefined;
      if (value === undefined) continue;
    } else if (key.startsWith('k:') || key.startsWith('v:') || key.startsWith('i:')) {
      const index = elementIndex(key, live);
      if (index < 0) continue;
      token = String(index);
      value = (live as unknown[])[index];
    } else {
      continue;
    }
    if (isLeaf(sub) || !isRecord(sub)) out.push([...path, token]);
    else walk(sub, value, [...path, token], out);
  }
}

/** Token paths of the fields `managers` own on `live` (a field owned by several managers counts once). */
export function managedPaths(live: KubeObject, managers: readonly string[]): string[][] {
  const out: string[][] = [];
  const entries = Array.isArray(live.metadata.managedFields) ? live.metadata.managedFields : [];
  for (const entry of entries as unknown[]) {
    if (!isRecord(entry) || typeof entry['manager'] !== 'string' || !managers.includes(entry['manager'])) continue;
    if (isRecord(entry['fieldsV1'])) walk(entry['fieldsV1'], live, [], out);
  }
  const seen = new Set<string>();
  return out.filter((p) => {
    const key = JSON.stringify(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
