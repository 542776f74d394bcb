/**
 * Hook objects before a wave applies them (§4.5 steps 1 and 4) and when a policy deletes them
 * (§6.2): adopt what this attempt already created (D8), release old finalizers, delete the older
 * instance for BeforeHookCreation and wait until it is gone, keeping its logs first (D4).
 */
import { HOOK_FINALIZER } from '../manifests/index.js';
import type { KubeObject } from '../manifests/index.js';
import type { SyncTask } from '../plan/index.js';
import { TrackingKeys, resultFor } from '../sync/index.js';
import type { HookLog, TaskResult } from '../sync/index.js';
import { errorMessage } from '../util/index.js';
import { refOf } from './deps.js';
import type { StepDeps } from './deps.js';
import { captureLogs } from './logs.js';

/** How a hook task starts: already ours (adopt), over an older object (no BeforeHookCreation), or fresh. */
export interface HookStart {
  task: SyncTask;
  /** Created by this attempt already: do not create again (D8). */
  adopted?: KubeObject;
  /** An older instance that stays (no BeforeHookCreation): the apply goes over it (§7). */
  existing?: KubeObject;
  /** Logs of an older instance deleted by BeforeHookCreation (D4). */
  olderLogs?: HookLog[];
  /** Set when the older instance could not be removed: the task fails (§4.5 step 4). */
  error?: TaskResult;
}

/** Longest wait for an older hook instance to disappear. */
const DELETE_WAIT_MS = 5 * 60_000;

export async function startHooks(tasks: readonly SyncTask[], syncId: string, deps: StepDeps): Promise<HookStart[]> {
  return Promise.all(tasks.map((task) => startHook(task, syncId, deps)));
}

async function startHook(task: SyncTask, syncId: string, deps: StepDeps): Promise<HookStart> {
  const ref = refOf(task);
  const live = await deps.cluster.get(ref);
  if (!live) return { task };
  if (live.metadata.annotations?.[TrackingKeys.syncId] === syncId && !live.metadata.deletionTimestamp) return { task, adopted: live };
  // §4.5 step 1: release the finalizer an earlier operation left on it.
  await deps.cluster.removeFinalizer(ref, HOOK_FINALIZER);
  if (!task.deletePolicies?.includes('BeforeHookCreation')) return { task, existing: live };
  // §4.5 step 4 / §6.2: delete the older instance, keep its logs, wait until it is gone.
  const olderLogs = await captureLogs(deps.cluster, live, deps.logTailBytes);
  try {
    if (!live.metadata.deletionTimestamp) await deps.cluster.delete(ref, { propagationPolicy: 'Foreground' });
    await deps.cluster.waitFor(ref, (obj) => obj === undefined, {
      timeoutMs: Math.min(DELETE_WAIT_MS, task.hookTimeoutMs ?? DELETE_WAIT_MS),
      description: `the older ${task.kind} ${task.namespace ? `${task.namespace}/` : ''}${task.name} to be deleted (BeforeHookCreation)`,
      signal: deps.cancel.signal,
    });
  } catch (err) {
    return {
      task,
      olderLogs,
      error: resultFor(task, { status: 'SyncFailed', hookPhase: 'Error', message: `failed to delete the older hook: ${errorMessage(err)}`, logs: olderLogs, finishedAt: deps.now() }),
    };
  }
  return { task, olderLogs };
}

/**
 * §6.2 HookSucceeded / HookFailed and termination: keep the logs (D4), release the finalizer,
 * delete with Foreground propagation (as Argo CD's prune default). NotFound is fine.
 */
export async function deleteHook(task: SyncTask, deps: StepDeps): Promise<TaskResult> {
  const ref = refOf(task);
  try {
    const live = await deps.cluster.get(ref);
    if (!live) return resultFor(task, { message: '' });
    const logs = await captureLogs(deps.cluster, live, deps.logTailBytes);
    await deps.cluster.removeFinalizer(ref, HOOK_FINALIZER);
    await deps.cluster.delete(ref, { propagationPolicy: 'Foreground' });
    return resultFor(task, { message: '', logs });
  } catch (err) {
    deps.logger.warn('hook deletion failed', { task: task.key, error: errorMessage(err) });
    return resultFor(task, { hookPhase: 'Error', message: `failed to delete resource: ${errorMessage(err)}` });
  }
}
