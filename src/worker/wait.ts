/**
 * Waiting for a wave's tasks (§5.3–§5.4): hooks always, plain resources when the step says so;
 * by watch (the adapter's waitFor: a lookup in its shared informer plus events), never a fixed sleep (D2), each wait with a deadline (D3).
 * A completed hook's logs are kept and its finalizer released at once (§5.5, D4).
 */
import { resourceHealth } from '../cluster/health/index.js';
import { HOOK_FINALIZER } from '../manifests/index.js';
import type { KubeObject } from '../manifests/index.js';
import { hookVerdict, resourceVerdict } from '../sync/index.js';
import type { Health, TaskResult, TaskVerdict } from '../sync/index.js';
import { AbortedError, DeadlineExceededError, errorMessage } from '../util/index.js';
import type { Applied } from './apply.js';
import { MIN_WAIT_MS, kubectlName, refOf } from './deps.js';
import type { StepDeps } from './deps.js';
import { deleteHook } from './hooks.js';
import { captureLogs } from './logs.js';

export interface AwaitOptions {
  waitForResources: boolean;
  /** Epoch ms no wait goes beyond. */
  deadlineAt: number;
  /** Default hook timeout (D3), ms. */
  hookTimeoutMs: number;
}

/** The result of waiting: final task results, and whether the wait was cut short by termination. */
export interface AwaitOutcome {
  results: TaskResult[];
  terminated: boolean;
}

export function verdictOf(applied: Applied, obj: KubeObject): { verdict: TaskVerdict; health: Health | undefined } {
  const health = resourceHealth(obj, { hookFinalizer: HOOK_FINALIZER });
  const verdict = applied.task.hook ? hookVerdict(health, applied.task.name) : resourceVerdict(health);
  return { verdict, health };
}

export async function awaitTasks(applied: readonly Applied[], options: AwaitOptions, deps: StepDeps): Promise<AwaitOutcome> {
  const outcomes = await Promise.all(applied.map((a) => awaitOne(a, options, deps)));
  return { results: outcomes.map((o) => o.result), terminated: outcomes.some((o) => o.terminated) };
}

async function awaitOne(applied: Applied, options: AwaitOptions, deps: StepDeps): Promise<{ result: TaskResult; terminated: boolean }> {
  const { task } = applied;
  const awaited = applied.object !== undefined && applied.result.status === 'Synced' && (task.hook || options.waitForResources);
  if (!awaited || !applied.object) return { result: applied.result, terminated: false };
  const ref = refOf(task);
  // D3: the hook timeout and the operation deadline; once the deadline has passed, one short look
  // (`MIN_WAIT_MS`), so the task fails with what was awaited and last seen (or completes, if it has).
  const timeoutMs = Math.max(MIN_WAIT_MS, task.hook ? Math.min(task.hookTimeoutMs ?? options.hookTimeoutMs, options.deadlineAt - deps.now()) : options.deadlineAt - deps.now());
  let last: { verdict: TaskVerdict; health: Health | undefined } | undefined;
  const what = task.hook ? `${kubectlName(task)} to complete` : `${kubectlName(task)} to be healthy`;
  try {
    // The apply's answer is the object's state as of that write: succeeded already (a ConfigMap, an
    // unchanged Deployment that is available), nothing to wait for and no informer to subscribe to.
    // Any other verdict is looked at again by the wait (an answer may lack the status a controller sets next).
    const settled = verdictOf(applied, applied.object);
    if (settled.verdict.phase === 'Succeeded') last = settled;
    const obj = last ? applied.object : await deps.cluster.waitFor(
      ref,
      (o) => {
        if (!o) return true;
        last = verdictOf(applied, o);
        return last.verdict.phase !== 'Running';
      },
      // The state just applied anchors the wait: the shared informer's older states are not taken for it.
      { timeoutMs, description: what, signal: deps.cancel.signal, after: { resourceVersion: applied.object.metadata.resourceVersion } },
    );
    if (!obj) {
      // §5.4 [GE]: the object of a running task vanished.
      return { result: { ...applied.result, status: 'SyncFailed', hookPhase: 'Error', message: `Resource ${task.group}/${task.kind}/${task.namespace}/${task.name} is missing, it might have been deleted`, finishedAt: deps.now() }, terminated: false };
    }
    const { verdict, health } = last ?? verdictOf(applied, obj);
    const result: TaskResult = { ...applied.result, hookPhase: verdict.phase, message: verdict.message || applied.result.message, finishedAt: deps.now(), ...(health ? { health } : {}) };
    if (task.hook) await completeHook(result, obj, deps);
    return { result, terminated: false };
  } catch (err) {
    if (err instanceof AbortedError || deps.cancel.signal.aborted) return terminate(applied, deps);
    const failed: TaskResult = {
      ...applied.result,
      hookPhase: 'Failed',
      message: err instanceof DeadlineExceededError ? err.message : `waiting for ${what}: ${errorMessage(err)}`,
      finishedAt: deps.now(),
      ...(last?.health ? { health: last.health } : {}),
    };
    if (task.hook) {
      // D3: a timed-out hook is stopped, as on termination.
      const deleted = await deleteHook(task, deps);
      if (deleted.logs) failed.logs = [...(failed.logs ?? []), ...deleted.logs];
    }
    return { result: failed, terminated: false };
  }
}

