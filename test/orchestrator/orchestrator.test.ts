/**
 * The orchestrator alone, driven in memory: the test plays the worker (it takes each emitted
 * step and answers with a result), so every step, failure path and crash point is reached
 * without Redis or a cluster.
 */
import { describe, expect, it } from 'vitest';
import { createOrchestrator } from '../../src/orchestrator/index.js';
import type { Orchestrator } from '../../src/orchestrator/index.js';
import { plan } from '../../src/plan/index.js';
import type { SyncTask } from '../../src/plan/index.js';
import type { StepJobData } from '../../src/queue/index.js';
import { OperationRunningError } from '../../src/store/index.js';
import { operationSpec, resultFor, taskFailed } from '../../src/sync/index.js';
import type { Operation, OperationSpec, StepResult, TaskResult } from '../../src/sync/index.js';
import { hook, manifest, newObj } from '../helpers/builders.js';
import { createMemoryBus, createMemoryStore } from '../helpers/memory-engine.js';
import type { MemoryBus } from '../helpers/memory-engine.js';

const START = Date.parse('2026-01-01T00:00:00Z');

function lab(): OperationSpec {
  return operationSpec({
    app: 'shop',
    namespace: 'shop',
    revision: 'r1',
    initiatedBy: 'test',
    manifests: [
      manifest(hook('Job', 'migrate', 'PreSync', { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' })),
      manifest(newObj('ConfigMap', 'settings')),
      manifest(newObj('Deployment', 'web', { annotations: { 'argocd.argoproj.io/sync-wave': '1' } })),
      manifest(hook('Job', 'smoke', 'PostSync')),
      manifest(hook('Job', 'page', 'SyncFail')),
    ],
  });
}

interface Rig {
  orchestrator: Orchestrator;
  bus: MemoryBus;
  store: ReturnType<typeof createMemoryStore>;
  clock: { now: number };
}

function rig(options: { deadlineGraceMs?: number } = {}): Rig {
  const bus = createMemoryBus();
  const store = createMemoryStore();
  const clock = { now: START };
  let n = 0;
  const orchestrator = createOrchestrator({ redisUrl: 'redis://unused', bus, store, now: () => clock.now, newId: () => `op-${++n}`, ...options });
  return { orchestrator, bus, store, clock };
}

/**
 * What a worker would answer for a step: the plan for prepare, `outcome` for each task otherwise
 * (a chained wave step link by link, ending after a link with a failure); and the waves it ran.
 */
function answer(data: StepJobData, outcome: (key: string) => 'ok' | 'fail' = () => 'ok'): { result: StepResult; ran: string[] } {
  const base = { stepId: data.step.id, operationId: data.context.operationId, finishedAt: START };
  if (data.step.kind === 'prepare') {
    const prep = data.prepare;
    if (!prep) throw new Error('prepare step without its input');
    const planned = plan(prep.manifests ?? [], { namespace: data.context.namespace, startedAt: new Date(prep.startedAt) });
    return { result: { ...base, results: [], plan: planned.tasks }, ran: ['prepare'] };
  }
  const run = (task: SyncTask): TaskResult =>
    outcome(task.key) === 'ok'
      ? resultFor(task, { message: task.hook ? 'job completed' : 'configured', status: 'Synced', hookPhase: 'Succeeded' })
      : resultFor(task, { message: 'job failed: BackoffLimitExceeded', status: 'SyncFailed', hookPhase: 'Failed' });
  const tasks = data.tasks ?? [];
  if (data.step.kind !== 'wave') return { result: { ...base, results: tasks.map(run) }, ran: [data.step.kind] };
  const links = data.step.links ?? [{ phase: data.step.phase ?? 'Sync', wave: data.step.wave ?? 0, taskKeys: data.step.taskKeys }];
  const results: TaskResult[] = [];
  const ran: string[] = [];
  for (const link of links) {
    ran.push(`${link.phase}/${link.wave}`);
    const linkResults = tasks.filter((t) => link.taskKeys.includes(t.key)).map(run);
    results.push(...linkResults);
    if (linkResults.some((r) => taskFailed(r))) break;
  }
  return { result: { ...base, results }, ran };
}

/** Run every emitted step until none is left; returns the steps' kinds, a wave step's (phase/wave) per wave it ran. */
async function drive(r: Rig, outcome?: (key: string) => 'ok' | 'fail'): Promise<string[]> {
  const kinds: string[] = [];
  for (let data = r.bus.take(); data; data = r.bus.take()) {
    const { result, ran } = answer(data, outcome);
    kinds.push(...ran);
    r.bus.complete(result);
    await r.orchestrator.handleEvent({ type: 'stepResult', operationId: result.operationId, result });
  }
  return kinds;
}

async function get(r: Rig, id: string): Promise<Operation> {
  const op = await r.store.getOperation(id);
  if (!op) throw new Error(`no operation ${id}`);
  return op;
}

describe('orchestrator (in memory)', () => {
  it('should run prepare, then each phase and wave in order, then succeed and release the app', async () => {
    const r = rig();
    const op = await r.orchestrator.submit(lab());
    expect(r.bus.kicks).toContainEqual({ operationId: op.id, reason: 'deadline', delayMs: 60 * 60_000 + 30_000, key: 'deadline' });
    const kinds = await drive(r);
    expect(kinds).toEqual(['prepare', 'PreSync/0', 'Sync/0', 'Sync/1', 'PostSync/0', 'cleanup']);
    const final = await get(r, op.id);
    expect(final.phase).toBe('Succeeded');
    expect(final.results.map((t) => t.name)).toEqual(['migrate', 'settings', 'web', 'smoke']);
    expect(await r.store.runningOperationOf('shop')).toBeUndefined();
    expect(await r.store.runningOperations()).toEqual([]);
  });

  it('should give the prepare step the inventory and record what was synced (hooks are never inventoried)', async () => {
    const r = rig();
    await r.store.addToInventory('shop', [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'old' }]);
    await r.orchestrator.submit(lab());
    expect(r.bus.pending[0]?.prepare?.inventory).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'old' }]);
    await drive(r);
    expect((await r.store.inventory('shop')).map((e) => `${e.kind}/${e.name}`).sort()).toEqual(['ConfigMap/old', 'ConfigMap/settings', 'Deployment/web']);
  });

  it('should refuse a second operation of a running application (D6) and accept one after it finished', async () => {
    const r = rig();
    const first = await r.orchestrator.submit(lab());
    await expect(r.orchestrator.submit(lab())).rejects.toThrow(OperationRunningError);
    await drive(r);
    expect((await get(r, first.id)).phase).toBe('Succeeded');
    const second = await r.orchestrator.submit(lab());
    expect(second.id).not.toBe(first.id);
  });

  it('should run the SyncFail hooks after a failed hook and finish Failed with the failure named', async () => {
    const r = rig();
    const op = await r.orchestrator.submit(lab());
    const kinds = await drive(r, (key) => (key.includes('/web:') ? 'fail' : 'ok'));
    expect(kinds).toEqual(['prepare', 'PreSync/0', 'Sync/0', 'Sync/1', 'syncFail']);
    const syncFail = r.bus.emitted.find((d) => d.step.kind === 'syncFail');
    expect(syncFail?.tasks?.map((t) => t.name)).toEqual(['page']);
    expect(JSON.parse(syncFail?.context.failure ?? '{}')).toMatchObject({ tasks: [expect.objectContaining({ name: 'Deployment/web' })] });
    const final = await get(r, op.id);
    expect(final.phase).toBe('Failed');
    expect(final.results.find((t) => t.name === 'page')?.hookPhase).toBe('Succeeded');
  });

  it('should fail at once on a fatal prepare result, without SyncFail hooks (§5.1)', async () => {
    const r = rig();
    const op = await r.orchestrator.submit(lab());
    const data = r.bus.take();
    if (!data) throw new Error('no prepare step');
    const result: StepResult = { stepId: data.step.id, operationId: op.id, results: [], fatal: { phase: 'Error', message: 'namespace shop: forbidden' }, finishedAt: START };
    await r.orchestrator.handleEvent({ type: 'stepResult', operationId: op.id, result });
    expect(r.bus.pending).toEqual([]);
    const final = await get(r, op.id);
    expect(final.phase).toBe('Error');
    expect(final.message).toContain('namespace shop: forbidden');
  });

  it('should finish Error when a step gave up on infrastructure errors', async () => {
    const r2 = rig();
    const op2 = await r2.orchestrator.submit(lab());
    const prepare = r2.bus.take();
    if (!prepare) throw new Error('no prepare step');
    const planned = answer(prepare).result;
    await r2.orchestrator.handleEvent({ type: 'stepResult', operationId: op2.id, result: planned });
    const wave = r2.bus.take();
    if (!wave) throw new Error('no wave step');
    await r2.orchestrator.handleEvent({ type: 'stepResult', operationId: op2.id, result: { stepId: wave.step.id, operationId: op2.id, results: [], error: 'step wave failed: connect ECONNREFUSED', finishedAt: START } });
    await drive(r2);
    const final = await get(r2, op2.id);
    expect(final.phase).toBe('Error');
    expect(final.message).toContain('ECONNREFUSED');
  });

  it('should ignore a result delivered twice, and a result for a step that is not in flight', async () => {
    const r = rig();
    const op = await r.orchestrator.submit(lab());
    const prepare = r.bus.take();
    if (!prepare) throw new Error('no prepare step');
    const result = answer(prepare).result;
    await r.orchestrator.handleEvent({ type: 'stepResult', operationId: op.id, result });
    const version = (await get(r, op.id)).version;
    await r.orchestrator.handleEvent({ type: 'stepResult', operationId: op.id, result });
    await r.orchestrator.handleEvent({ type: 'stepResult', operationId: op.id, result: { ...result, stepId: 'op-1-0-99' } });
    expect((await get(r, op.id)).version).toBe(version);
    expect(r.bus.pending).toHaveLength(1);
  });

  it('should apply live progress of the step in flight only', async () => {
    const r = rig();
    const op = await r.orchestrator.submit(lab());
    await r.orchestrator.handleEvent({ type: 'stepResult', operationId: op.id, result: answer(r.bus.take() as StepJobData).result });
    const wave = r.bus.take() as StepJobData;
    const running = resultFor((wave.tasks ?? [])[0] as SyncTask, { message: 'job running', hookPhase: 'Running' });
    await r.orchestrator.handleEvent({ type: 'progress', operationId: op.id, stepId: wave.step.id, results: [running] });
    expect((await get(r, op.id)).results.map((t) => `${t.name}:${t.hookPhase}`)).toEqual(['migrate:Running']);
    const version = (await get(r, op.id)).version;
    await r.orchestrator.handleEvent({ type: 'progress', operationId: op.id, stepId: 'another-step', results: [{ ...running, message: 'stale' }] });
    expect((await get(r, op.id)).version).toBe(version);
  });

  describe('crash points', () => {
    it('should re-emit a step whose emission was lost between storing and enqueuing', async () => {
      const r = rig();
      r.bus.dropNextEmission();
      const op = await r.orchestrator.submit(lab());
      expect(r.bus.pending).toEqual([]);
      expect((await get(r, op.id)).step?.kind).toBe('prepare');
      await r.orchestrator.sweep();
      expect(r.bus.pending.map((d) => d.step.kind)).toEqual(['prepare']);
      await drive(r);
      expect((await get(r, op.id)).phase).toBe('Succeeded');
    });

    it('should recover a result the worker kept but whose message was lost', async () => {
      const r = rig();
      const op = await r.orchestrator.submit(lab());
      const prepare = r.bus.take() as StepJobData;
      r.bus.complete(answer(prepare).result); // the job holds its result; the message never arrives
      await r.orchestrator.sweep();
      expect((await get(r, op.id)).plan).toHaveLength(5);
      expect(r.bus.pending.map((d) => d.step.kind)).toEqual(['wave']);
    });

    it('should leave a step alone while its result message is on its way', async () => {
      const r = rig();
      const op = await r.orchestrator.submit(lab());
      const prepare = r.bus.take() as StepJobData;
      r.bus.complete(answer(prepare).result);
      r.bus.setResultPending(prepare.step.id, true);
      const version = (await get(r, op.id)).version;
      await r.orchestrator.sweep();
      expect((await get(r, op.id)).version).toBe(version);
      expect(r.bus.pending).toEqual([]);
    });

    it('should replace a step job that failed for good, and one Redis forgot', async () => {
      const r = rig();
      const op = await r.orchestrator.submit(lab());
      const prepare = r.bus.take() as StepJobData;
      r.bus.setStepState(prepare.step.id, 'failed');
      await r.orchestrator.sweep();
      expect(r.bus.pending.map((d) => d.step.id)).toEqual([prepare.step.id]);
      r.bus.take();
      r.bus.setStepState(prepare.step.id, 'missing');
      await r.orchestrator.sweep();
      expect(r.bus.pending.map((d) => d.step.id)).toEqual([prepare.step.id]);
      await drive(r);
      expect((await get(r, op.id)).phase).toBe('Succeeded');
    });

    it('should do nothing for a step that is simply running', async () => {
      const r = rig();
      await r.orchestrator.submit(lab());
      r.bus.take();
      const emitted = r.bus.emitted.length;
      await r.orchestrator.sweep();
      expect(r.bus.emitted.length).toBe(emitted);
    });
  });

  describe('termination and deadlines', () => {
    it('should terminate on request: flag the workers, run no further wave, finish Failed (§10.1)', async () => {
      const r = rig();
      const op = await r.orchestrator.submit(lab());
      await r.orchestrator.handleEvent({ type: 'stepResult', operationId: op.id, result: answer(r.bus.take() as StepJobData).result });
      const wave = r.bus.take() as StepJobData;
      await r.orchestrator.terminate(op.id);
      expect(r.bus.cancels.get(op.id)).toBe('user');
      await r.orchestrator.handleEvent({ type: 'stepResult', operationId: op.id, result: { stepId: wave.step.id, operationId: op.id, results: [], terminated: true, finishedAt: START } });
      const kinds = await drive(r);
      expect(kinds.filter((k) => k.startsWith('Sync/') || k.startsWith('PostSync/'))).toEqual([]);
      const final = await get(r, op.id);
      expect(final.phase).toBe('Failed');
      expect(final.message).toMatch(/terminated/i);
      expect(r.bus.cancels.has(op.id)).toBe(false);
    });

    it('should time an operation out itself once its deadline and the grace period passed (D3)', async () => {
      const r = rig({ deadlineGraceMs: 1_000 });
      const op = await r.orchestrator.submit(lab());
      r.bus.take();
      r.clock.now = START + 60 * 60_000 + 999;
      await r.orchestrator.handleEvent({ type: 'advance', operationId: op.id, reason: 'deadline' });
      expect((await get(r, op.id)).terminating).toBeUndefined();
      r.clock.now = START + 60 * 60_000 + 1_000;
      await r.orchestrator.handleEvent({ type: 'advance', operationId: op.id, reason: 'deadline' });
      expect((await get(r, op.id)).terminating?.reason).toBe('timeout');
      expect(r.bus.cancels.get(op.id)).toBe('timeout');
    });
  });

  it('should schedule a retry after a failure when the spec asks for one, and run a new attempt (§10.3)', async () => {
    const r = rig();
    const op = await r.orchestrator.submit({ ...lab(), retry: { limit: 1, backoffMs: 5_000 } });
    let fail = true;
    await drive(r, (key) => (fail && key.includes('/web:') ? 'fail' : 'ok'));
    const waiting = await get(r, op.id);
    expect(waiting.retryAt).toBe(START + 5_000);
    expect(r.bus.kicks).toContainEqual({ operationId: op.id, reason: 'retry', delayMs: 5_000, key: 'retry-1' });
    fail = false;
    r.clock.now = START + 5_000;
    await r.orchestrator.handleEvent({ type: 'advance', operationId: op.id, reason: 'retry' });
    const kinds = await drive(r);
    expect(kinds[0]).toBe('prepare');
    expect(r.bus.emitted.at(-1)?.context.syncId).toBe(`${op.id}-1`);
    const final = await get(r, op.id);
    expect(final.phase).toBe('Succeeded');
    expect(final.retryCount).toBe(1);
  });

  it('should ask the workers to sweep the finalizers of every attempt that is not running (D7)', async () => {
    const r = rig();
    const op = await r.orchestrator.submit(lab());
    await r.orchestrator.sweepFinalizers();
    expect(r.bus.finalizerSweeps).toEqual([[`${op.id}-0`]]);
  });
});
