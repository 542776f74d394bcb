/**
 * Hook objects before a wave applies them (§4.5 steps 1 and 4) and when a policy deletes them
 * (§6.2): adopt what this attempt already created (D8), release old finalizers, delete the older
 * instance for BeforeHookCreation and wait until it is gone, keeping its logs first (D4).
 */
import { HOOK_FINALIZER } from '../manifests/index.js';
import type { KubeObject } from '../manifests/index.js';
import type { SyncTask } from '../plan/index.js';
import { TrackingKeys, resultFor, trackedApp } from '../sync/index.js';
import type { HookLog, TaskResult } from '../sync/index.js';
import { errorMessage } from '../util/index.js';
import { MIN_WAIT_MS, refOf } from './deps.js';
import type { StepDeps } from './deps.js';
import { isInfrastructureError, settleAll } from './failures.js';
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
  /** The live object is not tracked by this application: applied over, never deleted (§7). */
  foreign?: boolean;
}

/** Longest wait for an older hook instance to disappear. */
const DELETE_WAIT_MS = 5 * 60_000;

/**
 * The sync id a hook object of this attempt carries, per phase: a named hook with two phases
 * (`PreSync,PostSync`) is one object per phase run, never adopted across phases (§2.5, §3 step 5).
 */
export function hookSyncId(syncId: string, task: Pick<SyncTask, 'phase'>): string {
  return `${syncId}/${task.phase}`;
}

function failed(task: SyncTask, deps: StepDeps, message: string, olderLogs?: HookLog[]): HookStart {
  return {
    task,
    ...(olderLogs ? { olderLogs } : {}),
    error: resultFor(task, { status: 'SyncFailed', hookPhase: 'Error', message, ...(olderLogs ? { logs: olderLogs } : {}), finishedAt: deps.now() }),
  };
}

/**
 * §4.5 step 1, and the live lookup of §3 step 5: find each hook's live object; adopt what this
 * attempt created (D8); release the finalizer an earlier operation left. An object this
 * application does not track is not "found" (§7): the apply goes over it, nothing deletes it.
 * A read refused for this object (a 403) fails its task; an infrastructure failure is thrown.
 */
export async function inspectHooks(tasks: readonly SyncTask[], ctx: { app: string; syncId: string }, deps: StepDeps): Promise<HookStart[]> {
  return settleAll(
    tasks.map(async (task): Promise<HookStart> => {
      const ref = refOf(task);
      try {
        const live = await deps.cluster.get(ref);
        if (!live) return { task };
        if (trackedApp(live) !== ctx.app) return { task, existing: live, foreign: true };
        if (live.metadata.annotations?.[TrackingKeys.syncId] === hookSyncId(ctx.syncId, task) && !live.metadata.deletionTimestamp) return { task, adopted: live };
        await deps.cluster.removeFinalizer(ref, HOOK_FINALIZER);
        return { task, existing: live };
      } catch (err) {
        if (isInfrastructureError(err)) throw err;
        return failed(task, deps, `reading the hook's live object: ${errorMessage(err)}`);
      }
    }),
  );
}

/**
 * §4.5 step 4 / §6.2 BeforeHookCreation: delete the older instance (its logs kept first, D4) and
 * wait until it is gone, within the operation's deadline (at least `MIN_WAIT_MS`, so a passed
 * deadline gives D3's message). Other hooks pass through. An infrastructure failure is thrown;
 * the redelivered step finds the older instance being deleted, or gone.
 */
export async function replaceOlderHooks(starts: readonly HookStart[], deadlineAt: number, deps: StepDeps): Promise<HookStart[]> {
  return settleAll(
    starts.map(async (start): Promise<HookStart> => {
      const { task, existing: live } = start;
      if (!live || start.error || start.foreign || !task.deletePolicies?.includes('BeforeHookCreation')) return start;
      const ref = refOf(task);
      const olderLogs = await captureLogs(deps.cluster, live, deps.logTailBytes);
      try {
        if (!live.metadata.deletionTimestamp) await deps.cluster.delete(ref, { propagationPolicy: 'Foreground' });
        await deps.cluster.waitFor(ref, (obj) => obj === undefined, {
          timeoutMs: Math.max(MIN_WAIT_MS, Math.min(DELETE_WAIT_MS, task.hookTimeoutMs ?? DELETE_WAIT_MS, deadlineAt - deps.now())),
          description: `the older ${task.kind} ${task.namespace ? `${task.namespace}/` : ''}${task.name} to be deleted (BeforeHookCreation)`,
          signal: deps.cancel.signal,
        });
      } catch (err) {
        if (isInfrastructureError(err)) throw err;
        return failed(task, deps, `failed to delete the older hook: ${errorMessage(err)}`, olderLogs);
      }
      return { task, olderLogs };
    }),
  );
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
