import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/manifests/index.js';
import { plan } from '../../src/plan/index.js';
import type { SyncTask } from '../../src/plan/index.js';
import { advance, recordProgress, recordStepResult, requestTermination, resultFor, retryDelayMs, startOperation, taskFailed } from '../../src/sync/index.js';
import type { Operation, OperationSpec, Step, StepResult, TaskResult, WaveLink } from '../../src/sync/index.js';
import { hook, manifest, newObj } from '../helpers/builders.js';

const NOW = 1_800_000_000_000;
const wave = (w: number): Record<string, string> => ({ 'argocd.argoproj.io/sync-wave': String(w) });
const policy = (p: string): Record<string, string> => ({ 'argocd.argoproj.io/hook-delete-policy': p });

function spec(objects: KubeObject[], extra: Partial<OperationSpec> = {}): OperationSpec {
  return {
    app: 'lab',
    namespace: 'app',
    revision: 'abcdef0123',
    manifests: objects.map((o, i) => manifest(o, 'm.yaml', i + 1)),
    warnings: [],
    createNamespace: false,
    prune: false,
    pruneLast: false,
    dryRun: false,
    timeoutMs: 3_600_000,
    hookTimeoutMs: 1_800_000,
    waveDelayMs: 0,
    initiatedBy: 'test',
    ...extra,
  };
}

/** Drive an operation as workers would: `outcome` decides each task's result. */
class Driver {
  op: Operation;
  steps: Step[] = [];
  tasks: SyncTask[];
  constructor(objects: KubeObject[], extra: Partial<OperationSpec> = {}) {
    const s = spec(objects, extra);
    this.op = startOperation({ id: 'op1', spec: s, now: NOW });
    this.tasks = plan(s.manifests, { namespace: s.namespace, revision: s.revision, startedAt: new Date(NOW) }).tasks;
  }
  /** Advance; returns the step emitted (if any). */
  next(now = NOW): Step | undefined {
    const a = advance(this.op, now);
    this.op = a.op;
    if (a.step) this.steps.push(a.step);
    return a.step;
  }
  report(step: Step, results: TaskResult[], extra: Partial<StepResult> = {}): void {
    this.op = recordStepResult(this.op, { stepId: step.id, operationId: 'op1', results, finishedAt: NOW, ...extra });
  }
  tasksOf(keys: readonly string[]): SyncTask[] {
    return keys.map((k) => this.tasks.find((t) => t.key === k) as SyncTask);
  }
  task(name: string, phase?: string): SyncTask {
    const t = this.tasks.find((x) => x.name === name && (!phase || x.phase === phase));
    if (!t) throw new Error(`no task ${name}`);
    return t;
  }
  /** Run until done, answering each step with `answer`. */
  run(answer: (step: Step, tasks: SyncTask[]) => TaskResult[], limit = 20): string[] {
    const log: string[] = [];
    for (let i = 0; i < limit; i++) {
      const step = this.op.step ?? this.next();
      if (!step) break;
      if (step.kind === 'prepare') {
        log.push(label(step));
        this.report(step, [], { plan: this.tasks });
        continue;
      }
      if (step.kind !== 'wave') {
        log.push(label(step));
        this.report(step, answer(step, this.tasksOf(step.taskKeys)));
        continue;
      }
      // A chained wave step runs its links as the worker does: the next only when none of the one before failed.
      const results: TaskResult[] = [];
      for (const link of linksOf(step)) {
        log.push(label({ ...step, ...link }));
        const answered = answer(step, this.tasksOf(link.taskKeys));
        results.push(...answered);
        if (answered.some((r) => taskFailed(r))) break;
      }
      this.report(step, results);
    }
    return log;
  }
}

/** A wave step's links: its own fields when it runs one wave. */
function linksOf(step: Step): WaveLink[] {
  return step.links ?? [{ phase: step.phase ?? 'Sync', wave: step.wave ?? 0, taskKeys: step.taskKeys, waitForResources: step.waitForResources ?? false, finalWave: step.finalWave ?? true }];
}

const shortName = (key: string): string => (key.split('/')[3] ?? '').split(':')[0] ?? '';

function label(step: Step): string {
  if (step.kind === 'wave') return `wave ${step.phase}/${step.wave}${step.waitForResources ? ' +resources' : ''}${step.finalWave ? ' final' : ''}`;
  if (step.kind === 'cleanup') return `cleanup ${step.outcome} [${(step.deleteKeys ?? []).map(shortName).join(',')}]`;
  if (step.kind === 'syncFail') return `syncFail [${(step.deleteKeys ?? []).map(shortName).join(',')}]`;
  return step.kind;
}

