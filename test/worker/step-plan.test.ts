/** A step's tasks read by reference, with the per-operation cache (src/worker/step-plan.ts, issue 13). */
import { describe, expect, it } from 'vitest';
import { stepPayload } from '../../src/orchestrator/step-payload.js';
import type { StepJobData } from '../../src/queue/index.js';
import { storedForm } from '../../src/store/index.js';
import type { Operation } from '../../src/sync/index.js';
import { StepPlanError, createStepPlanReader, runStep } from '../../src/worker/index.js';
import type { StepDeps } from '../../src/worker/index.js';
import { operationWithPlan } from '../helpers/plan-fixtures.js';

/** A Redis stand-in holding what the store wrote, counting reads. */
function redisOf(...ops: Operation[]): { values: Map<string, string>; reads: string[]; read(key: string): Promise<string | undefined>; payloads: StepJobData[] } {
  const values = new Map<string, string>();
  const reads: string[] = [];
  const payloads: StepJobData[] = [];
  for (const op of ops) {
    const key = `p:op:${op.id}:plan`;
    const { doc, plan } = storedForm(op, key);
    if (plan) values.set(key, plan);
    payloads.push(stepPayload(doc, []));
  }
  return { values, reads, payloads, read: (key) => (reads.push(key), Promise.resolve(values.get(key))) };
}

function renamed(op: Operation, id: string): Operation {
  return { ...op, id, step: op.step ? { ...op.step, id: op.step.id.replace(op.id, id) } : undefined } as Operation;
}

describe('a step\'s tasks by reference', () => {
  it('should give the tasks the step names, with their objects, reading the plan once for consecutive steps of an operation', async () => {
    const op = operationWithPlan();
    const redis = redisOf(op);
    const data = redis.payloads[0] as StepJobData;
    const reader = createStepPlanReader({ read: redis.read });
    const { tasks, deleteTasks } = await reader.tasksOf(data);
    expect(tasks.map((t) => t.key)).toEqual(op.step?.taskKeys);
    expect(tasks.every((t) => t.target !== undefined || (t.prune && t.live !== undefined))).toBe(true);
    expect(deleteTasks).toEqual([]);
    const hookKey = op.plan?.find((t) => t.hook)?.key ?? '';
    const cleanup: StepJobData = { ...data, step: { ...data.step, id: `${data.step.id}-c`, kind: 'cleanup', taskKeys: [], deleteKeys: [hookKey] } };
    expect((await reader.tasksOf(cleanup)).deleteTasks.map((t) => t.key)).toEqual([hookKey]);
    expect(redis.reads).toHaveLength(1);
  });

  it('should read again for another attempt, and refuse a plan that is gone or is another attempt\'s', async () => {
    const op = operationWithPlan();
    const redis = redisOf(op);
    const data = redis.payloads[0] as StepJobData;
    const reader = createStepPlanReader({ read: redis.read });
    await reader.tasksOf(data);
    const nextAttempt: StepJobData = { ...data, context: { ...data.context, syncId: `${op.id}-1` } };
    await expect(reader.tasksOf(nextAttempt)).rejects.toThrow(StepPlanError);
    expect(redis.reads).toHaveLength(2);
    redis.values.clear();
    await expect(createStepPlanReader({ read: redis.read }).tasksOf(data)).rejects.toThrow(/gone from Redis/);
    const unknown: StepJobData = { ...data, step: { ...data.step, taskKeys: ['nope:Sync'] } };
    await expect(reader.tasksOf(unknown)).rejects.toThrow(/not in the plan/);
  });

  it('should keep at most the operations it is allowed, dropping the least recently used', async () => {
    const ops = ['a', 'b', 'c'].map((id) => renamed(operationWithPlan(), id));
    const redis = redisOf(...ops);
    const reader = createStepPlanReader({ read: redis.read, maxOperations: 2 });
    const [a, b, c] = redis.payloads as [StepJobData, StepJobData, StepJobData];
    await reader.tasksOf(a);
    await reader.tasksOf(b);
    await reader.tasksOf(a); // a is now the most recently used
    await reader.tasksOf(c); // drops b
    expect(reader.size).toBe(2);
    await reader.tasksOf(a);
    expect(redis.reads.filter((k) => k.includes(':a:'))).toHaveLength(1);
    await reader.tasksOf(b);
    expect(redis.reads.filter((k) => k.includes(':b:'))).toHaveLength(2);
    const tiny = createStepPlanReader({ read: redis.read, maxChars: 10 });
    await tiny.tasksOf(a);
    expect(tiny.size).toBe(0);
  });

  it('should pass inline tasks through as they are', async () => {
    const op = operationWithPlan();
    const data = stepPayload(op, []);
    const reader = createStepPlanReader({ read: () => Promise.reject(new Error('no read expected')) });
    expect((await reader.tasksOf(data)).tasks).toBe(data.tasks);
  });

  it('should end the step with an error, not a throw, when its plan is gone', async () => {
    const redis = redisOf(operationWithPlan());
    redis.values.clear();
    const data = redis.payloads[0] as StepJobData;
    const deps = { now: () => 7 } as unknown as StepDeps;
    const result = await runStep(data, deps, createStepPlanReader({ read: redis.read }));
    expect(result).toMatchObject({ stepId: data.step.id, results: [], finishedAt: 7 });
    expect(result.error).toMatch(/plan is gone/);
    expect((await runStep(data, deps)).error).toMatch(/reads no plans/);
  });
});
