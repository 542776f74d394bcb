import { afterEach, describe, expect, it } from 'vitest';
import type { CollectionRef, WatchEvent } from '../../src/cluster/index.js';
import { createSharedInformers } from '../../src/cluster/informers.js';
import type { SharedInformers } from '../../src/cluster/informers.js';
import { waitForObject } from '../../src/cluster/wait-for.js';
import type { KubeObject } from '../../src/manifests/index.js';
import { DeadlineExceededError, silentLogger } from '../../src/util/index.js';

/** `waitForObject` on real shared informers over a fake list+watch, and a counted direct read. */
interface Fake {
  informers: SharedInformers;
  watches: CollectionRef[];
  reads: () => number;
  /** Feed the one informer. */
  emit(event: WatchEvent): void;
  progress(rv: string, listed: boolean): void;
  fail(err: unknown): void;
  /** What the direct read answers. */
  live: KubeObject | undefined;
  wait(predicate: (o: KubeObject | undefined) => boolean, options?: { after?: string; timeoutMs?: number }): Promise<KubeObject | undefined>;
}

const job = (rv: string, complete = false, uid = 'u1'): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pre', namespace: 'app', resourceVersion: rv, uid },
  status: complete ? { conditions: [{ type: 'Complete', status: 'True' }] } : {},
});
const complete = (o: KubeObject | undefined): boolean => (o?.['status'] as { conditions?: { type: string }[] } | undefined)?.conditions?.some((c) => c.type === 'Complete') ?? false;
const describeJob = (o: KubeObject | undefined): string => (o ? `Job rv ${o.metadata.resourceVersion}${complete(o) ? ' complete' : ''}` : 'not found');

let current: Fake | undefined;
afterEach(() => {
  current?.informers.close();
  current = undefined;
});

function fake(): Fake {
  const watches: CollectionRef[] = [];
  let reads = 0;
  let feed: { emit: (e: WatchEvent) => void; progress: (rv: string, listed: boolean) => void; fail: (err: unknown) => void } | undefined;
  const informers = createSharedInformers({
    retry: { initialMs: 60_000, maxMs: 60_000 },
    start(ref, _options, onEvent, onProgress) {
      watches.push(ref);
      let fail: (err: unknown) => void = () => undefined;
      const ready = new Promise<void>((_res, rej) => (fail = rej));
      ready.catch(() => undefined);
      feed = { emit: onEvent, progress: onProgress, fail };
      return { ready, stop: () => undefined };
    },
  });
  const f: Fake = {
    informers,
    watches,
    reads: () => reads,
    emit: (e) => feed?.emit(e),
    progress: (rv, listed) => feed?.progress(rv, listed),
    fail: (err) => feed?.fail(err),
    live: undefined,
    wait: (predicate, options = {}) =>
      waitForObject(
        {
          informers,
          collectionOf: async (ref) => ({ apiVersion: ref.apiVersion, kind: ref.kind, ...(ref.namespace ? { namespace: ref.namespace } : {}) }),
          get: async () => {
            reads++;
            return f.live;
          },
          logger: silentLogger,
        },
        { apiVersion: 'batch/v1', kind: 'Job', namespace: 'app', name: 'pre' },
        predicate,
        { timeoutMs: options.timeoutMs ?? 10_000, description: 'Job app/pre to complete', describe: describeJob, ...(options.after ? { after: { resourceVersion: options.after } } : {}) },
      ),
  };
  current = f;
  return f;
}

