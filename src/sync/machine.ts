/**
 * The sync state machine: a pure function from the stored operation to its next state and the
 * step a worker must run (docs/semantics.md §5, gitops-engine's re-entrant `Sync()`, D8). The
 * orchestrator only stores what this returns and enqueues the step; workers only carry steps out.
 *
 * Stages, in the order `advance` tries them (docs/semantics.md §5):
 *   retryIfDue → prepareOnce → finishIfTerminated → failIfAnyFailed → runSyncFailHooks →
 *   succeedIfNoPending → runNextWave
 */
import type { SyncPhase } from '../manifests/index.js';
import type { SyncTask } from '../plan/index.js';
import { formatMs } from '../util/index.js';
import { mergeResults, taskCompleted, taskFailed, taskLabel } from './results.js';
import { awaitConfirmation, needingConfirmation } from './confirmation.js';
import { retryDelayMs } from './retry.js';
import type { Operation, OperationSpec, Step, StepResult, TaskResult, WaveLink } from './types.js';

/** What `advance` decided: the new state, and the step to enqueue when there is one. */
export interface Advance {
  op: Operation;
  step?: Step;
  /** The operation reached a terminal phase in this transition. */
  finished: boolean;
}

export interface StartInput {
  id: string;
  spec: OperationSpec;
  now: number;
}

/** §5.10 start: Running, StartedAt = now. The deadline is D3's per-operation timeout. */
export function startOperation({ id, spec, now }: StartInput): Operation {
  return {
    id,
    app: spec.app,
    phase: 'Running',
    message: 'operation started',
    revision: spec.revision,
    startedAt: new Date(now).toISOString(),
    version: 0,
    spec,
    results: [],
    stepSeq: 0,
    retryCount: 0,
    deadlineAt: now + spec.timeoutMs,
    deletedHooks: [],
  };
}

/** The attempt number goes into step ids so a retry never collides with an earlier attempt's jobs. */
export function syncId(op: Pick<Operation, 'id' | 'retryCount'>): string {
  return `${op.id}-${op.retryCount}`;
}

/**
 * Record a worker's report. A report for a step that is not the one in flight (a redelivery,
 * a late duplicate) changes nothing.
 */
export function recordStepResult(op: Operation, result: StepResult): Operation {
  if (!op.step || op.step.id !== result.stepId || isDone(op)) return op;
  const next: Operation = { ...op, step: undefined, results: mergeResults(op.results, result.results) };
  delete next.step;
  if (result.plan) next.plan = result.plan;
  if (op.step.deleteKeys?.length) next.deletedHooks = [...new Set([...op.deletedHooks, ...op.step.deleteKeys])];
  if (result.fatal) return finishOrRetry(next, result.fatal.phase, result.fatal.message, result.finishedAt);
  if (result.error) return finishOrRetry(next, 'Error', result.error, result.finishedAt);
  if (result.terminated && !next.terminating) next.terminating = { reason: 'user', at: result.finishedAt };
  return next;
}

/**
 * Record a worker's progress (changed rows) for the step in flight; nothing for another step or a
 * finished operation. In a chained wave step (`Step.links`) the §5.9 message follows the link
 * being run: the worker reports a link's rows once its applies are done, links in order, so it is
 * the last link with a row.
 */
export function recordProgress(op: Operation, stepId: string, results: readonly TaskResult[]): Operation | undefined {
  if (op.step?.id !== stepId || isDone(op)) return undefined;
  const next: Operation = { ...op, results: mergeResults(op.results, [...results]) };
  const links = op.step.links;
  if (!links || op.terminating) return next;
  const byKey = new Map(next.results.map((r) => [r.key, r]));
  const current = [...links].reverse().find((l) => l.taskKeys.some((k) => byKey.has(k)));
  if (current) next.message = runningMessage(stepTasks(next, current), current.waitForResources);
  return next;
}

/** §10.1 / D3: ask for termination. Takes effect when the step in flight returns (or at once when none is). */
export function requestTermination(op: Operation, reason: 'user' | 'timeout', now: number): Operation {
  if (isDone(op) || op.terminating) return op;
  const next: Operation = { ...op, terminating: { reason, at: now }, phase: op.phase === 'Running' ? 'Terminating' : op.phase, message: reason === 'user' ? 'operation is terminating' : 'operation is terminating due to timeout' };
  // Nothing waits for a confirmation any more (§9.1, §11).
  delete next.awaitingConfirmation;
  return next;
}