const ok = (t: SyncTask): TaskResult => resultFor(t, { status: 'Synced', hookPhase: 'Succeeded', message: 'ok' });
const fail = (t: SyncTask, message = 'boom'): TaskResult => resultFor(t, { status: 'Synced', hookPhase: 'Failed', message });
const applyFail = (t: SyncTask, message: string): TaskResult => resultFor(t, { status: 'SyncFailed', hookPhase: 'Failed', message });

const lab = (): KubeObject[] => [
  hook('Job', 'pre-job', 'PreSync'),
  newObj('Service', 'nginx', { annotations: wave(-2) }),
  newObj('ServiceAccount', 'nginx', { annotations: wave(-1) }),
  newObj('Deployment', 'nginx'),
  hook('Job', 'post-job', 'PostSync'),
  hook('Job', 'fail-job', 'SyncFail'),
];

describe('the sync state machine (§5)', () => {
  it('should run the lab: prepare, PreSync, Sync waves -2/-1/0 awaited, PostSync; no SyncFail; Succeeded', () => {
    const d = new Driver(lab());
    const log = d.run((_s, tasks) => tasks.map(ok));
    expect(log).toEqual(['prepare', 'wave PreSync/0 +resources', 'wave Sync/-2 +resources', 'wave Sync/-1 +resources', 'wave Sync/0 +resources', 'wave PostSync/0 +resources final']);
    expect(d.op.phase).toBe('Succeeded');
    expect(d.op.message).toBe('successfully synced (all tasks run)');
    expect(d.op.results.map((r) => `${r.order}:${r.kind}/${r.name}`)).toEqual(['1:Job/pre-job', '2:Service/nginx', '3:ServiceAccount/nginx', '4:Deployment/nginx', '5:Job/post-job']);
  });

  it('should run every wave after prepare in one chained step, a link per (phase, wave) in order (issue 13: fewer hops)', () => {
    const d = new Driver(lab());
    d.run((_s, tasks) => tasks.map(ok));
    expect(d.steps.map((s) => s.kind)).toEqual(['prepare', 'wave']);
    const chained = d.steps[1] as Step;
    expect(chained.links?.map((l) => `${l.phase}/${l.wave}${l.waitForResources ? ' +resources' : ''}${l.finalWave ? ' final' : ''}`)).toEqual(['PreSync/0 +resources', 'Sync/-2 +resources', 'Sync/-1 +resources', 'Sync/0 +resources', 'PostSync/0 +resources final']);
    expect(chained.taskKeys).toEqual(chained.links?.flatMap((l) => l.taskKeys));
    expect(chained).toMatchObject({ phase: 'PreSync', wave: 0, waitForResources: true, finalWave: false });
    // A failed link ends the step; the orchestrator then takes the failure path.
    const failed = new Driver(lab());
    failed.run((_s, tasks) => tasks.map((t) => (t.name === 'nginx' && t.kind === 'ServiceAccount' ? fail(t) : ok(t))));
    expect(failed.steps.map((s) => s.kind)).toEqual(['prepare', 'wave', 'syncFail']);
    expect(failed.op.results.map((r) => r.name)).toEqual(['pre-job', 'nginx', 'nginx', 'fail-job']);
  });

  it("should follow a chained step's link being run in the §5.9 message as progress arrives, and ignore another step's", () => {
    const d = new Driver(lab());
    d.run(() => [], 1); // prepare, answered with the plan
    const step = d.next() as Step;
    expect(step.links).toHaveLength(5);
    expect(d.op.message).toBe('waiting for completion of hook batch/Job/pre-job');
    const running = (t: SyncTask): TaskResult => resultFor(t, { status: 'Synced', hookPhase: 'Running', message: 'created' });
    const service = d.tasks.find((t) => t.kind === 'Service') as SyncTask;
    const afterPre = recordProgress(d.op, step.id, [ok(d.task('pre-job')), running(service)]);
    expect(afterPre?.message).toBe('waiting for healthy state of /Service/nginx');
    expect(afterPre?.results.map((r) => `${r.name}:${r.hookPhase}`)).toEqual(['pre-job:Succeeded', 'nginx:Running']);
    expect(recordProgress(d.op, 'another-step', [ok(d.task('pre-job'))])).toBeUndefined();
  });

  it('should not wait for plain resources in a single-step sync, nor in a final wave without hooks (§5.4, §5.8)', () => {
    const single = new Driver([newObj('ConfigMap', 'a'), newObj('Deployment', 'd')]);
    expect(single.run((_s, t) => t.map(ok))).toEqual(['prepare', 'wave Sync/0 final']);
    const twoWaves = new Driver([newObj('ConfigMap', 'a', { annotations: wave(-1) }), newObj('Deployment', 'd')]);
    expect(twoWaves.run((_s, t) => t.map(ok))).toEqual(['prepare', 'wave Sync/-1 +resources', 'wave Sync/0 final']);
    const hookInLast = new Driver([newObj('ConfigMap', 'a', { annotations: wave(-1) }), newObj('Deployment', 'd'), hook('Job', 'j', 'Sync')]);
    expect(hookInLast.run((_s, t) => t.map(ok))).toEqual(['prepare', 'wave Sync/-1 +resources', 'wave Sync/0 +resources final']);
  });

  it('scenario 1: a failed PreSync hook applies no Sync resource, runs SyncFail, ends Failed (§5.6)', () => {
    const d = new Driver(lab());
    const log = d.run((step, tasks) => tasks.map((t) => (t.name === 'pre-job' ? fail(t, 'Job has reached the specified backoff limit') : ok(t))));
    expect(log).toEqual(['prepare', 'wave PreSync/0 +resources', 'syncFail []']);
    expect(d.op.phase).toBe('Failed');
    expect(d.op.message).toBe('one or more synchronization tasks completed unsuccessfully, reason: Job pre-job: Job has reached the specified backoff limit');
    expect(d.op.results.map((r) => r.name)).toEqual(['pre-job', 'fail-job']);
  });

  it('scenario 2: an apply refused by the API server is SyncFailed, runs SyncFail, never PostSync (§5.8)', () => {
    const d = new Driver([...lab(), newObj('Pod', 'quick-fail-pod')]);
    const log = d.run((_s, tasks) => tasks.map((t) => (t.name === 'quick-fail-pod' ? applyFail(t, 'Pod "quick-fail-pod" is invalid') : ok(t))));
    expect(log.slice(-2)).toEqual(['wave Sync/0 +resources', 'syncFail []']);
    expect(d.op.phase).toBe('Failed');
    expect(d.op.message).toBe('one or more objects failed to apply, reason: Pod quick-fail-pod: Pod "quick-fail-pod" is invalid');
    expect(d.op.results.some((r) => r.name === 'post-job')).toBe(false);
  });

  it('should fail without SyncFail on invalid tasks or a dry-run failure (§5.1, §5.2)', () => {
    const d = new Driver(lab());
    const prep = d.next() as Step;
    d.report(prep, [applyFail(d.task('nginx'), 'namespaces "app" not found')], { plan: d.tasks, fatal: { phase: 'Failed', message: 'one or more objects failed to apply (dry run)' } });
    expect(d.next()).toBeUndefined();
    expect(d.op.phase).toBe('Failed');
    expect(d.op.message).toBe('one or more objects failed to apply (dry run)');
  });

  describe('§6 deletion policies follow the operation outcome', () => {
    const objects = (): KubeObject[] => [
      hook('Job', 'succ', 'PreSync', policy('HookSucceeded')),
      hook('Job', 'failp', 'PreSync', policy('HookFailed')),
      hook('Job', 'both', 'PostSync', policy('HookSucceeded,HookFailed')),
      hook('Job', 'sf', 'SyncFail', policy('HookFailed')),
      newObj('ConfigMap', 'c'),
    ];

    it('should delete HookSucceeded hooks at the end of a successful sync, keep HookFailed ones', () => {
      const d = new Driver(objects());
      const log = d.run((_s, t) => t.map(ok));
      expect(log.at(-1)).toBe('cleanup Succeeded [succ,both]');
      expect(d.op.phase).toBe('Succeeded');
    });

    it('should delete HookFailed hooks before SyncFail runs, then the SyncFail hooks with HookFailed (§5.6, §6.2)', () => {
      const d = new Driver(objects());
      const log = d.run((_s, t) => t.map((x) => (x.name === 'c' ? applyFail(x, 'bad') : ok(x))));
      expect(log.slice(-2)).toEqual(['syncFail [failp]', 'cleanup Failed [sf]']);
      expect(d.op.phase).toBe('Failed');
    });
  });

  it('should start SyncFail hooks all at once, whatever their waves (§5.6)', () => {
    const d = new Driver([hook('Job', 'p', 'PreSync'), hook('Job', 'f1', 'SyncFail', wave(1)), hook('Job', 'f2', 'SyncFail', wave(5))]);
    d.run((_s, t) => t.map((x) => (x.name === 'p' ? fail(x) : ok(x))));
    const sf = d.steps.find((s) => s.kind === 'syncFail');
    expect(sf?.taskKeys.map(shortName)).toEqual(['f1', 'f2']);
  });

  it('should add the SyncFail apply failure to the message (§5.6)', () => {
    const d = new Driver([hook('Job', 'p', 'PreSync'), hook('Job', 'f', 'SyncFail')]);
    d.run((_s, t) => t.map((x) => (x.name === 'p' ? fail(x, 'x') : applyFail(x, 'quota exceeded'))));
    expect(d.op.message).toBe('one or more synchronization tasks completed unsuccessfully, reason: Job p: x\none or more SyncFail hooks failed, reason: quota exceeded');
  });

  it('should ignore a stale or duplicate step result (D8)', () => {
    const d = new Driver(lab());
    const prep = d.next() as Step;
    d.report(prep, [], { plan: d.tasks });
    const first = d.next() as Step;
    const before = d.op;
    d.report({ ...first, id: 'op1-0-99' }, [ok(d.task('pre-job'))]);
    expect(d.op).toBe(before);
    d.report(first, [ok(d.task('pre-job'))]);
    const after = d.op;
    d.report(first, [fail(d.task('pre-job'))]);
    expect(d.op).toBe(after);
  });

  it('§10.1 terminate: the step in flight comes back terminated, then Failed "Operation terminated", no SyncFail', () => {
    const d = new Driver(lab());
    const prep = d.next() as Step;
    d.report(prep, [], { plan: d.tasks });
    const pre = d.next() as Step;
    d.op = requestTermination(d.op, 'user', NOW);
    expect(d.op.phase).toBe('Terminating');
    expect(d.next()).toBeUndefined(); // still waiting for the step
    d.report(pre, [resultFor(d.task('pre-job'), { status: 'Synced', hookPhase: 'Failed', message: 'Terminated' })], { terminated: true });
    expect(d.next()).toBeUndefined();
    expect(d.op.phase).toBe('Failed');
    expect(d.op.message).toBe('Operation terminated');
  });

  it('D3 operation timeout: SyncFail hooks run, the message says it timed out', () => {
    const d = new Driver(lab());
    const prep = d.next() as Step;
    d.report(prep, [], { plan: d.tasks });
    const pre = d.next() as Step;
    d.op = requestTermination(d.op, 'timeout', NOW);
    d.report(pre, [resultFor(d.task('pre-job'), { status: 'Synced', hookPhase: 'Failed', message: 'operation timed out while waiting for job.batch/pre-job to complete' })], { terminated: true });
    const sf = d.next();
    expect(sf?.kind).toBe('syncFail');
    d.report(sf as Step, [ok(d.task('fail-job'))]);
    d.next();
    expect(d.op.phase).toBe('Failed');
    expect(d.op.message).toMatch(/^operation timed out after 1h, reason: Job pre-job: operation timed out while waiting/);
  });

  it('§10.3 retry: Failed goes back to Running with a backoff, then starts over with a new prepare and the same startedAt', () => {
    const d = new Driver([hook('Job', 'p', 'PreSync'), newObj('ConfigMap', 'c')], { retry: { limit: 2, backoffMs: 5_000 } });
    d.run((_s, t) => t.map((x) => (x.name === 'p' ? fail(x, 'no') : ok(x))));
    expect(d.op.phase).toBe('Running');
    expect(d.op.retryCount).toBe(1);
    expect(d.op.retryAt).toBe(NOW + 5_000);
    expect(d.op.message).toMatch(/, reason: Job p: no\. Retrying attempt #1 at /);
    expect(d.next(NOW + 4_999)).toBeUndefined();
    expect(d.next(NOW + 5_000)?.kind).toBe('prepare');
    expect(d.op.results).toEqual([]);
    expect(d.op.startedAt).toBe(new Date(NOW).toISOString());
    expect(d.steps.at(-1)?.id).toBe('op1-1-1');
  });

  it('§10.3 retry backoff: 5, 10, 20, 40, 80 s, capped at 3 min', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => retryDelayMs({ limit: 5 }, n))).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 180_000]);
  });

  it('should note the retries when they are used up', () => {
    const d = new Driver([hook('Job', 'p', 'PreSync')], { retry: { limit: 1, backoffMs: 1 } });
    d.run((_s, t) => t.map((x) => fail(x, 'no')));
    d.next(NOW + 10);
    d.run((_s, t) => t.map((x) => fail(x, 'no')));
    expect(d.op.phase).toBe('Failed');
    expect(d.op.message).toBe('one or more synchronization tasks completed unsuccessfully, reason: Job p: no (retried 1 times).');
  });

  it('§5.9 should say what it waits for', () => {
    const d = new Driver(lab());
    const prep = d.next() as Step;
    d.report(prep, [], { plan: d.tasks });
    d.next();
    expect(d.op.message).toBe('waiting for completion of hook batch/Job/pre-job');
    d.report(d.steps.at(-1) as Step, [ok(d.task('pre-job'))]);
    d.next();
    expect(d.op.message).toBe('waiting for healthy state of /Service/nginx');
  });
});