/** Lets the waits subscribe (their start is asynchronous). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('when waits are anchored on the caller\'s write', () => {
  it('should share one watch among many waits and read nothing directly', async () => {
    const f = fake();
    const waits = Array.from({ length: 20 }, () => f.wait(complete, { after: '5' }));
    await settle();
    f.emit({ type: 'ADDED', object: job('5') });
    f.progress('5', true);
    f.emit({ type: 'MODIFIED', object: job('6', true) });
    const results = await Promise.all(waits);
    expect(results.every((o) => o?.metadata.resourceVersion === '6')).toBe(true);
    expect(f.watches).toHaveLength(1);
    expect(f.reads()).toBe(0);
  });

  it('should resolve from the cache when the informer already holds the awaited state', async () => {
    const f = fake();
    const first = f.wait(() => true, { after: '1' });
    await settle();
    f.emit({ type: 'ADDED', object: job('7', true) });
    f.progress('7', true);
    await first;
    expect((await f.wait(complete, { after: '7' }))?.metadata.resourceVersion).toBe('7');
    expect(f.reads()).toBe(0);
  });

  it('should not take a cached state older than the write for it', async () => {
    const f = fake();
    const seen: string[] = [];
    const first = f.wait(() => true, { after: '1' });
    await settle();
    f.emit({ type: 'ADDED', object: job('3', true, 'old') }); // the previous run's Job, complete
    f.progress('3', true);
    await first;
    const waiting = f.wait(
      (o) => {
        seen.push(o?.metadata.resourceVersion ?? 'absent');
        return o === undefined || complete(o);
      },
      { after: '9' },
    );
    await settle();
    f.emit({ type: 'DELETED', object: job('8', true, 'old') }); // its deletion, before our create
    f.emit({ type: 'ADDED', object: job('9', false, 'new') });
    f.emit({ type: 'MODIFIED', object: job('11', true, 'new') });
    expect((await waiting)?.metadata.uid).toBe('new');
    expect(seen).toEqual(['9', '11']);
  });

  it('should not declare the object missing before the initial list completes', async () => {
    const f = fake();
    const other = f.informers.subscribe({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'app' }, 'other', () => undefined);
    f.progress('6', false); // the informer has seen rv 6, but its list has not completed
    let looked = 0;
    const waiting = f.wait(
      (o) => {
        looked++;
        return o === undefined;
      },
      { after: '4' },
    );
    await settle();
    expect(looked).toBe(0);
    f.progress('6', true); // listed at 6 ≥ 4 without the object: it is gone
    expect(await waiting).toBeUndefined();
    other.release();
  });

  it('should not declare it missing while the cache lags behind the write', async () => {
    const f = fake();
    const seen: string[] = [];
    const waiting = f.wait(
      (o) => {
        seen.push(o?.metadata.resourceVersion ?? 'absent');
        return o !== undefined && complete(o);
      },
      { after: '9' },
    );
    await settle();
    f.progress('8', true); // a list taken before our create
    f.emit({ type: 'ADDED', object: job('9') });
    f.emit({ type: 'MODIFIED', object: job('10', true) });
    expect((await waiting)?.metadata.resourceVersion).toBe('10');
    expect(seen).toEqual(['9', '10']);
  });

  it('should look again after a relist (410 Gone) and resolve on what the gap hid', async () => {
    const f = fake();
    const waiting = f.wait((o) => o === undefined || complete(o), { after: '5' });
    await settle();
    f.emit({ type: 'ADDED', object: job('5') });
    f.progress('5', true);
    // 410, relist at 20: the Job was deleted meanwhile (the reconcile's DELETED carries its last known state)
    f.emit({ type: 'DELETED', object: job('5') });
    f.progress('20', true);
    expect(await waiting).toBeUndefined();
  });
});

describe('when a wait has no write to start from', () => {
  it('should read the object once, then follow the informer', async () => {
    const f = fake();
    f.live = job('3');
    const waiting = f.wait(complete);
    await settle();
    f.progress('3', true);
    f.emit({ type: 'MODIFIED', object: job('4', true) });
    expect((await waiting)?.metadata.resourceVersion).toBe('4');
    expect(f.reads()).toBe(1);
  });

  it('should read directly once when the informer fails to start', async () => {
    const f = fake();
    const waiting = f.wait(complete, { after: '3' });
    await settle();
    f.live = job('4', true);
    f.fail(new Error('forbidden'));
    expect((await waiting)?.metadata.resourceVersion).toBe('4');
    expect(f.reads()).toBe(1);
  });
});

describe('when the deadline passes', () => {
  it('should name what it waited for and the last object seen', async () => {
    const f = fake();
    const waiting = f.wait(complete, { after: '3', timeoutMs: 50 });
    await settle();
    f.emit({ type: 'ADDED', object: job('3') });
    f.progress('3', true);
    const err = (await waiting.catch((e: unknown) => e)) as DeadlineExceededError;
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect(err.waitedFor).toBe('Job app/pre to complete');
    expect(err.message).toMatch(/^timed out after \d+m?s waiting for Job app\/pre to complete; last seen: Job rv 3$/);
  });

  it('should say it was deleted, and what it was before', async () => {
    const f = fake();
    const waiting = f.wait(complete, { after: '3', timeoutMs: 50 });
    await settle();
    f.emit({ type: 'ADDED', object: job('3') });
    f.progress('3', true);
    f.emit({ type: 'DELETED', object: job('4') });
    const err = (await waiting.catch((e: unknown) => e)) as DeadlineExceededError;
    expect(err.lastSeen).toBe('not found (deleted; before that: Job rv 3)');
  });

  it('should say nothing was seen when the informer never listed', async () => {
    const f = fake();
    const err = (await f.wait(complete, { after: '3', timeoutMs: 30 }).catch((e: unknown) => e)) as DeadlineExceededError;
    expect(err.lastSeen).toBe('not found');
  });
});
