/**
 * Watch connections: chunked, newline-delimited JSON events (ADDED, MODIFIED, DELETED, BOOKMARK,
 * ERROR). Resumes after a resourceVersion from the store's bounded history (410 Expired as an
 * ERROR event when it is too old), sends synthetic ADDED events for the current objects when no
 * version (or "0") is given, periodic bookmarks, and ends at `timeoutSeconds`.
 */
import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../../manifests/index.js';
import type { ObjectStore, StoreEvent } from '../api/object-store.js';
import { apiVersionOf, storageKey } from '../api/resource-types.js';
import type { ResourceType } from '../api/resource-types.js';
import type { Selector } from '../api/selectors.js';
import { expired } from '../errors.js';
import { objectJson } from './json-cache.js';

export interface WatchRequest {
  type: ResourceType;
  /** Undefined for all namespaces (or cluster-scoped). */
  namespace?: string;
  labels: Selector;
  fields: Selector;
  /** `resourceVersion` query value; '' or '0' = start with the current objects. */
  resourceVersion: string;
  timeoutSeconds?: number;
  allowBookmarks: boolean;
  /** `sendInitialEvents=true` (watch-list): current objects first, then a bookmark marking their end. */
  sendInitialEvents: boolean;
}

export interface WatchHubOptions {
  store: ObjectStore;
  /** Interval between BOOKMARK events on watches that allow them. @defaultValue 10_000 */
  bookmarkIntervalMs?: number;
}

interface Watcher {
  request: WatchRequest;
  apiVersion: string;
  res: ServerResponse;
  timers: NodeJS.Timeout[];
}

export class WatchHub {
  private readonly byKey = new Map<string, Set<Watcher>>();
  private readonly store: ObjectStore;
  private readonly bookmarkIntervalMs: number;
  private readonly unsubscribe: () => void;
  private dropped = 0;
  private openCount = 0;
  private peakCount = 0;

  constructor(options: WatchHubOptions) {
    this.store = options.store;
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 10_000;
    this.unsubscribe = this.store.subscribe((event) => this.dispatch(event));
  }

  /** How many watches are open. */
  get open(): number {
    return this.openCount;
  }

  /** The most watches open at once since the start or the last `resetPeak` (benches read it). */
  get peak(): number {
    return this.peakCount;
  }

  /** Start a new peak from the watches open now. */
  resetPeak(): void {
    this.peakCount = this.openCount;
  }

  /** Watches ended by `dropAll` so far. */
  get droppedCount(): number {
    return this.dropped;
  }

  start(request: WatchRequest, res: ServerResponse): void {
    const key = storageKey(request.type);
    const watcher: Watcher = { request, apiVersion: apiVersionOf(request.type), res, timers: [] };
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const rv = request.resourceVersion;
    if (rv !== '' && rv !== '0' && !request.sendInitialEvents) {
      const n = Number(rv);
      const history = Number.isInteger(n) && n >= 0 ? this.store.eventsSince(n, key) : undefined;
      if (!history) {
        const err = expired(`too old resource version: ${rv} (${this.store.oldestResumableRv() + 1})`);
        res.end(`${JSON.stringify({ type: 'ERROR', object: err.toStatus() })}\n`);
        return;
      }
      for (const event of history) this.deliver(watcher, event);
    } else {
      for (const obj of this.store.list(key, request.type.namespaced ? request.namespace : undefined)) {
        if (this.matches(watcher, obj)) this.write(watcher, 'ADDED', objectJson(obj, watcher.apiVersion));
      }
      if (request.sendInitialEvents) this.bookmark(watcher, true);
    }
    let set = this.byKey.get(key);
    if (!set) {
      set = new Set();
      this.byKey.set(key, set);
    }
    set.add(watcher);
    this.openCount++;
    if (this.openCount > this.peakCount) this.peakCount = this.openCount;
    res.on('close', () => this.remove(watcher));
    if (request.allowBookmarks) {
      const t = setInterval(() => this.bookmark(watcher, false), this.bookmarkIntervalMs);
      t.unref();
      watcher.timers.push(t);
    }
    if (request.timeoutSeconds !== undefined && request.timeoutSeconds > 0) {
      const t = setTimeout(() => this.end(watcher), request.timeoutSeconds * 1000);
      t.unref();
      watcher.timers.push(t);
    }
  }

  /** End every open watch (fault injection's `drop-watch`); returns how many. */
  dropAll(): number {
    let n = 0;
    for (const set of this.byKey.values()) {
      for (const w of [...set]) {
        this.end(w);
        n++;
      }
    }
    this.dropped += n;
    return n;
  }

  close(): void {
    this.unsubscribe();
    for (const set of this.byKey.values()) for (const w of [...set]) this.end(w);
  }

  private end(w: Watcher): void {
    this.remove(w);
    if (!w.res.writableEnded) w.res.end();
  }

  private remove(w: Watcher): void {
    for (const t of w.timers) clearTimeout(t);
    w.timers = [];
    if (this.byKey.get(storageKey(w.request.type))?.delete(w)) this.openCount--;
  }

  private matches(w: Watcher, obj: KubeObject): boolean {
    const { request } = w;
    if (request.type.namespaced && request.namespace !== undefined && obj.metadata.namespace !== request.namespace) return false;
    return request.labels.matches(obj) && request.fields.matches(obj);
  }

  private dispatch(event: StoreEvent): void {
    const set = this.byKey.get(event.key);
    if (!set) return;
    for (const w of set) this.deliver(w, event);
  }

  /** Send an event as this watcher sees it: an update that leaves or enters its selection is a DELETED or ADDED. */
  private deliver(w: Watcher, event: StoreEvent): void {
    const now = this.matches(w, event.object);
    if (event.type !== 'MODIFIED' || !event.oldObject) {
      if (now) this.write(w, event.type, objectJson(event.object, w.apiVersion));
      return;
    }
    const before = this.matches(w, event.oldObject);
    if (now) this.write(w, before ? 'MODIFIED' : 'ADDED', objectJson(event.object, w.apiVersion));
    else if (before) {
      const last = { ...event.oldObject, apiVersion: w.apiVersion, metadata: { ...event.oldObject.metadata, resourceVersion: String(event.rv) } };
      this.write(w, 'DELETED', JSON.stringify(last));
    }
  }

  private bookmark(w: Watcher, initialEnd: boolean): void {
    const object = {
      kind: w.request.type.kind,
      apiVersion: w.apiVersion,
      metadata: { resourceVersion: String(this.store.currentRv()), ...(initialEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}) },
    };
    this.write(w, 'BOOKMARK', JSON.stringify(object));
  }

  private write(w: Watcher, type: string, objectText: string): void {
    if (w.res.writableEnded || w.res.destroyed) return;
    w.res.write(`{"type":"${type}","object":${objectText}}\n`);
  }
}