/** Decide what happens next. Pure: `now` is passed in. */
export function advance(op: Operation, now: number): Advance {
  if (isDone(op) || op.step) return { op, finished: false };
  if (op.retryAt !== undefined && op.terminating) {
    // Terminated while waiting for a retry: no retry (§10.2).
    const next: Operation = { ...op };
    delete next.retryAt;
    return done(finish(next, 'Failed', 'Operation terminated', now));
  }
  if (op.retryAt !== undefined) {
    if (now < op.retryAt) return { op, finished: false };
    op = restartForRetry(op);
  }
  if (!op.plan) return emit(op, { kind: 'prepare', taskKeys: [] }, now, 'preparing: loading live state and running the dry run');

  // A cleanup that ran finishes with the outcome it was for, even when a terminate arrived meanwhile.
  if (op.finishing) return done(finishOrRetry(op, op.finishing.phase, op.finishing.message, now));
  if (op.terminating?.reason === 'user') return done(finishOrRetry(op, 'Failed', 'Operation terminated', now, { noRetry: true }));

  const plan = op.plan;
  const byKey = new Map(op.results.map((r) => [r.key, r]));
  const [failTasks, rest] = split(plan, (t) => t.phase === 'SyncFail');
  const failed = rest.filter((t) => taskFailed(byKey.get(t.key)));

  if (failed.length > 0 || op.terminating?.reason === 'timeout' || op.failureMessage) {
    return failurePath(op, { failed, failTasks, byKey, now });
  }

  const pending = rest.filter((t) => !byKey.has(t.key));
  if (pending.length === 0) {
    // §5.7 / §5.8 success: delete the HookSucceeded set, then Succeeded.
    const message = op.spec.deletion ? 'application deleted (all tasks run)' : 'successfully synced (all tasks run)';
    const deleteKeys = hooksToDelete(op, plan, byKey, 'HookSucceeded');
    if (deleteKeys.length > 0) {
      return emit({ ...op, finishing: { phase: 'Succeeded', message } }, { kind: 'cleanup', taskKeys: [], deleteKeys, outcome: 'Succeeded' }, now, `deleting hooks with HookSucceeded: ${deleteKeys.length}`);
    }
    return done(finishOrRetry(op, 'Succeeded', message, now));
  }
  return runNextWave(op, plan, pending, now);
}

/** The pending tasks by (phase, wave), each group in plan order, the groups in the order of their first task. */
function wavesOf(pending: readonly SyncTask[]): SyncTask[][] {
  const waves = new Map<string, SyncTask[]>();
  for (const task of pending) {
    const key = `${task.phase}/${task.wave}`;
    const group = waves.get(key);
    if (group) group.push(task);
    else waves.set(key, [task]);
  }
  return [...waves.values()];
}

/**
 * §5.7 step G + §5.8: the first pending (phase, wave), and how much of it to wait for; then, in
 * the same step, the waves after it up to one that needs a confirmation (issue 13: a worker goes
 * on to the next wave itself when no task of the one before failed, instead of a round trip
 * through the orchestrator per wave). An operation that deletes its application runs one wave per step.
 */
function runNextWave(op: Operation, plan: SyncTask[], pending: SyncTask[], now: number): Advance {
  const [wave, ...later] = wavesOf(pending) as [SyncTask[], ...SyncTask[][]];
  // §9.1, §11: Prune=confirm / Delete=confirm hold the operation (Running, no step) until confirmed or its deadline.
  const unconfirmed = needingConfirmation(op, wave, pending);
  if (unconfirmed.length > 0) return { op: awaitConfirmation(op, unconfirmed, now), finished: false };
  const last = pending[pending.length - 1] as SyncTask;
  const multi = multiStep(plan);
  const link = (tasks: SyncTask[]): WaveLink => {
    const head = tasks[0] as SyncTask;
    const finalWave = head.phase === last.phase && head.wave === last.wave;
    // §5.4: hooks are always awaited; resources only in a multi-step sync, and never in a final wave without hooks (§5.8).
    return { phase: head.phase, wave: head.wave, taskKeys: tasks.map((t) => t.key), waitForResources: multi && !(finalWave && !tasks.some((t) => t.hook)), finalWave };
  };
  const links = [link(wave)];
  if (!op.spec.deletion) {
    for (const next of later) {
      if (needingConfirmation(op, next, pending).length > 0) break;
      links.push(link(next));
    }
  }
  const first = links[0] as WaveLink;
  return emit(
    op,
    { kind: 'wave', phase: first.phase, wave: first.wave, taskKeys: links.flatMap((l) => l.taskKeys), waitForResources: first.waitForResources, finalWave: first.finalWave, ...(links.length > 1 ? { links } : {}) },
    now,
    runningMessage(wave, first.waitForResources),
  );
}

