/**
 * `waitFor`: a watch on the one object plus an occasional direct read as a backstop (never
 * rely on a single watch event; docs/semantics.md D2, D3), a deadline that says what it waited for and
 * what it last saw, and explicit handling of the object vanishing.
 */
import type { KubeObject } from '../manifests/index.js';
import { AbortedError, DeadlineExceededError, errorMessage } from '../util/index.js';
import type { Logger } from '../util/index.js';
import { describeObject } from './describe.js';
import type { CollectionRef, ObjectRef, WaitOptions, WatchEvent, WatchHandle, WatchOptions } from './types.js';

export interface WaitForDeps {
  watch(ref: CollectionRef, options: WatchOptions, onEvent: (event: WatchEvent) => void): WatchHandle;
  get(ref: ObjectRef, signal: AbortSignal): Promise<KubeObject | undefined>;
  pollIntervalMs: number;
  logger: Logger;
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
  let observedOnce = false;

  return new Promise<KubeObject | undefined>((resolve, reject) => {
    let settled = false;
    const watch: { handle?: WatchHandle } = {};
    let pollTimer: NodeJS.Timeout | undefined;

    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(pollTimer);
      controller.abort();
      watch.handle?.stop();
      options.signal?.removeEventListener('abort', onAbort);
      outcome();
    };

    const consider = (obj: KubeObject | undefined): void => {
      if (settled) return;
      observedOnce = true;
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

    watch.handle = deps.watch(
      { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace },
      { fieldSelector: `metadata.name=${ref.name}`, signal: controller.signal },
      (event) => {
        if (event.object.metadata.name !== ref.name) return;
        consider(event.type === 'DELETED' ? undefined : event.object);
      },
    );
    watch.handle.ready.then(
      () => {
        // The initial list found nothing: absence is the starting state.
        if (!observedOnce) consider(undefined);
      },
      (err: unknown) => deps.logger.debug('waitFor: watch unavailable, relying on reads', { waitingFor: options.description, error: errorMessage(err) }),
    );

    const poll = (): void => {
      pollTimer = setTimeout(() => {
        deps
          .get(ref, controller.signal)
          .then((obj) => {
            const changed = (obj === undefined) !== (current === undefined) || obj?.metadata.resourceVersion !== current?.metadata.resourceVersion;
            if (changed || !observedOnce) consider(obj);
          })
          .catch((err: unknown) => {
            if (!settled) deps.logger.debug('waitFor: backstop read failed', { waitingFor: options.description, error: errorMessage(err) });
          })
          .finally(() => {
            if (!settled) poll();
          });
      }, deps.pollIntervalMs);
    };
    poll();
  });
}
