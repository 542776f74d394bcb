/**
 * `waitFor` on the shared informers (informers.ts): a lookup in the cache of the object's
 * collection plus a subscription to its events, a deadline that says what it waited for and what
 * it last saw, and explicit handling of the object vanishing. No per-object watch, no polling reads.
 *
 * Freshness (never rely on a single watch event, nor on a cache that may lag behind a write just
 * made; docs/semantics.md D2, D3): every wait has an anchor, the resourceVersion of the state it
 * starts from — the caller's own write (`WaitOptions.after`), else one direct read at the start.
 * States older than the anchor are ignored, and absence from the cache counts only once the
 * informer has listed and seen at least the anchor. The backstop for missed events is the
 * informer's own relist (410 Gone, resume, its rare periodic resync), after which every wait looks
 * again; when the informer cannot start, each wait reads its object directly once per failure.
 */
import type { KubeObject } from '../manifests/index.js';
import { AbortedError, DeadlineExceededError, errorMessage } from '../util/index.js';
import type { Logger } from '../util/index.js';
import { describeObject } from './describe.js';
import type { InformerNotice, InformerSubscription, SharedInformers } from './informers.js';
import type { CollectionRef, ObjectRef, WaitOptions } from './types.js';

export interface WaitForDeps {
  informers: Pick<SharedInformers, 'subscribe'>;
  /** The collection whose informer holds `ref` (namespace dropped for cluster-scoped kinds). */
  collectionOf(ref: ObjectRef, signal: AbortSignal): Promise<CollectionRef>;
  /** One direct read (the anchor of a wait without `after`, and after an informer failure). */
  get(ref: ObjectRef, signal: AbortSignal): Promise<KubeObject | undefined>;
  logger: Logger;
}

const DECIMAL = /^\d+$/;
/** Backoff of a wait whose collection could not be resolved (discovery), ms. */
const START_RETRY_MS = 500;
const START_RETRY_MAX_MS = 10_000;

/** `a` is older than `b` (both decimal counters, as etcd-backed servers use); unknown → false. */
function older(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !DECIMAL.test(a) || !DECIMAL.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

/** `a` is known to be at least `b`. */
function atLeast(a: string, b: string): boolean {
  return DECIMAL.test(a) && DECIMAL.test(b) && BigInt(a) >= BigInt(b);
}

/**
 * Resolves with the object once `predicate` holds for it, or with `undefined` once the object is
 * absent and `predicate(undefined)` holds (so a caller that wants "gone" or "vanished" says so in
 * its predicate). Otherwise rejects at the deadline with a `DeadlineExceededError` naming what was
 * awaited, the elapsed time and the last object seen (or that it was deleted after being seen).
 */
export function waitForObject(
  deps: WaitForDeps,
  ref: ObjectRef,
  predicate: (obj: KubeObject | undefined) => boolean,
  options: WaitOptions,
): Promise<KubeObject | undefined> {
  const describe = options.describe ?? describeObject;
  const started = Date.now();
  const controller = new AbortController();
  let current: KubeObject | undefined;
  let lastSeen: KubeObject | undefined;
  /** The resourceVersion this wait starts from; undefined = accept every state (the read found nothing, or none). */
  let anchor: string | undefined = options.after?.resourceVersion;
  /** Lookups in the cache may start (the anchor is known). */
  let anchored = false;
  let sub: InformerSubscription | undefined;

  return new Promise<KubeObject | undefined>((resolve, reject) => {
    let settled = false;
    let retryTimer: NodeJS.Timeout | undefined;

    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(retryTimer);
      controller.abort();
      sub?.release();
      options.signal?.removeEventListener('abort', onAbort);
      outcome();
    };

    const consider = (obj: KubeObject | undefined): void => {
      if (settled) return;
      current = obj;
      if (obj) lastSeen = obj;
      let ok: boolean;
      try {
        ok = predicate(obj);
      } catch (err) {
        finish(() => reject(err));
        return;
      }
      if (ok) finish(() => resolve(obj));
    };

    /** A state from the informer or a read: ignored when older than the anchor. */
    const offer = (obj: KubeObject | undefined): void => {
      if (obj && older(obj.metadata.resourceVersion, anchor)) return;
      consider(obj);
    };

    /** The cache's answer, once it is complete and at least as new as the anchor for an absence. */
    const lookup = (): void => {
      if (!sub?.view.synced || !anchored || settled) return;
      const obj = sub.view.get();
      if (obj) offer(obj);
      else if (anchor === undefined || atLeast(sub.view.progress, anchor)) offer(undefined);
    };

    const read = async (): Promise<KubeObject | undefined> => deps.get(ref, controller.signal);

    const onNotice = (notice: InformerNotice): void => {
      if (settled) return;
      if (notice.type === 'event') {
        if (anchored) offer(notice.event.type === 'DELETED' ? undefined : notice.event.object);
        // A DELETED older than the anchor is old news: the `offer` above ignores objects only.
        return;
      }
      if (notice.type === 'listed') return lookup();
      deps.logger.debug('waitFor: informer failed, reading directly', { waitingFor: options.description, error: errorMessage(notice.error) });
      read().then(
        (obj) => offer(obj),
        (err: unknown) => deps.logger.debug('waitFor: direct read failed', { waitingFor: options.description, error: errorMessage(err) }),
      );
    };

    const lastSeenText = (): string => {
      if (current) return describe(current);
      if (lastSeen) return `${describe(undefined)} (deleted; before that: ${describe(lastSeen)})`;
      return describe(undefined);
    };

    const deadline = setTimeout(() => {
      finish(() => reject(new DeadlineExceededError(options.description, Date.now() - started, lastSeenText())));
    }, options.timeoutMs);

    const onAbort = (): void => finish(() => reject(new AbortedError(`waiting for ${options.description} was aborted`, { cause: options.signal?.reason })));
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const begin = async (): Promise<void> => {
      const collection = await deps.collectionOf(ref, controller.signal);
      if (settled) return;
      sub = deps.informers.subscribe(collection, ref.name, (notice) => {
        if (notice.type === 'event' && notice.event.type === 'DELETED' && older(notice.event.object.metadata.resourceVersion, anchor)) return;
        onNotice(notice);
      });
      if (anchor === undefined || !DECIMAL.test(anchor)) {
        // No write of ours to start from (or not comparable): one direct read is the anchor.
        const obj = await read();
        if (settled) return;
        anchor = obj?.metadata.resourceVersion;
        if (anchor !== undefined && !DECIMAL.test(anchor)) anchor = undefined;
        anchored = true;
        consider(obj);
      }
      anchored = true;
      lookup();
    };
    let attempt = 0;
    const run = (): void => {
      begin().catch((err: unknown) => {
        if (settled) return;
        deps.logger.warn('waitFor: could not start watching', { waitingFor: options.description, attempt, error: errorMessage(err) });
        if (sub) {
          // The initial read failed: the informer alone decides from here.
          anchored = true;
          lookup();
          return;
        }
        // No collection yet (discovery failed): try again, bounded by the deadline.
        retryTimer = setTimeout(run, Math.min(START_RETRY_MAX_MS, START_RETRY_MS * 2 ** attempt++));
      });
    };
    run();
  });
}
