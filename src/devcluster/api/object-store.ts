/**
 * The in-memory object store: objects by resource, namespace and name, one global
 * resourceVersion counter, an index of dependents by owner uid, and a bounded event history
 * for watch resumption. Stored objects are frozen snapshots; readers clone before changing.
 */
import type { KubeObject } from '../../manifests/index.js';
import { isRecord } from '../json.js';

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: StoreEventType;
  /** Storage key of the resource, e.g. `batch/jobs` (see `storageKey`). */
  key: string;
  /** The object after the change (for DELETED: its last state, with the deletion's resourceVersion). Frozen. */
  object: KubeObject;
  /** The object before a MODIFIED change. Frozen. */
  oldObject?: KubeObject;
  rv: number;
}

export interface ObjectStoreOptions {
  /** Events kept for watches that resume from a resourceVersion. @defaultValue 10_000 */
  historySize?: number;
  /** Called when a listener throws (the store goes on). @defaultValue ignore */
  onListenerError?: (err: unknown) => void;
}

export interface StoredRef {
  key: string;
  object: KubeObject;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export class ObjectStore {
  private rv = 0;
  private readonly buckets = new Map<string, Map<string, Map<string, KubeObject>>>();
  private readonly byUid = new Map<string, { key: string; namespace: string; name: string }>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly nsCounts = new Map<string, number>();
  private history: StoreEvent[] = [];
  private compactedRv = 0;
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readonly historySize: number;
  private readonly onListenerError: (err: unknown) => void;

  constructor(options: ObjectStoreOptions = {}) {
    this.historySize = Math.max(1, options.historySize ?? 10_000);
    this.onListenerError = options.onListenerError ?? (() => undefined);
  }

  currentRv(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch can still resume from. */
  oldestResumableRv(): number {
    return this.compactedRv;
  }

  /** The stored (frozen) object; clone it before changing anything. */
  peek(key: string, namespace: string, name: string): KubeObject | undefined {
    return this.buckets.get(key)?.get(namespace)?.get(name);
  }

  /** Stored objects of a resource, in one namespace or all; sorted by namespace and name. */
  list(key: string, namespace?: string): KubeObject[] {
    const bucket = this.buckets.get(key);
    if (!bucket) return [];
    const spaces = namespace === undefined ? [...bucket.keys()].sort() : [namespace];
    const out: KubeObject[] = [];
    for (const ns of spaces) {
      const objs = bucket.get(ns);
      if (!objs) continue;
      for (const name of [...objs.keys()].sort()) {
        const obj = objs.get(name);
        if (obj) out.push(obj);
      }
    }
    return out;
  }

  byUidRef(uid: string): StoredRef | undefined {
    const ref = this.byUid.get(uid);
    if (!ref) return undefined;
    const object = this.peek(ref.key, ref.namespace, ref.name);
    return object ? { key: ref.key, object } : undefined;
  }

  /** Objects whose ownerReferences name this uid. */
  dependentsOf(uid: string): StoredRef[] {
    const out: StoredRef[] = [];
    for (const dep of this.dependents.get(uid) ?? []) {
      const ref = this.byUidRef(dep);
      if (ref) out.push(ref);
    }
    return out;
  }

  /** How many namespaced objects live in a namespace. */
  countInNamespace(namespace: string): number {
    return this.nsCounts.get(namespace) ?? 0;
  }

  /** Storage keys that hold objects in a namespace. */
  keysInNamespace(namespace: string): string[] {
    const out: string[] = [];
    for (const [key, bucket] of this.buckets) if ((bucket.get(namespace)?.size ?? 0) > 0) out.push(key);
    return out;
  }

  /** Create or replace; assigns the next resourceVersion. `namespace` is '' for cluster-scoped objects. */
  put(key: string, namespace: string, object: KubeObject): StoreEvent {
    const name = object.metadata.name ?? '';
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new Map();
      this.buckets.set(key, bucket);
    }
    let objs = bucket.get(namespace);
    if (!objs) {
      objs = new Map();
      bucket.set(namespace, objs);
    }
    const old = objs.get(name);
    const rv = ++this.rv;
    const stored = deepFreeze({ ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } });
    objs.set(name, stored);
    if (old) this.unindex(old);
    else if (namespace) this.nsCounts.set(namespace, (this.nsCounts.get(namespace) ?? 0) + 1);
    this.index(key, namespace, stored);
    const event: StoreEvent = old ? { type: 'MODIFIED', key, object: stored, oldObject: old, rv } : { type: 'ADDED', key, object: stored, rv };
    this.emit(event);
    return event;
  }

  remove(key: string, namespace: string, name: string): StoreEvent | undefined {
    const objs = this.buckets.get(key)?.get(namespace);
    const old = objs?.get(name);
    if (!objs || !old) return undefined;
    objs.delete(name);
    if (namespace) this.nsCounts.set(namespace, Math.max(0, (this.nsCounts.get(namespace) ?? 1) - 1));
    this.unindex(old);
    const rv = ++this.rv;
    const last = deepFreeze({ ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } });
    const event: StoreEvent = { type: 'DELETED', key, object: last, rv };
    this.emit(event);
    return event;
  }

  /**
   * Events of a resource after `rv`, oldest first; `undefined` when `rv` is older than the
   * retained history (the caller answers 410 Expired).
   */
  eventsSince(rv: number, key: string): StoreEvent[] | undefined {
    if (rv < this.compactedRv) return undefined;
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.history[mid]?.rv ?? 0) <= rv) lo = mid + 1;
      else hi = mid;
    }
    const out: StoreEvent[] = [];
    for (let i = lo; i < this.history.length; i++) {
      const e = this.history[i];
      if (e && e.key === key) out.push(e);
    }
    return out;
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historySize * 1.25) {
      const drop = this.history.length - this.historySize;
      this.compactedRv = this.history[drop - 1]?.rv ?? this.compactedRv;
      this.history = this.history.slice(drop);
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  private index(key: string, namespace: string, obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    this.byUid.set(uid, { key, namespace, name: obj.metadata.name ?? '' });
    for (const ref of obj.metadata.ownerReferences ?? []) {
      if (!isRecord(ref) || typeof ref.uid !== 'string') continue;
      let set = this.dependents.get(ref.uid);
      if (!set) {
        set = new Set();
        this.dependents.set(ref.uid, set);
      }
      set.add(uid);
    }
  }

  private unindex(obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    this.byUid.delete(uid);
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const set = this.dependents.get(ref.uid);
      if (!set) continue;
      set.delete(uid);
      if (set.size === 0) this.dependents.delete(ref.uid);
    }
  }
}