/** §5.5 + D4: keep the logs, then release our finalizer. */
async function completeHook(result: TaskResult, obj: KubeObject, deps: StepDeps): Promise<void> {
  const logs = await captureLogs(deps.cluster, obj, deps.logTailBytes);
  if (logs.length > 0) result.logs = [...(result.logs ?? []), ...logs];
  try {
    await deps.cluster.removeFinalizer({ apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' }, HOOK_FINALIZER);
  } catch (err) {
    result.hookPhase = 'Error';
    result.message = `failed to remove the hook finalizer: ${errorMessage(err)}`;
  }
}

/**
 * §10.1 for a task still running when the operation terminates: a hook that just finished keeps
 * its real phase; one still running, or whose state cannot be read (unknown: a failed read is not
 * "gone"), is deleted (logs kept) and marked Failed "Terminated" (or, for the operation deadline,
 * D3's message) — or Error with the reason when that deletion fails, since it may still run. Only
 * a hook whose object is gone is Succeeded "Terminated". Plain resources are not rolled back.
 * Nothing here throws: a redelivered step of a terminating operation applies and deletes nothing.
 */
async function terminate(applied: Applied, deps: StepDeps): Promise<{ result: TaskResult; terminated: boolean }> {
  const { task } = applied;
  const reason = deps.cancel.reason() ?? 'user';
  const now = deps.now();
  if (!task.hook) {
    if (reason === 'timeout') return { result: { ...applied.result, hookPhase: 'Failed', message: `operation timed out while waiting for ${kubectlName(task)} to be healthy`, finishedAt: now }, terminated: true };
    return { result: applied.result, terminated: true };
  }
  let live: KubeObject | undefined;
  try {
    live = await deps.cluster.get(refOf(task));
    if (!live) return { result: { ...applied.result, hookPhase: 'Succeeded', message: 'Terminated', finishedAt: now }, terminated: true };
  } catch (err) {
    // Not "gone": its state is unknown, and §10.1 deletes a hook whose state is unknown.
    deps.logger.warn('terminating: cannot read the hook, deleting it', { task: task.key, error: errorMessage(err) });
  }
  const seen = live ? verdictOf(applied, live) : undefined;
  const health = seen?.health ? { health: seen.health } : {};
  if (live && seen && seen.verdict.phase !== 'Running') {
    // It just finished: its real phase; deleted only with HookFailed.
    const deleted = task.deletePolicies?.includes('HookFailed') ? await deleteHook(task, deps) : undefined;
    if (!deleted) {
      const logs = await captureLogs(deps.cluster, live, deps.logTailBytes);
      await deps.cluster.removeFinalizer(refOf(task), HOOK_FINALIZER).catch(() => undefined);
      if (logs.length) applied.result.logs = [...(applied.result.logs ?? []), ...logs];
    }
    const logs = deleted?.logs ? { logs: [...(applied.result.logs ?? []), ...deleted.logs] } : {};
    return { result: { ...applied.result, hookPhase: seen.verdict.phase, message: seen.verdict.message, finishedAt: now, ...health, ...logs }, terminated: true };
  }
  // Still running, or unknown: stop it.
  const deleted = await deleteHook(task, deps);
  const logs = deleted.logs ? { logs: [...(applied.result.logs ?? []), ...deleted.logs] } : {};
  if (deleted.hookPhase === 'Error') {
    // Not stopped (it may still run): an error, never "Terminated".
    return { result: { ...applied.result, hookPhase: 'Error', message: deleted.message, finishedAt: now, ...health, ...logs }, terminated: true };
  }
  const message = reason === 'timeout' ? `operation timed out while waiting for ${kubectlName(task)} to complete` : 'Terminated';
  return { result: { ...applied.result, hookPhase: 'Failed', message, finishedAt: now, ...health, ...logs }, terminated: true };
}
