/** Carry out one step (the preparation, a run of waves, the SyncFail hooks or a cleanup) against the cluster and report every task's result. */
import type { SyncTask } from '../plan/index.js';
import type { StepJobData } from '../queue/index.js';
import { taskFailed } from '../sync/index.js';
import type { StepResult, TaskResult, WaveLink } from '../sync/index.js';
import { sleep } from '../util/index.js';
import { applyTasks, pruneTasks } from './apply.js';
import type { Applied } from './apply.js';
import type { StepDeps } from './deps.js';
import { deleteHook, inspectHooks, replaceOlderHooks } from './hooks.js';
import type { HookStart } from './hooks.js';
import { runPrepare } from './prepare.js';
import { StepPlanError, inlineTasksOnly } from './step-plan.js';
import type { StepPlanReader, StepTasks } from './step-plan.js';
import { awaitTasks } from './wait.js';

/**
 * Run one step. `plans` gives a wave, syncFail or cleanup step its tasks (read by reference from
 * the plan key, see step-plan.ts); without it only a payload with inline tasks runs.
 */
export async function runStep(data: StepJobData, deps: StepDeps, plans: StepPlanReader = inlineTasksOnly): Promise<StepResult> {
  const { step, context } = data;
  const base = { stepId: step.id, operationId: context.operationId };
  if (step.kind === 'prepare') return prepare(data, deps);
  let tasks: StepTasks;
  try {
    tasks = await plans.tasksOf(data);
  } catch (err) {
    // Gone (Redis lost it) or another attempt's: this attempt cannot go on (a retry plans again).
    if (err instanceof StepPlanError) return { ...base, results: [], error: err.message, finishedAt: deps.now() };
    throw err;
  }
  switch (step.kind) {
    case 'wave':
      if (step.links) return runLinks(data, tasks.tasks, step.links, deps);
      return runWave(data, tasks.tasks, { waitForResources: step.waitForResources ?? false, finalWave: step.finalWave ?? true }, deps);
    case 'syncFail': {
      // §5.6: delete the HookFailed set first, then every SyncFail hook at once.
      const deleted = await deleteAll(tasks.deleteTasks, deps);
      const ran = await runWave(data, tasks.tasks, { waitForResources: false, finalWave: true, ownDeadline: true }, deps);
      return { ...ran, results: [...deleted, ...ran.results] };
    }
    case 'cleanup':
      return { ...base, results: await deleteAll(tasks.deleteTasks, deps), finishedAt: deps.now() };
  }
}

async function prepare(data: StepJobData, deps: StepDeps): Promise<StepResult> {
  const { step, context } = data;
  const base = { stepId: step.id, operationId: context.operationId };
  if (!data.prepare) return { ...base, results: [], error: 'prepare step without its input', finishedAt: deps.now() };
  const { manifestsKey } = data.prepare;
  let manifests = data.prepare.manifests ?? [];
  if (manifestsKey) {
    const read = deps.manifestSet ? await deps.manifestSet(manifestsKey) : undefined;
    // Gone: Redis lost it (no persistence, a failover), so no attempt of this operation can plan any more.
    if (!read) return { ...base, results: [], fatal: { phase: 'Error', message: `the operation's manifests are gone from Redis (key ${manifestsKey}); sync again` }, finishedAt: deps.now() };
    manifests = read;
  }
  return runPrepare(step.id, context, { ...data.prepare, manifests }, deps);
}

async function deleteAll(tasks: readonly SyncTask[], deps: StepDeps): Promise<TaskResult[]> {
  return Promise.all(tasks.map((t) => deleteHook(t, deps)));
}

/**
 * A chained wave step (`Step.links`): each link as a wave of its own, in order. The next starts
 * only when no task of the ones before failed (`taskFailed`, what `advance` would have decided)
 * and the step was not stopped; otherwise the step ends there and the orchestrator decides (the
 * failure path, termination). Progress carries the finished links' results along, so the
 * operation shows them while the later links run. A redelivered step starts again at its first
 * link: applies are idempotent and the hooks this attempt made are adopted, not run again (D8).
 */
