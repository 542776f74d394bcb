/**
 * Issue 13 item 3 on a real Redis store: an operation runs with its plan stored once and its
 * steps naming their tasks; and an operation a previous version stored with its plan inline
 * (mid-run, a wave step in flight) still finishes: its next save splits the plan out.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOrchestrator } from '../../src/orchestrator/index.js';
import type { Orchestrator } from '../../src/orchestrator/index.js';
import { stepPayload } from '../../src/orchestrator/step-payload.js';
import { redisKeys } from '../../src/queue/index.js';
import type { StepJobData } from '../../src/queue/index.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { resultFor } from '../../src/sync/index.js';
import type { Operation, StepResult } from '../../src/sync/index.js';
import { createStepPlanReader } from '../../src/worker/index.js';
import type { StepPlanReader } from '../../src/worker/index.js';
import { createMemoryBus } from '../helpers/memory-engine.js';
import type { MemoryBus } from '../helpers/memory-engine.js';
import { PLAN_START, operationWithPlan } from '../helpers/plan-fixtures.js';
import { REDIS_URL, cleanPrefix, testPrefix } from '../helpers/redis.js';

describe('plan once, on a Redis store', () => {
  let redis: Redis;
  let prefix: string;
  let store: Store;
  let bus: MemoryBus;
  let orchestrator: Orchestrator;
  let plans: StepPlanReader;
  let reads: number;
  beforeEach(() => {
    redis = new Redis(REDIS_URL);
    prefix = testPrefix();
    store = createStore({ redis, prefix });
    bus = createMemoryBus(prefix);
    orchestrator = createOrchestrator({ redisUrl: REDIS_URL, bus, store, now: () => PLAN_START });
    reads = 0;
    plans = createStepPlanReader({ read: (key) => (reads++, redis.get(key)) });
  });
  afterEach(async () => {
    await cleanPrefix(prefix);
    redis.disconnect();
  });

  /** Answer every emitted step as a worker would (every task succeeds), reading tasks as the worker does. */
  async function drive(first: StepJobData | undefined): Promise<StepJobData[]> {
    const seen: StepJobData[] = [];
    for (let data = first ?? bus.take(); data; data = bus.take()) {
      seen.push(data);
      const { tasks } = await plans.tasksOf(data);
      const results = tasks.map((t) => resultFor(t, { message: 'done', status: 'Synced', hookPhase: 'Succeeded' }));
      const result: StepResult = { stepId: data.step.id, operationId: data.context.operationId, results, finishedAt: PLAN_START };
      bus.complete(result);
      await orchestrator.handleEvent({ type: 'stepResult', operationId: result.operationId, result });
    }
    return seen;
  }

  it('should finish an operation stored by the previous version with its plan inline, splitting it on the next save', async () => {
    const old: Operation = operationWithPlan();
    expect(old.step?.kind).toBe('wave');
    const created = { ...old, version: 0 };
    delete created.plan;
    delete created.step;
    await store.createOperation(created);
    // The previous version's record: plan inline with its objects, no plan key, a wave step in flight.
    await redis.hset(redisKeys(prefix).operation(old.id), 'doc', JSON.stringify({ ...old, version: 3 }), 'v', '3');
    // Its step job, as the previous version enqueued it: tasks inline.
    const inflight = stepPayload(old, []);
    expect(inflight.tasks?.length).toBeGreaterThan(0);
    const steps = await drive(inflight);
    const final = await store.getOperation(old.id);
    expect(final?.phase, final?.message).toBe('Succeeded');
    expect(final?.results.map((r) => r.name).sort()).toEqual((old.plan ?? []).map((t) => t.name).sort());
    // Every later step named its tasks by reference; the plan was read once.
    expect(steps.slice(1).every((s) => s.planKey === redisKeys(prefix).operationPlan(old.id) && s.tasks === undefined)).toBe(true);
    expect(steps.length).toBeGreaterThan(1);
    expect(reads).toBe(1);
    expect(await redis.exists(redisKeys(prefix).operationPlan(old.id))).toBe(0);
    expect(final?.planKey).toBeUndefined();
  });
});
