/** System metadata the API server sets: uid, timestamps, generated names, generation. */
import { randomInt, randomUUID } from 'node:crypto';
import type { KubeObject } from '../../manifests/index.js';
import { deepEqual } from '../json.js';

export { nowRfc3339, nowRfc3339Nano } from '../../util/time.js';

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** `utilrand.String(n)`: the alphabet Kubernetes uses for generated name suffixes. */
export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMS[randomInt(ALPHANUMS.length)];
  return out;
}

export function newUid(): string {
  return randomUUID();
}

/** `generateName` + 5 random characters, the prefix cut so the name fits in 63 characters. */
export function generateName(prefix: string): string {
  return `${prefix.slice(0, 58)}${randomSuffix(5)}`;
}

function specPart(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

/** Whether anything but metadata and status changed (what bumps `metadata.generation`). */
export function specChanged(old: KubeObject, next: KubeObject): boolean {
  return !deepEqual(specPart(old), specPart(next));
}

/** Equal apart from resourceVersion: such a write is skipped, as the API server does. */
export function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): KubeObject => {
    const { resourceVersion: _rv, ...meta } = o.metadata;
    return { ...o, apiVersion: '', metadata: meta };
  };
  return deepEqual(strip(a), strip(b));
}

/** Group of an apiVersion: `apps/v1` → `apps`, `v1` → ``. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