interface FailureInput {
  failed: SyncTask[];
  failTasks: SyncTask[];
  byKey: Map<string, TaskResult>;
  now: number;
}

/** §5.6: delete the HookFailed set, run every SyncFail hook at once, then Failed. */
function failurePath(op: Operation, { failed, failTasks, byKey, now }: FailureInput): Advance {
  const plan = op.plan as SyncTask[];
  const failureMessage = op.failureMessage ?? failureText(op, failed, byKey);
  if (failTasks.length > 0 && !op.syncFailStarted) {
    const deleteKeys = hooksToDelete(op, plan, byKey, 'HookFailed').filter((k) => !failTasks.some((t) => t.key === k));
    const next: Operation = { ...op, syncFailStarted: true, failureMessage, phase: 'Running' };
    return emit(next, { kind: 'syncFail', taskKeys: failTasks.map((t) => t.key), deleteKeys }, now, runningMessage(failTasks, false));
  }
  let message = failureMessage;
  const syncFailApplyFailed = failTasks.filter((t) => byKey.get(t.key)?.status === 'SyncFailed');
  if (syncFailApplyFailed.length > 0) {
    message += `\none or more SyncFail hooks failed, reason: ${syncFailApplyFailed.map((t) => byKey.get(t.key)?.message ?? '').join(',')}`;
  }
  const deleteKeys = hooksToDelete(op, plan, byKey, 'HookFailed');
  if (deleteKeys.length > 0) {
    return emit({ ...op, failureMessage, finishing: { phase: 'Failed', message } }, { kind: 'cleanup', taskKeys: [], deleteKeys, outcome: 'Failed' }, now, `deleting hooks with HookFailed: ${deleteKeys.length}`);
  }
  return done(finishOrRetry({ ...op, failureMessage }, 'Failed', message, now));
}

/**
 * §5.6 / §5.8 messages. Argo CD lists only SyncFailed tasks after "reason:"; we also name failed
 * hooks and Degraded resources with their messages, so a notification says why (docs/semantics.md §5.6).
 */
function failureText(op: Operation, failed: SyncTask[], byKey: Map<string, TaskResult>): string {
  const applyFailed = failed.some((t) => byKey.get(t.key)?.status === 'SyncFailed');
  let base = applyFailed ? 'one or more objects failed to apply' : 'one or more synchronization tasks completed unsuccessfully';
  if (op.terminating?.reason === 'timeout') base = `operation timed out after ${formatMs(op.spec.timeoutMs)}`;
  const reasons = failed.map((t) => `${t.kind} ${t.name}: ${byKey.get(t.key)?.message ?? ''}`.trim());
  return reasons.length > 0 ? `${base}, reason: ${reasons.join(', ')}` : base;
}

/** §5.5 delete sets: hooks with the policy, a live object (they ran) and not running, not yet deleted. */
function hooksToDelete(op: Operation, plan: SyncTask[], byKey: Map<string, TaskResult>, policy: 'HookSucceeded' | 'HookFailed'): string[] {
  return plan
    .filter((t) => t.hook && t.deletePolicies?.includes(policy) && !op.deletedHooks.includes(t.key))
    .filter((t) => {
      const r = byKey.get(t.key);
      return r !== undefined && r.status !== 'SyncFailed' && r.hookPhase !== 'Running';
    })
    .map((t) => t.key);
}

/** §5.4 multiStep: the first and last tasks of the whole sorted list differ in phase or wave. */
export function multiStep(plan: readonly SyncTask[]): boolean {
  const first = plan[0];
  const last = plan[plan.length - 1];
  return !!first && !!last && (first.phase !== last.phase || first.wave !== last.wave);
}

