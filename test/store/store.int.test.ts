import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, OperationRunningError, createStore } from '../../src/store/index.js';
import type { OperationEvent, Store } from '../../src/store/index.js';
import { planHasObjects, startOperation } from '../../src/sync/index.js';
import type { Operation, OperationSpec, StoredPlan } from '../../src/sync/index.js';
import { redisKeys } from '../../src/queue/index.js';
import { operationWithPlan } from '../helpers/plan-fixtures.js';
import { REDIS_URL, cleanPrefix, testPrefix } from '../helpers/redis.js';

const spec = (app: string): OperationSpec => ({
  app,
  namespace: 'ns',
  revision: 'r',
  manifests: [],
  warnings: [],
  createNamespace: false,
  prune: false,
  pruneLast: false,
  dryRun: false,
  timeoutMs: 60_000,
  hookTimeoutMs: 60_000,
  waveDelayMs: 0,
  initiatedBy: 'test',
});
const op = (id: string, app = 'a'): Operation => startOperation({ id, spec: spec(app), now: Date.now() });

describe('store (Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let store: Store;
  beforeEach(() => {
    redis = new Redis(REDIS_URL);
    prefix = testPrefix();
    store = createStore({ redis, prefix });
  });
  afterEach(async () => {
    await cleanPrefix(prefix);
    redis.disconnect();
  });

  it('should create an operation and read it back', async () => {
    await store.createOperation(op('o1'));
    expect((await store.getOperation('o1'))?.app).toBe('a');
    expect(await store.runningOperations()).toEqual(['o1']);
    expect(await store.runningOperationOf('a')).toBe('o1');
  });

  it('D6: should refuse a second running operation of the same application, naming the running one', async () => {
    await store.createOperation(op('o1'));
    const err = await store.createOperation(op('o2')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationRunningError);
    expect((err as OperationRunningError).runningOperationId).toBe('o1');
    await store.createOperation(op('o3', 'other'));
  });

  it('should release the lock when the operation finishes, so the next one can start', async () => {
    const o1 = op('o1');
    await store.createOperation(o1);
    await store.saveOperation({ ...o1, phase: 'Succeeded', finishedAt: new Date().toISOString() });
    expect(await store.runningOperationOf('a')).toBeUndefined();
    expect(await store.runningOperations()).toEqual([]);
    await store.createOperation(op('o2'));
    expect(await store.history('a')).toEqual(['o2', 'o1']);
  });

  it('should compare-and-set on the version', async () => {
    const o1 = op('o1');
    await store.createOperation(o1);
    const saved = await store.saveOperation({ ...o1, message: 'one' });
    expect(saved.version).toBe(1);
    await expect(store.saveOperation({ ...o1, message: 'stale' })).rejects.toBeInstanceOf(ConflictError);
    expect((await store.getOperation('o1'))?.message).toBe('one');
  });

  it('should retry an update on conflict until it applies on the newest version', async () => {
    await store.createOperation(op('o1'));
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.updateOperation('o1', (o) => ({ ...o, message: `${o.message}|${i}` }))));
    expect(results.every((r) => r !== undefined)).toBe(true);
    const final = await store.getOperation('o1');
    expect(final?.version).toBe(10);
    expect(final?.message.split('|').slice(1).sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'].sort());
  });

  it('should publish an event for every stored transition, without logs', async () => {
    const events: OperationEvent[] = [];
    const unsubscribe = await store.subscribe((e) => events.push(e));
    const o1 = op('o1');
    await store.createOperation(o1);
    await store.saveOperation({ ...o1, results: [{ key: 'k', order: 1, syncPhase: 'Sync', wave: 0, group: '', version: 'v1', kind: 'Pod', namespace: 'ns', name: 'p', message: 'm', logs: [{ pod: 'p', container: 'c', log: 'secret-ish output', truncated: false }] }] });
    for (let i = 0; i < 50 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await unsubscribe();
    expect(events).toHaveLength(1);
    expect(events[0]?.version).toBe(1);
    expect(events[0]?.results[0]).not.toHaveProperty('logs');
  });

  it('should keep an inventory of applied objects per application', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'c' };
    const svc = { apiVersion: 'v1', kind: 'Service', namespace: 'ns', name: 's' };
    await store.addToInventory('a', [cm, svc, cm]);
    expect((await store.inventory('a')).sort((x, y) => x.kind.localeCompare(y.kind))).toEqual([cm, svc]);
    await store.removeFromInventory('a', [cm]);
    expect(await store.inventory('a')).toEqual([svc]);
  });

  it('should store a plan once, apart from the record, and delete it when the operation ends (issue 13)', async () => {
    const planned = operationWithPlan();
    const created = { ...planned, version: 0 };
    delete created.plan;
    delete created.step;
    await store.createOperation(created);
    const saved = await store.saveOperation(planned);
    const key = redisKeys(prefix).operationPlan(planned.id);
    expect(saved.planKey).toBe(key);
    expect(planHasObjects(saved.plan ?? [])).toBe(false);
    const stored = JSON.parse((await redis.get(key)) ?? 'null') as StoredPlan;
    expect(stored.tasks).toEqual(planned.plan);
    expect(await store.getOperation(planned.id)).toEqual(saved);
    // A later transition rewrites the record only.
    await redis.set(key, 'untouched');
    const next = await store.saveOperation({ ...saved, message: 'next' });
    expect(await redis.get(key)).toBe('untouched');
    await store.saveOperation({ ...next, phase: 'Succeeded', finishedAt: new Date().toISOString() });
    expect(await redis.exists(key)).toBe(0);
    expect((await store.getOperation(planned.id))?.planKey).toBeUndefined();
  });
});
