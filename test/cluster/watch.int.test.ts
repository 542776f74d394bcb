import { afterEach, describe, expect, it } from 'vitest';
import type { WatchEvent } from '../../src/cluster/index.js';
import type { KubeObject } from '../../src/manifests/index.js';
import type { Logger } from '../../src/util/index.js';
import { connectDevCluster } from './dev-cluster.js';
import type { Connected } from './dev-cluster.js';

/**
 * The resumable watch against the dev cluster (APIS.md §E, PERF-RELIABILITY §7 item 7): dropped
 * connections resume from the last resourceVersion without losing or repeating events; 410 Gone
 * re-lists and reports the differences.
 */
let dev: Connected | undefined;
afterEach(async () => {
  await dev?.close();
  dev = undefined;
});

const cm = (name: string, namespace: string, value = '1'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { value } });

function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (check()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`gave up waiting for ${what}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function recordingLogger(entries: { message: string; fields: Record<string, unknown> }[]): Logger {
  const push = (message: string, fields: Record<string, unknown> = {}): void => {
    entries.push({ message, fields });
  };
  return { debug: push, info: push, warn: push, error: push };
}

describe('when watching a collection', () => {
  it('should list first, then report ADDED, MODIFIED and DELETED, and nothing after stop', async () => {
    dev = await connectDevCluster();
    const ns = await dev.namespace();
    await dev.client.create(cm('before', ns));
    const events: string[] = [];
    const handle = dev.client.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns }, {}, (e) => events.push(`${e.type} ${e.object.metadata.name}`));
    await handle.ready;
    expect(events).toEqual(['ADDED before']);
    await dev.client.create(cm('x', ns));
    await dev.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'x' }, { data: { value: '2' } });
    await dev.client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'x' });
    await until(() => events.length === 4, 'three events');
    expect(events).toEqual(['ADDED before', 'ADDED x', 'MODIFIED x', 'DELETED x']);
    handle.stop();
    await dev.client.create(cm('after', ns));
    await sleep(100);
    expect(events).toHaveLength(4);
  });

  it('should reject ready for a kind the server does not serve', async () => {
    dev = await connectDevCluster();
    const handle = dev.client.watch({ apiVersion: 'example.com/v1', kind: 'Widget' }, {}, () => undefined);
    await expect(handle.ready).rejects.toThrow('no matches for kind "Widget"');
  });
});

describe('when the server drops watch connections every 150 ms', () => {
  it('should resume from the last resourceVersion: every event exactly once, none lost', async () => {
    dev = await connectDevCluster({ devCluster: { faults: { dropWatchEveryMs: 150 } } });
    const ns = await dev.namespace();
    const events: WatchEvent[] = [];
    const handle = dev.client.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns }, { resyncMs: 60_000 }, (e) => events.push(e));
    await handle.ready;
    const names = Array.from({ length: 12 }, (_, i) => `cm-${i}`);
    for (const name of names) {
      await dev.client.create(cm(name, ns));
      await sleep(40);
      await dev.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name }, { data: { value: '2' } });
      await sleep(40);
      await dev.client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
    }
    await until(() => events.length >= names.length * 3, 'all 36 events');
    await sleep(300); // two more drops: nothing may be repeated on resume
    handle.stop();
    for (const name of names) {
      expect(events.filter((e) => e.object.metadata.name === name).map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    }
    const versions = events.map((e) => e.object.metadata.resourceVersion);
    expect(new Set(versions).size).toBe(versions.length);
    expect(dev.cluster.faultCounters().droppedWatches).toBeGreaterThanOrEqual(3);
    const watchRequests = dev.cluster.requests().filter((r) => r.url.includes('watch=true') && r.url.includes(`/namespaces/${ns}/`));
    expect(watchRequests.length).toBeGreaterThanOrEqual(4);
    expect(watchRequests.every((r) => /resourceVersion=\d+/.test(r.url) && r.url.includes('allowWatchBookmarks=true'))).toBe(true);
  });
});

describe('when the resume point has left the server history (410 Gone)', () => {
  it('should re-list and report the differences, then keep watching', async () => {
    const logs: { message: string; fields: Record<string, unknown> }[] = [];
    dev = await connectDevCluster({ devCluster: { watchHistorySize: 5 }, client: { logger: recordingLogger(logs) } });
    const ns = await dev.namespace();
    const other = await dev.namespace();
    await dev.client.create(cm('kept', ns));
    await dev.client.create(cm('removed', ns));
    const { resourceVersion: old } = await dev.client.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns });
    await dev.client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'removed' });
    await dev.client.create(cm('new', ns));
    for (let i = 0; i < 10; i++) await dev.client.create(cm(`noise-${i}`, other)); // push `old` out of the history

    const events: string[] = [];
    const handle = dev.client.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns }, { resourceVersion: old }, (e) =>
      events.push(`${e.type} ${e.object.metadata.name}`),
    );
    await handle.ready;
    await until(() => logs.some((l) => l.message === 'watch re-listed' && l.fields['reason'] === '410 Gone'), 'a re-list after 410');
    await until(() => events.length >= 2, 'the re-listed objects');
    expect(events.sort()).toEqual(['ADDED kept', 'ADDED new']);
    await dev.client.create(cm('later', ns));
    await until(() => events.includes('ADDED later'), 'an event after the re-list');
    handle.stop();
  });

  it('should re-list when a dropped watch resumes from a version that meanwhile expired', async () => {
    const logs: { message: string; fields: Record<string, unknown> }[] = [];
    dev = await connectDevCluster({ devCluster: { watchHistorySize: 5, faults: { dropWatchEveryMs: 200 } }, client: { logger: recordingLogger(logs) } });
    const quiet = await dev.namespace();
    const busy = await dev.namespace();
    const events: string[] = [];
    const handle = dev.client.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: quiet }, { resyncMs: 60_000 }, (e) =>
      events.push(`${e.type} ${e.object.metadata.name}`),
    );
    await handle.ready;
    // The quiet watch sees nothing, so its resume point stays put while the history moves on.
    for (let i = 0; i < 12; i++) await dev.client.create(cm(`noise-${i}`, busy));
    await until(() => logs.some((l) => l.message === 'watch re-listed' && l.fields['reason'] === '410 Gone'), 'a re-list after 410');
    await dev.client.create(cm('hello', quiet));
    await until(() => events.includes('ADDED hello'), 'the event after the re-list');
    expect(events).toEqual(['ADDED hello']);
    handle.stop();
  });
});
