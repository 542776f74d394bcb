import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CollectionRef, WatchEvent, WatchHandle, WatchOptions } from '../../src/cluster/index.js';
import { KubeApiError } from '../../src/cluster/errors.js';
import { createSharedInformers } from '../../src/cluster/informers.js';
import type { InformerNotice, SharedInformers } from '../../src/cluster/informers.js';
import { resolveOptions } from '../../src/cluster/options.js';
import type { ApiRequest } from '../../src/cluster/transport.js';
import { startWatch } from '../../src/cluster/watch.js';
import type { KubeObject } from '../../src/manifests/index.js';

/** The shared informers on a fake `start` (what was started, stopped, and a way to feed it). */
interface FakeWatch {
  ref: CollectionRef;
  options: WatchOptions;
  stopped: boolean;
  emit(event: WatchEvent): void;
  progress(rv: string, listed: boolean): void;
  fail(err: unknown): void;
}

const cm = (name: string, rv: string, namespace = 'app'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, resourceVersion: rv, uid: `u-${name}` } });
const cms = (namespace = 'app'): CollectionRef => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace });

let informers: SharedInformers | undefined;
afterEach(() => {
  informers?.close();
  informers = undefined;
  vi.useRealTimers();
});

function fakeInformers(idleGraceMs = 30_000, scope: 'cluster' | 'namespace' = 'cluster'): { informers: SharedInformers; watches: FakeWatch[] } {
  const watches: FakeWatch[] = [];
  informers = createSharedInformers({
    idleGraceMs,
    scope,
    retry: { initialMs: 10, maxMs: 10, jitter: 0 },
    start(ref, options, onEvent, onProgress) {
      let reject: (err: unknown) => void = () => undefined;
      const ready = new Promise<void>((_res, rej) => (reject = rej));
      ready.catch(() => undefined);
      const w: FakeWatch = { ref, options, stopped: false, emit: onEvent, progress: onProgress, fail: reject };
      watches.push(w);
      const handle: WatchHandle = { ready, stop: () => void (w.stopped = true) };
      return handle;
    },
  });
  return { informers, watches };
}

const forbidden = (): KubeApiError => new KubeApiError({ code: 403, reason: 'Forbidden', message: 'configmaps is forbidden: cannot list resource "configmaps" at the cluster scope' });

describe('when many waits subscribe to one kind', () => {
  it('should open one watch across all namespaces for all of them', () => {
    const { informers: inf, watches } = fakeInformers();
    for (let i = 0; i < 50; i++) inf.subscribe(cms(), `cm-${i}`, () => undefined);
    inf.subscribe(cms('other'), 'x', () => undefined);
    expect(watches.map((w) => w.ref)).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap' }]);
    expect(inf.active).toBe(1);
  });

  it('should open one per namespace when asked to (scope namespace)', () => {
    const { informers: inf, watches } = fakeInformers(30_000, 'namespace');
    for (let i = 0; i < 50; i++) inf.subscribe(cms(), `cm-${i}`, () => undefined);
    inf.subscribe(cms('other'), 'x', () => undefined);
    expect(watches.map((w) => w.ref.namespace)).toEqual(['app', 'other']);
    expect(inf.active).toBe(2);
  });

  it('should not confuse objects of the same name in two namespaces', () => {
    const { informers: inf, watches } = fakeInformers();
    const heard: string[] = [];
    const inApp = inf.subscribe(cms('app'), 'a', (n) => n.type === 'event' && heard.push(`app ${n.event.object.metadata.namespace}`));
    const inOther = inf.subscribe(cms('other'), 'a', (n) => n.type === 'event' && heard.push(`other ${n.event.object.metadata.namespace}`));
    watches[0]?.emit({ type: 'ADDED', object: cm('a', '5', 'other') });
    watches[0]?.progress('5', true);
    expect(heard).toEqual(['other other']);
    expect(inApp.view.get()).toBeUndefined();
    expect(inOther.view.get()?.metadata.resourceVersion).toBe('5');
  });

  it('should tell each subscriber only about its own name, and every subscriber about a list', () => {
    const { informers: inf, watches } = fakeInformers();
    const a: string[] = [];
    const b: string[] = [];
    const say = (into: string[]) => (n: InformerNotice) => into.push(n.type === 'event' ? `${n.event.type} ${n.event.object.metadata.name}` : n.type);
    const sa = inf.subscribe(cms(), 'a', say(a));
    inf.subscribe(cms(), 'b', say(b));
    watches[0]?.emit({ type: 'ADDED', object: cm('a', '5') });
    watches[0]?.progress('5', true);
    watches[0]?.emit({ type: 'DELETED', object: cm('b', '6') });
    expect(a).toEqual(['ADDED a', 'listed']);
    expect(b).toEqual(['listed', 'DELETED b']);
    expect(sa.view.get()?.metadata.resourceVersion).toBe('5');
    expect(sa.view.synced).toBe(true);
    expect(sa.view.progress).toBe('5');
  });

  it('should not be synced before the first list completes, whatever the watch delivered', () => {
    const { informers: inf, watches } = fakeInformers();
    const sub = inf.subscribe(cms(), 'a', () => undefined);
    watches[0]?.emit({ type: 'ADDED', object: cm('a', '5') });
    watches[0]?.progress('7', false);
    expect(sub.view.synced).toBe(false);
  });
});