/** §5.9 messages while Running. */
export function runningMessage(tasks: readonly SyncTask[], waitForResources: boolean): string {
  const hooks = tasks.filter((t) => t.hook);
  const waiting = waitForResources ? tasks : hooks;
  const head = waiting[0];
  if (!head) return 'one or more tasks are running';
  const more = waiting.length - 1;
  const what = hooks.length > 0 ? `waiting for completion of hook ${taskLabel(hooks[0] as SyncTask)}` : `waiting for healthy state of ${taskLabel(head)}`;
  if (more === 0) return what;
  return `${what} and ${more} more ${waiting.every((t) => t.hook) ? 'hooks' : 'resources'}`;
}

function emit(op: Operation, fields: Omit<Step, 'id' | 'seq' | 'emittedAt'>, now: number, message: string): Advance {
  const seq = op.stepSeq + 1;
  const step: Step = { ...fields, id: `${syncId(op)}-${seq}`, seq, emittedAt: now };
  return { op: { ...op, step, stepSeq: seq, message, phase: op.terminating ? op.phase : 'Running' }, step, finished: false };
}

function done(op: Operation): Advance {
  return { op, finished: isDone(op) };
}

function finish(op: Operation, phase: 'Succeeded' | 'Failed' | 'Error', message: string, now: number): Operation {
  const next: Operation = { ...op, phase, message, finishedAt: new Date(now).toISOString() };
  delete next.step;
  delete next.finishing;
  delete next.awaitingConfirmation;
  return next;
}

/**
 * §10.3: a Failed or Error operation with retries left goes back to Running and waits for its
 * backoff; the results are cleared when the retry starts. StartedAt is kept, so generated hook
 * names repeat. Termination is never retried (§10.2).
 */
function finishOrRetry(op: Operation, phase: 'Succeeded' | 'Failed' | 'Error', message: string, now: number, opts: { noRetry?: boolean } = {}): Operation {
  const retry = op.spec.retry;
  if (phase === 'Succeeded') return finish(op, phase, message, now);
  if (opts.noRetry || op.terminating || !retry || retry.limit === 0) return finish(op, phase, withRetryNote(op, message), now);
  if (retry.limit > 0 && op.retryCount >= retry.limit) return finish(op, phase, withRetryNote(op, message), now);
  const delay = retryDelayMs(retry, op.retryCount);
  const at = now + delay;
  const next: Operation = {
    ...op,
    phase: 'Running',
    message: `${message}. Retrying attempt #${op.retryCount + 1} at ${new Date(at).toISOString()}.`,
    retryCount: op.retryCount + 1,
    retryAt: at,
    finishedAt: new Date(now).toISOString(),
  };
  delete next.step;
  delete next.finishing;
  return next;
}

function withRetryNote(op: Operation, message: string): string {
  return op.retryCount > 0 ? `${message} (retried ${op.retryCount} times).` : message;
}

/** §10.3 step 4: clear the results and start again (new dry run, all hooks again). */
function restartForRetry(op: Operation): Operation {
  const next: Operation = { ...op, results: [], stepSeq: 0, deletedHooks: [], message: `Retrying operation. Attempt #${op.retryCount}` };
  for (const key of ['plan', 'retryAt', 'finishedAt', 'syncFailStarted', 'failureMessage', 'finishing', 'step', 'awaitingConfirmation'] as const) delete next[key];
  return next;
}

export function isDone(op: Pick<Operation, 'phase' | 'retryAt'>): boolean {
  return (op.phase === 'Succeeded' || op.phase === 'Failed' || op.phase === 'Error') && op.retryAt === undefined;
}

function split<T>(items: readonly T[], pred: (t: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (pred(item) ? yes : no).push(item);
  return [yes, no];
}

/** The tasks of a step, looked up in the plan. */
export function stepTasks(op: Pick<Operation, 'plan'>, step: Pick<Step, 'taskKeys'>): SyncTask[] {
  const byKey = new Map((op.plan ?? []).map((t) => [t.key, t]));
  return step.taskKeys.map((k) => byKey.get(k)).filter((t): t is SyncTask => t !== undefined);
}

/** Keys of the SyncFail phase. */
export function isSyncFailPhase(phase: SyncPhase): boolean {
  return phase === 'SyncFail';
}

export { taskCompleted };
