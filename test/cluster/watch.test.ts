import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WatchEvent, WatchHandle, WatchOptions } from '../../src/cluster/index.js';
import { noKindMatch } from '../../src/cluster/discovery.js';
import { resolveOptions } from '../../src/cluster/options.js';
import type { ClusterClientOptions } from '../../src/cluster/options.js';
import type { ApiRequest } from '../../src/cluster/transport.js';
import { startWatch } from '../../src/cluster/watch.js';
import type { KubeObject } from '../../src/manifests/index.js';
import { AbortedError } from '../../src/util/index.js';

/**
 * `startWatch` assembled on an in-memory transport: watch responses are `PassThrough` streams the
 * test writes to, the list is a variable. No network.
 */
interface Opened {
  path: string;
  query: ApiRequest['query'];
  stream: PassThrough;
}

interface Harness {
  handle: WatchHandle;
  opened: Opened[];
  events: string[];
  logs: string[];
  lists: () => number;
  setList(items: KubeObject[], resourceVersion: string): void;
}

const cm = (name: string, rv: string, uid = `u-${name}`): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'app', resourceVersion: rv, uid } });
const line = (type: string, object: unknown): string => `${JSON.stringify({ type, object })}\n`;

let current: Harness | undefined;
afterEach(() => {
  current?.handle.stop();
  current = undefined;
});

function watch(
  options: WatchOptions = {},
  setup: { known?: boolean; onEvent?: (e: WatchEvent) => void; client?: ClusterClientOptions } = {},
): Harness {
  const opened: Opened[] = [];
  const events: string[] = [];
  const logs: string[] = [];
  let listed = { items: [cm('a', '10'), cm('b', '11')], resourceVersion: '11' };
  let lists = 0;
  const push = (m: string): void => {
    logs.push(m);
  };
  const handle = startWatch(
    {
      transport: {
        openStream: async (path, query) => {
          const stream = new PassThrough();
          opened.push({ path, query, stream });
          return stream as unknown as IncomingMessage;
        },
      },
      discovery: {
        require: async (apiVersion, kind) => {
          if (setup.known === false) throw noKindMatch(apiVersion, kind);
          return { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true };
        },
      },
      options: resolveOptions({ retry: { initialMs: 1, maxMs: 2 }, resyncMs: 60_000, ...setup.client }),
      logger: { debug: push, info: push, warn: push, error: push },
      list: async () => {
        lists++;
        return structuredClone(listed);
      },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app' },
    options,
    setup.onEvent ?? ((e) => events.push(`${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`)),
  );
  current = {
    handle,
    opened,
    events,
    logs,
    lists: () => lists,
    setList: (items, resourceVersion) => {
      listed = { items, resourceVersion };
    },
  };
  return current;
}

describe('when a watch starts', () => {
  it('should list, emit the items, then watch from the list with bookmarks', async () => {
    const w = watch({ labelSelector: 'x=1' });
    await w.handle.ready;
    expect(w.events).toEqual(['ADDED a 10', 'ADDED b 11']);
    expect(w.opened[0]?.path).toBe('/api/v1/namespaces/app/configmaps');
    expect(w.opened[0]?.query).toEqual({ watch: 'true', resourceVersion: '11', allowWatchBookmarks: 'true', timeoutSeconds: 300, labelSelector: 'x=1', fieldSelector: undefined });
  });

  it('should start from a given resourceVersion without listing', async () => {
    const w = watch({ resourceVersion: '7' });
    await w.handle.ready;
    expect(w.lists()).toBe(0);
    expect(w.opened[0]?.query?.['resourceVersion']).toBe('7');
  });

  it('should reject ready and log when the kind is not served', async () => {
    const w = watch({}, { known: false });
    await expect(w.handle.ready).rejects.toThrow(/no matches for kind "ConfigMap"/);
    expect(w.logs).toContain('watch failed to start');
  });
});

describe('when the watch streams events', () => {
  it('should emit each change once and resume from the last resourceVersion after the stream ends', async () => {
    const w = watch();
    await w.handle.ready;
    const stream = w.opened[0]?.stream;
    stream?.write(line('ADDED', cm('a', '10'))); // already listed
    stream?.write(line('MODIFIED', cm('a', '12')));
    stream?.write(line('MODIFIED', cm('a', '12'))); // a repeat
    stream?.end(line('BOOKMARK', { metadata: { resourceVersion: '15' } }));
    await vi.waitFor(() => expect(w.opened).toHaveLength(2));
    expect(w.events).toEqual(['ADDED a 10', 'ADDED b 11', 'MODIFIED a 12']);
    expect(w.opened[1]?.query?.['resourceVersion']).toBe('15');
  });

  it('should re-list on 410 Gone, emit the differences, and resume from the new list', async () => {
    const w = watch();
    await w.handle.ready;
    w.setList([cm('a', '20')], '20');
    w.opened[0]?.stream.write(line('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' }));
    await vi.waitFor(() => expect(w.opened).toHaveLength(2));
    expect(w.events.slice(2)).toEqual(['MODIFIED a 20', 'DELETED b 11']);
    expect(w.opened[1]?.query?.['resourceVersion']).toBe('20');
    expect(w.logs.filter((m) => m === 'watch re-listed')).toHaveLength(2);
  });

  it('should re-list periodically without moving the resume point', async () => {
    const w = watch({ resyncMs: 20 });
    await w.handle.ready;
    w.opened[0]?.stream.write(line('BOOKMARK', { metadata: { resourceVersion: '30' } }));
    w.setList([cm('a', '10'), cm('b', '11'), cm('c', '25')], '25');
    await vi.waitFor(() => expect(w.events).toContain('ADDED c 25'));
    w.opened[0]?.stream.end();
    await vi.waitFor(() => expect(w.opened).toHaveLength(2));
    expect(w.opened[1]?.query?.['resourceVersion']).toBe('30');
  });

  it('should log a failing handler and go on', async () => {
    const seen: string[] = [];
    const w = watch(
      {},
      {
        onEvent: (e) => {
          seen.push(e.object.metadata.name ?? '');
          if (seen.length === 1) throw new Error('handler bug');
        },
      },
    );
    await w.handle.ready;
    expect(seen).toEqual(['a', 'b']);
    expect(w.logs).toContain('watch event handler failed');
  });
});

describe('when the watch stops', () => {
  it('should reject ready when stopped before it, and emit nothing after', async () => {
    const w = watch();
    w.handle.stop();
    await expect(w.handle.ready).rejects.toThrow(new AbortedError('watch of ConfigMap.v1 in app stopped'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(w.events).toEqual([]);
    expect(w.opened).toHaveLength(0);
  });

  it('should close the open stream and not reconnect', async () => {
    const w = watch();
    await w.handle.ready;
    w.handle.stop();
    expect(w.opened[0]?.stream.destroyed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(w.opened).toHaveLength(1);
  });

  it('should stop when its signal aborts, already aborted included', async () => {
    const controller = new AbortController();
    const w = watch({ signal: controller.signal });
    await w.handle.ready;
    controller.abort();
    expect(w.opened[0]?.stream.destroyed).toBe(true);
    const aborted = watch({ signal: AbortSignal.abort() });
    await expect(aborted.handle.ready).rejects.toBeInstanceOf(AbortedError);
  });
});
