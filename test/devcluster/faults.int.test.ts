/** Fault injection: errors before processing, Retry-After, spared discovery, dropped watches, counters. */
import { afterEach, describe, expect, it } from 'vitest';
import { parseFaultSpec, startDevCluster } from '../../src/devcluster/index.js';
import type { DevCluster } from '../../src/devcluster/index.js';
import { at, call, openWatch } from './helpers.js';

let cluster: DevCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('when parsing a --faults spec', () => {
  it('should read every key', () => {
    expect(parseFaultSpec('rate=0.2,codes=429/500/503,retry-after=1,latency=20ms,drop-watch=3s,discovery=true,seed=7')).toEqual({
      rate: 0.2,
      codes: [429, 500, 503],
      retryAfterSeconds: 1,
      latencyMs: 20,
      dropWatchEveryMs: 3000,
      includeDiscovery: true,
      seed: 7,
    });
  });

  it.each([
    ['rate=1.5', 'rate'],
    ['codes=404', 'codes'],
    ['latency=soon', 'latency'],
    ['drop-watch=0', 'drop-watch'],
    ['speed=1', 'speed'],
    ['rate', 'rate'],
  ])('should refuse %s naming %s', (spec, field) => {
    expect(() => parseFaultSpec(spec)).toThrow(new RegExp(`invalid fault spec: ${field}`));
  });
});

describe('when a share of requests fails', () => {
  it('should answer about that share with the configured codes as Status bodies, sparing discovery, and count them', async () => {
    cluster = await startDevCluster({ port: 0, faults: 'rate=0.2,codes=429/500/503,retry-after=2,seed=42' });
    const seen = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      const r = await call(cluster, 'GET', '/api/v1/namespaces/default/configmaps');
      seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
      if (r.status === 429) {
        expect(r.headers.get('retry-after')).toBe('2');
        expect(r.json).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429, details: { retryAfterSeconds: 2 } });
      } else if (r.status === 500) expect(r.json).toMatchObject({ reason: 'InternalError', code: 500 });
      else if (r.status === 503) expect(r.json).toMatchObject({ reason: 'ServiceUnavailable', code: 503 });
      else expect(r.status).toBe(200);
    }
    const failed = (seen.get(429) ?? 0) + (seen.get(500) ?? 0) + (seen.get(503) ?? 0);
    expect(failed).toBeGreaterThan(15);
    expect(failed).toBeLessThan(70);
    expect([429, 500, 503].every((c) => (seen.get(c) ?? 0) > 0)).toBe(true);
    const counters = cluster.faultCounters();
    expect(counters.requests).toBe(200);
    expect(counters.injected).toEqual({ 429: seen.get(429), 500: seen.get(500), 503: seen.get(503) });
    for (let i = 0; i < 20; i++) expect((await call(cluster, 'GET', '/api/v1')).status).toBe(200);
  });

  it('should fail a write before processing it (nothing stored) and audit it with the injected code', async () => {
    cluster = await startDevCluster({ port: 0, faults: { rate: 1, codes: [503] } });
    const r = await call(cluster, 'POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'never' } } });
    expect(r.status).toBe(503);
    expect(cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'never' })).toBeUndefined();
    expect(cluster.audit().filter((e) => e.source === 'api')).toEqual([expect.objectContaining({ verb: 'create', kind: 'ConfigMap', code: 503 })]);
  });
});

describe('when watches are dropped at an interval', () => {
  it('should end every open watch, which a client sees as a finished stream, and count it', async () => {
    cluster = await startDevCluster({ port: 0, faults: 'drop-watch=100ms' });
    const a = await openWatch(cluster, '/api/v1/namespaces/default/configmaps?watch=true');
    const b = await openWatch(cluster, '/apis/batch/v1/jobs?watch=true');
    await Promise.all([a.ended, b.ended]);
    expect(cluster.faultCounters().droppedWatches).toBeGreaterThanOrEqual(2);
    const after = await call(cluster, 'GET', '/api/v1/namespaces/default/configmaps');
    expect(at(after.json, 'kind')).toBe('ConfigMapList');
  });
});
