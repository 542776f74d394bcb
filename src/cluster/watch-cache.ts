/**
 * What a watch has seen (pure): the last state of every object, by namespace and name, and the
 * events a new observation or a complete list is worth. Repeats and older resourceVersions are
 * dropped; an object re-created under the same name (another uid) is a DELETED then an ADDED; a
 * list that no longer holds an object (and is not older than what was seen) is its DELETED.
 */
import type { KubeObject } from '../manifests/index.js';
import type { WatchEvent, WatchEventType } from './types.js';

export interface WatchCache {
  /** One observed state; returns what is new about it (nothing for a repeat or an older version). */
  observe(type: WatchEventType, object: KubeObject): WatchEvent[];
  /**
   * A complete list taken at `resourceVersion`: each item observed as ADDED (so MODIFIED when
   * known), then DELETED for what the list lacks. After the first, a DELETED of an unknown object is dropped.
   */
  reconcile(items: readonly KubeObject[], resourceVersion: string): WatchEvent[];
  /** How many objects are known. */
  readonly size: number;
}

interface Known {
  resourceVersion: string;
  uid: string | undefined;
  object: KubeObject;
}

/** `namespace/name` (`/name` when cluster-scoped). */
export function objectKey(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** `a` is older than `b`, when both are the decimal counters etcd-backed servers use (else: not known, false). */
export function isOlder(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

export function createWatchCache(): WatchCache {
  const known = new Map<string, Known>();
  /** A list has been reconciled: every existing object is known, so a DELETED of an unknown one is old news. */
  let complete = false;

  const observe = (type: WatchEventType, object: KubeObject): WatchEvent[] => {
    const key = objectKey(object);
    const rv = object.metadata.resourceVersion;
    const prev = known.get(key);
    if (type === 'DELETED') {
      if (!prev && complete) return [];
      if (prev && isOlder(rv, prev.resourceVersion)) return [];
      known.delete(key);
      return [{ type: 'DELETED', object }];
    }
    if (prev && (prev.resourceVersion === rv || isOlder(rv, prev.resourceVersion))) return [];
    known.set(key, { resourceVersion: rv ?? '', uid: object.metadata.uid, object });
    if (prev && prev.uid !== undefined && object.metadata.uid !== undefined && prev.uid !== object.metadata.uid) {
      // re-created under the same name between two observations
      return [
        { type: 'DELETED', object: prev.object },
        { type: 'ADDED', object },
      ];
    }
    return [{ type: prev ? 'MODIFIED' : type, object }];
  };

  return {
    observe,
    reconcile(items, resourceVersion) {
      const events: WatchEvent[] = [];
      const seen = new Set<string>();
      for (const item of items) {
        seen.add(objectKey(item));
        events.push(...observe('ADDED', item));
      }
      for (const [key, prev] of [...known]) {
        if (!seen.has(key) && !isOlder(resourceVersion, prev.resourceVersion)) events.push(...observe('DELETED', prev.object));
      }
      complete = true;
      return events;
    },
    get size() {
      return known.size;
    },
  };
}