describe('when the last subscriber leaves', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  it('should keep the watch for the idle grace, reuse it for a new subscriber, and stop it after', () => {
    const { informers: inf, watches } = fakeInformers(30_000);
    inf.subscribe(cms(), 'a', () => undefined).release();
    vi.advanceTimersByTime(29_000);
    expect(watches[0]?.stopped).toBe(false);
    const again = inf.subscribe(cms(), 'b', () => undefined);
    vi.advanceTimersByTime(60_000);
    expect(watches).toHaveLength(1);
    expect(watches[0]?.stopped).toBe(false);
    again.release();
    vi.advanceTimersByTime(30_000);
    expect(watches[0]?.stopped).toBe(true);
    expect(inf.active).toBe(0);
    inf.subscribe(cms(), 'c', () => undefined);
    expect(watches).toHaveLength(2);
  });
});

describe('when RBAC refuses the kind across namespaces', () => {
  it('should move every subscription to a watch per namespace, and watch that kind per namespace from then on', async () => {
    const { informers: inf, watches } = fakeInformers();
    const heard: string[] = [];
    const a = inf.subscribe(cms('app'), 'a', (n) => heard.push(`a ${n.type}`));
    inf.subscribe(cms('other'), 'b', (n) => heard.push(`b ${n.type}`));
    watches[0]?.fail(forbidden());
    await vi.waitFor(() => expect(watches).toHaveLength(3));
    expect(watches[0]?.stopped).toBe(true);
    expect(watches.slice(1).map((w) => w.ref.namespace)).toEqual(['app', 'other']);
    expect(inf.perNamespace).toEqual(['v1|ConfigMap']);
    expect(a.view.synced).toBe(false);
    watches[1]?.emit({ type: 'ADDED', object: cm('a', '7') });
    watches[1]?.progress('7', true);
    expect(a.view.synced).toBe(true);
    expect(a.view.get()?.metadata.resourceVersion).toBe('7');
    expect(heard).toEqual(['a event', 'a listed']);
    inf.subscribe(cms('third'), 'c', () => undefined);
    expect(watches[3]?.ref.namespace).toBe('third');
    expect(inf.active).toBe(3);
  });

  it('should stop the per-namespace watch once its moved subscriber leaves', () => {
    vi.useFakeTimers();
    const { informers: inf, watches } = fakeInformers(1_000);
    const a = inf.subscribe(cms('app'), 'a', () => undefined);
    watches[0]?.fail(forbidden());
    return vi.waitFor(() => expect(watches).toHaveLength(2)).then(() => {
      a.release();
      vi.advanceTimersByTime(1_000);
      expect(watches[1]?.stopped).toBe(true);
      expect(inf.active).toBe(0);
    });
  });
});

