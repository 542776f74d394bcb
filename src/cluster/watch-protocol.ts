/**
 * The watch protocol's decisions (pure): what one line of a watch response means, the query of a
 * watch request, where the next connection resumes, and how long to wait before it.
 */
import type { KubeObject } from '../manifests/index.js';
import { backoffDelay } from '../util/index.js';
import type { BackoffOptions } from '../util/index.js';
import { isGone, KubeApiError, parseStatus } from './errors.js';
import type { ApiRequest } from './transport.js';
import type { CollectionRef, KubeStatus, Selectors, WatchEvent } from './types.js';

/** A stream open this long counts as healthy even if it delivered nothing: the next reconnect needs no backoff. */
export const PRODUCTIVE_STREAM_MS = 1_000;

/** `ConfigMap.v1 in app`, for log lines and errors. */
export function describeWatch(ref: CollectionRef): string {
  return `${ref.kind}.${ref.apiVersion}${ref.namespace ? ` in ${ref.namespace}` : ''}`;
}

/** The query of a watch request: from `resourceVersion` ('' = from now), with bookmarks. */
export function watchQuery(resourceVersion: string, selectors: Selectors, timeoutSeconds: number): ApiRequest['query'] {
  return {
    watch: 'true',
    resourceVersion: resourceVersion || undefined,
    allowWatchBookmarks: 'true',
    timeoutSeconds,
    labelSelector: selectors.labelSelector,
    fieldSelector: selectors.fieldSelector,
  };
}

/**
 * Where the watch resumes after a list at `listed`: from the list when asked to (`resume`: the
 * initial list, a 410 Gone) or when there is no resume point yet; else (a periodic resync) it stays.
 */
export function resumeVersionAfterList(current: string, listed: string, resume: boolean): string {
  return resume || !current ? listed : current;
}

/** Consecutive failures after a stream ended without 410: none when it was productive or long-lived. */
export function failuresAfterStream(failures: number, stream: { productive: boolean; elapsedMs: number }): number {
  return stream.productive || stream.elapsedMs > PRODUCTIVE_STREAM_MS ? 0 : failures + 1;
}

/** The pause before the next connection: none after a healthy stream, else the backoff of the failure count. */
export function reconnectDelay(failures: number, retry: BackoffOptions, random: () => number = Math.random): number {
  return failures === 0 ? 0 : backoffDelay(failures - 1, retry, random);
}

/** What one line of a watch response means. */
export type WatchLine =
  /** An empty line (keep-alive). */
  | { kind: 'blank' }
  /** Not JSON. */
  | { kind: 'malformed' }
  /** An ERROR event: the stream ends; `gone` (410) means re-list. */
  | { kind: 'error'; gone: boolean; status: KubeStatus }
  /** No object with metadata: nothing to learn. */
  | { kind: 'ignored' }
  /**
   * An object: the stream is alive, `resourceVersion` (when set) is the new resume point, and
   * `event` is what to observe (none for a BOOKMARK or an unknown type).
   */
  | { kind: 'progress'; resourceVersion: string | undefined; event: WatchEvent | undefined };

/**
 * Reads one line; objects lacking apiVersion or kind get `ref`'s. (As before the split, the line
 * `null` throws a TypeError.)
 */
export function parseWatchLine(line: string, ref: Pick<CollectionRef, 'apiVersion' | 'kind'>): WatchLine {
  if (line.trim() === '') return { kind: 'blank' };
  let event: { type?: unknown; object?: unknown };
  try {
    event = JSON.parse(line) as { type?: unknown; object?: unknown };
  } catch {
    return { kind: 'malformed' };
  }
  const object = event.object as KubeObject | undefined;
  if (event.type === 'ERROR') {
    const status = parseStatus(500, object);
    return { kind: 'error', gone: isGone(new KubeApiError(status)), status };
  }
  if (!object || typeof object !== 'object' || !object.metadata) return { kind: 'ignored' };
  const resourceVersion = object.metadata.resourceVersion || undefined;
  if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') {
    return { kind: 'progress', resourceVersion, event: { type: event.type, object: { ...object, apiVersion: object.apiVersion ?? ref.apiVersion, kind: object.kind ?? ref.kind } } };
  }
  return { kind: 'progress', resourceVersion, event: undefined };
}
