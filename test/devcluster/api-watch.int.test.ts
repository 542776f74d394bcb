/** Watch over HTTP: synthetic ADDED, resume after a resourceVersion, 410 Expired, bookmarks, timeouts, selector transitions. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevCluster } from '../../src/devcluster/index.js';
import type { DevCluster } from '../../src/devcluster/index.js';
import { at, call, namespace, openWatch } from './helpers.js';

let cluster: DevCluster;
beforeAll(async () => {
  cluster = await startDevCluster({ port: 0, watchHistorySize: 20, watchBookmarkIntervalMs: 50 });
});
afterAll(async () => {
  await cluster?.stop();
});

const cms = (ns: string): string => `/api/v1/namespaces/${ns}/configmaps`;
async function put(ns: string, name: string, data: Record<string, string>, labels: Record<string, string> = {}): Promise<string> {
  const existing = await call(cluster, 'GET', `${cms(ns)}/${name}`);
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data };
  const r = existing.status === 404 ? await call(cluster, 'POST', cms(ns), { body }) : await call(cluster, 'PUT', `${cms(ns)}/${name}`, { body });
  return String(at(r.json, 'metadata.resourceVersion'));
}

describe('when watching without a resourceVersion', () => {
  it('should send ADDED for existing objects first, then the changes as they happen', async () => {
    const ns = await namespace(cluster, 'w-fresh');
    await put(ns, 'a', { v: '1' });
    const w = await openWatch(cluster, `${cms(ns)}?watch=1`);
    try {
      await w.next(1);
      await put(ns, 'a', { v: '2' });
      await call(cluster, 'DELETE', `${cms(ns)}/a`);
      const events = await w.next(3);
      expect(events.map((e) => `${e.type} ${String(at(e.object, 'data.v'))}`)).toEqual(['ADDED 1', 'MODIFIED 2', 'DELETED 2']);
      expect(Number(events[2]?.object.metadata.resourceVersion)).toBeGreaterThan(Number(events[1]?.object.metadata.resourceVersion));
    } finally {
      w.close();
    }
  });

  it('should watch across namespaces on the cluster-wide path', async () => {
    const ns = await namespace(cluster, 'w-all');
    const w = await openWatch(cluster, `/api/v1/configmaps?watch=true&fieldSelector=metadata.namespace%3D${ns}`);
    try {
      await put(ns, 'x', { v: '1' });
      expect((await w.next(1)).map((e) => `${e.type} ${String(e.object.metadata.namespace)}/${String(e.object.metadata.name)}`)).toEqual([`ADDED ${ns}/x`]);
    } finally {
      w.close();
    }
  });

  it('should turn changes that leave or enter the label selection into DELETED and ADDED', async () => {
    const ns = await namespace(cluster, 'w-sel');
    const w = await openWatch(cluster, `${cms(ns)}?watch=true&labelSelector=app%3Dweb`);
    try {
      await put(ns, 's', { v: '1' }, { app: 'web' });
      await put(ns, 's', { v: '2' }, { app: 'db' });
      await put(ns, 's', { v: '3' }, { app: 'web' });
      const events = await w.next(3);
      expect(events.map((e) => `${e.type} ${String(at(e.object, 'data.v'))}`)).toEqual(['ADDED 1', 'DELETED 1', 'ADDED 3']);
    } finally {
      w.close();
    }
  });
});

describe('when watching from a resourceVersion', () => {
  it('should send only what happened after it', async () => {
    const ns = await namespace(cluster, 'w-resume');
    const rv = await put(ns, 'r', { v: '1' });
    await put(ns, 'r', { v: '2' });
    const w = await openWatch(cluster, `${cms(ns)}?watch=true&resourceVersion=${rv}`);
    try {
      expect((await w.next(1)).map((e) => `${e.type} ${String(at(e.object, 'data.v'))}`)).toEqual(['MODIFIED 2']);
    } finally {
      w.close();
    }
  });

  it('should answer a too old version with an ERROR event holding a 410 Expired Status, then end', async () => {
    const ns = await namespace(cluster, 'w-old');
    for (let i = 0; i < 30; i++) await put(ns, 'churn', { v: String(i) });
    const w = await openWatch(cluster, `${cms(ns)}?watch=true&resourceVersion=1`);
    await w.ended;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]?.type).toBe('ERROR');
    expect(w.events[0]?.object).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 });
    expect(String(at(w.events[0]?.object, 'message'))).toMatch(/^too old resource version: 1 \(\d+\)$/);
  });
});

describe('when asking for bookmarks, initial events and timeouts', () => {
  it('should send periodic BOOKMARK events carrying the current resourceVersion', async () => {
    const ns = await namespace(cluster, 'w-bm');
    const w = await openWatch(cluster, `${cms(ns)}?watch=true&allowWatchBookmarks=true&resourceVersion=${await put(ns, 'b', { v: '1' })}`);
    try {
      const [bookmark] = await w.next(1);
      expect(bookmark).toMatchObject({ type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1' } });
      expect(Number(bookmark?.object.metadata.resourceVersion)).toBeGreaterThan(0);
    } finally {
      w.close();
    }
  });

  it('should end the initial events of a watch-list request with an initial-events-end bookmark', async () => {
    const ns = await namespace(cluster, 'w-list');
    await put(ns, 'one', { v: '1' });
    const w = await openWatch(cluster, `${cms(ns)}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
    try {
      const events = await w.next(2);
      expect(events[0]?.type).toBe('ADDED');
      expect(events[1]).toMatchObject({ type: 'BOOKMARK', object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } } });
    } finally {
      w.close();
    }
  });

  it('should end the stream after timeoutSeconds', async () => {
    const w = await openWatch(cluster, `${cms('default')}?watch=true&timeoutSeconds=1`);
    await w.ended;
    expect(w.events.filter((e) => e.type !== 'BOOKMARK')).toEqual([]);
  });
});

describe('the watch gauge', () => {
  it('should count the watches open and the most open at once, from the last reset', async () => {
    const own = await startDevCluster({ port: 0 });
    try {
      const until = async (what: string, ok: () => boolean): Promise<void> => {
        const deadline = Date.now() + 5_000;
        while (!ok()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; gauge ${JSON.stringify(own.watchGauge())}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      expect(own.watchGauge()).toEqual({ open: 0, peak: 0 });
      const a = await openWatch(own, `${cms('default')}?watch=true`);
      const b = await openWatch(own, `${cms('default')}?watch=true&fieldSelector=metadata.name%3Dx`);
      expect(own.watchGauge()).toEqual({ open: 2, peak: 2 });
      b.close();
      await until('one watch closed', () => own.watchGauge().open === 1);
      expect(own.watchGauge()).toEqual({ open: 1, peak: 2 });
      own.resetWatchPeak();
      expect(own.watchGauge()).toEqual({ open: 1, peak: 1 });
      a.close();
      await until('no watch open', () => own.watchGauge().open === 0);
      expect(own.watchGauge()).toEqual({ open: 0, peak: 1 });
    } finally {
      await own.stop();
    }
  });
});