describe('when the list+watch fails to start', () => {
  it('should tell the subscribers and start it again', async () => {
    const { informers: inf, watches } = fakeInformers();
    const heard: string[] = [];
    inf.subscribe(cms(), 'a', (n) => heard.push(n.type));
    watches[0]?.fail(new Error('forbidden'));
    await vi.waitFor(() => expect(watches).toHaveLength(2));
    expect(heard).toEqual(['failed']);
    expect(watches[0]?.stopped).toBe(true);
    expect(inf.active).toBe(1);
  });
});

describe('on the real startWatch with a fake transport', () => {
  const line = (type: string, object: unknown): string => `${JSON.stringify({ type, object })}\n`;

  function assembled(): { informers: SharedInformers; opened: { query: ApiRequest['query']; stream: PassThrough }[]; lists: () => number; setList(items: KubeObject[], rv: string): void } {
    const opened: { query: ApiRequest['query']; stream: PassThrough }[] = [];
    let listed = { items: [cm('a', '10')], resourceVersion: '10' };
    let lists = 0;
    informers = createSharedInformers({
      resyncMs: 0,
      start: (ref, options, onEvent, onProgress) =>
        startWatch(
          {
            transport: {
              openStream: async (_path, query) => {
                const stream = new PassThrough();
                opened.push({ query, stream });
                return stream as unknown as IncomingMessage;
              },
            },
            discovery: { require: async () => ({ group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true }) },
            options: resolveOptions({ retry: { initialMs: 1, maxMs: 2 } }),
            logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
            list: async () => {
              lists++;
              return structuredClone(listed);
            },
            onProgress,
          },
          ref,
          options,
          onEvent,
        ),
    });
    return { informers, opened, lists: () => lists, setList: (items, rv) => (listed = { items, resourceVersion: rv }) };
  }

  it('should resume from the last resourceVersion seen, bookmarks included, without listing again', async () => {
    const a = assembled();
    const sub = a.informers.subscribe(cms(), 'a', () => undefined);
    await vi.waitFor(() => expect(a.opened).toHaveLength(1));
    expect(a.opened[0]?.query?.['resourceVersion']).toBe('10');
    expect(a.opened[0]?.query?.['allowWatchBookmarks']).toBe('true');
    a.opened[0]?.stream.write(line('MODIFIED', cm('a', '12')));
    a.opened[0]?.stream.end(line('BOOKMARK', { metadata: { resourceVersion: '15' } }));
    await vi.waitFor(() => expect(a.opened).toHaveLength(2));
    expect(a.opened[1]?.query?.['resourceVersion']).toBe('15');
    expect(a.lists()).toBe(1);
    expect(sub.view.get()?.metadata.resourceVersion).toBe('12');
    expect(sub.view.progress).toBe('15');
  });

  it('should relist on 410 Gone and tell a subscriber the deletion the gap hid', async () => {
    const a = assembled();
    const heard: string[] = [];
    const sub = a.informers.subscribe(cms(), 'a', (n) => heard.push(n.type === 'event' ? `${n.event.type} ${n.event.object.metadata.resourceVersion}` : n.type));
    await vi.waitFor(() => expect(a.opened).toHaveLength(1));
    a.setList([], '30');
    a.opened[0]?.stream.write(line('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' }));
    await vi.waitFor(() => expect(a.opened).toHaveLength(2));
    expect(heard).toEqual(['ADDED 10', 'listed', 'DELETED 10', 'listed']);
    expect(sub.view.get()).toBeUndefined();
    expect(a.opened[1]?.query?.['resourceVersion']).toBe('30');
  });
});