async function runLinks(data: StepJobData, tasks: readonly SyncTask[], links: readonly WaveLink[], deps: StepDeps): Promise<StepResult> {
  const byKey = new Map(tasks.map((t) => [t.key, t]));
  const results: TaskResult[] = [];
  let last: StepResult | undefined;
  for (const link of links) {
    const finished = [...results];
    const linkDeps: StepDeps = finished.length > 0 ? { ...deps, progress: (r) => deps.progress([...finished, ...r]) } : deps;
    const linkTasks = link.taskKeys.map((k) => byKey.get(k)).filter((t): t is SyncTask => t !== undefined);
    last = await runWave(data, linkTasks, { waitForResources: link.waitForResources, finalWave: link.finalWave }, linkDeps);
    results.push(...last.results);
    if (last.terminated || last.error !== undefined || last.results.some((r) => taskFailed(r))) break;
  }
  return { ...(last ?? { stepId: data.step.id, operationId: data.context.operationId }), results, finishedAt: deps.now() };
}

interface WaveOptions {
  waitForResources: boolean;
  finalWave: boolean;
  /** SyncFail hooks run after a failure, possibly after the operation deadline: they get their own (D3). */
  ownDeadline?: boolean;
}

/**
 * §4.5 then §5.4: look up hooks and release old finalizers, prune (a failed prune stops the
 * wave), BeforeHookCreation deletes, applies by kind, then wait. A step whose operation is
 * terminating applies nothing more (§10.1).
 */
async function runWave(data: StepJobData, tasks: readonly SyncTask[], options: WaveOptions, deps: StepDeps): Promise<StepResult> {
  const { step, context } = data;
  const base = { stepId: step.id, operationId: context.operationId };
  const stopped = (results: TaskResult[]): StepResult => ({ ...base, results, terminated: true, finishedAt: deps.now() });
  if (deps.cancel.signal.aborted) return stopped([]);
  const deadlineAt = options.ownDeadline ? Math.max(context.deadlineAt, deps.now() + context.hookTimeoutMs) : context.deadlineAt;
  const hooks = tasks.filter((t) => t.hook && t.target);
  const inspected = context.dryRun ? [] : await inspectHooks(hooks, context, deps);

  const pruned = await pruneTasks(tasks.filter((t) => t.prune), context, deps);
  if (pruned.some((p) => p.result.status === 'SyncFailed')) {
    // §4.5 step 3: a failed prune fails the wave before any apply.
    return { ...base, results: pruned.map((p) => p.result), finishedAt: deps.now() };
  }
  const starts = new Map<string, HookStart>((await replaceOlderHooks(inspected, deadlineAt, deps)).map((s) => [s.task.key, s]));
  if (deps.cancel.signal.aborted) return stopped(pruned.map((p) => p.result));
  const applied = await applyTasks(tasks.filter((t) => !t.prune), starts, context, deps);
  deps.progress([...pruned, ...applied].map((a) => a.result));

  // [GE] §5.8: once an apply failed the wave has failed; running hooks are still awaited, plain
  // resources no longer hold up the SyncFail hooks.
  const applyFailed = applied.some((a) => a.result.status === 'SyncFailed');
  const awaited = await awaitTasks(applied, { waitForResources: options.waitForResources && !applyFailed, deadlineAt, hookTimeoutMs: context.hookTimeoutMs }, deps);
  const results = [...pruned.map((p: Applied) => p.result), ...awaited.results];
  if (awaited.terminated || deps.cancel.signal.aborted) return stopped(results);
  // D2: no fixed pause between waves; an optional one for slow controllers.
  if (!options.finalWave && context.waveDelayMs > 0) await sleep(context.waveDelayMs, deps.cancel.signal).catch(() => undefined);
  return { ...base, results, finishedAt: deps.now() };
}
