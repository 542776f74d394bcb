/** JSON text of stored (frozen, never changed) objects, computed once per object version. */
import type { KubeObject } from '../../manifests/index.js';

const cache = new WeakMap<KubeObject, string>();

/** The object's JSON with `apiVersion` as served (a custom resource may be read at another version). */
export function objectJson(obj: KubeObject, apiVersion: string): string {
  if (obj.apiVersion !== apiVersion) return JSON.stringify({ ...obj, apiVersion });
  let text = cache.get(obj);
  if (text === undefined) {
    text = JSON.stringify(obj);
    if (Object.isFrozen(obj)) cache.set(obj, text);
  }
  return text;
}
