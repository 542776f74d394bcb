/**
 * §4.5 steps 3 and 5: prunes, then applies in runs of the same kind — each run in parallel, runs
 * one after the other, not waiting for health. A failed apply does not stop later kind groups.
 * An infrastructure failure (`failures.ts`) is thrown, once the calls under way have returned,
 * so the queue retries the step; any other failure is the task's result.
 */
import { respectIgnoredFields } from '../diff/index.js';
import { AnnotationKeys, SyncOptions, crdDefinition, parseCsv } from '../manifests/index.js';
import type { KubeObject } from '../manifests/index.js';
import type { PropagationPolicy } from '../cluster/index.js';
import type { SyncTask } from '../plan/index.js';
import type { StepContext } from '../queue/index.js';
import { applyStrategy, decorateForApply, isOwnedBy, resultFor } from '../sync/index.js';
import type { TaskResult } from '../sync/index.js';
import { errorMessage, sleep } from '../util/index.js';
import { applyObject } from './apply-object.js';
import { MIN_WAIT_MS, kubectlName, refOf } from './deps.js';
import type { StepDeps } from './deps.js';
import { isInfrastructureError, settleAll } from './failures.js';
import { hookSyncId } from './hooks.js';
import type { HookStart } from './hooks.js';

/** The outcome of applying one task: its result, and the object as applied (for waiting). */
export interface Applied {
  task: SyncTask;
  result: TaskResult;
  object?: KubeObject;
}

/** Split into runs of consecutive tasks with the same kind name (§4.5 step 5). */
export function kindRuns(tasks: readonly SyncTask[]): SyncTask[][] {
  const runs: SyncTask[][] = [];
  for (const task of tasks) {
    const last = runs[runs.length - 1];
    if (last && last[0]?.kind === task.kind) last.push(task);
    else runs.push([task]);
  }
  return runs;
}

export async function applyTasks(tasks: readonly SyncTask[], starts: ReadonlyMap<string, HookStart>, ctx: StepContext, deps: StepDeps): Promise<Applied[]> {
  const out: Applied[] = [];
  for (const run of kindRuns(tasks)) {
    out.push(...(await settleAll(run.map((task) => applyOne(task, starts.get(task.key), ctx, deps)))));
  }
  return out;
}

async function applyOne(task: SyncTask, start: HookStart | undefined, ctx: StepContext, deps: StepDeps): Promise<Applied> {
  const startedAt = deps.now();
  if (start?.error) return { task, result: start.error };
  if (!task.target) return { task, result: resultFor(task, { status: 'SyncFailed', hookPhase: 'Failed', message: 'nothing to apply' }) };
  if (start?.adopted) {
    return { task, object: start.adopted, result: resultFor(task, { status: 'Synced', hookPhase: 'Running', message: `${kubectlName(task)} adopted (created earlier by this operation)`, startedAt, ...(start.olderLogs ? { logs: start.olderLogs } : {}) }) };
  }
  const target = task.namespace ? task.target : withoutNamespace(task.target);
  // The namespace CreateNamespace makes is not tracked: it is never the app's to prune (§9.7).
  const decorated = task.createNamespace ? target : decorateForApply(target, {
    app: ctx.app,
    ...(task.hook ? { hook: { syncId: hookSyncId(ctx.syncId, task), env: { app: ctx.app, operationId: ctx.operationId, revision: ctx.revision, phase: task.phase, ...(ctx.failure !== undefined ? { failure: ctx.failure } : {}) } } } : {}),
    ...(start?.existing && !start.foreign ? { existing: start.existing } : {}),
  });
  const logs = start?.olderLogs ? { logs: start.olderLogs } : {};
  if (ctx.dryRun) {
    return { task, result: resultFor(task, { status: 'Synced', hookPhase: 'Succeeded', message: `${kubectlName(task)} configured (dry run)`, startedAt, finishedAt: deps.now(), ...logs }) };
  }
  try {
    const before = task.hook ? start?.existing : await deps.cluster.get(refOf(task));
    const chosen = applyStrategy(task.target, before, ctx.syncOptions ?? []);
    // An object of another sync (a foreign hook, §7) is never deleted to re-create it.
    const strategy = start?.foreign ? { ...chosen, replace: false, force: false } : chosen;
    // §9.12: RespectIgnoreDifferences keeps the live values of the fields ignoreDifferences names
    // (decorated again after, so a rule never takes the tracking label or annotation away).
    const respect = before && !task.hook && !task.createNamespace && (ctx.syncOptions ?? []).includes(SyncOptions.respectIgnoreDifferences);
    const toApply = respect ? decorateForApply(respectIgnoredFields(decorated, before, ctx.ignoreDifferences ?? []), { app: ctx.app }) : decorated;
    const { object, verb } = await applyObject({ object: toApply, before, strategy, deadlineAt: ctx.deadlineAt }, deps);
    if (task.kind === 'CustomResourceDefinition') await crdEstablished(object, deps);
    return { task, object, result: resultFor(task, { status: 'Synced', hookPhase: 'Running', message: `${kubectlName(task)} ${verb}`, startedAt, ...logs }) };
  } catch (err) {
    // A blip is the step's failure, retried by the queue; a redelivery adopts a hook applied meanwhile (D8).
    if (isInfrastructureError(err)) throw err;
    return { task, result: resultFor(task, { status: 'SyncFailed', hookPhase: 'Failed', message: errorMessage(err), startedAt, finishedAt: deps.now(), ...logs }) };
  }
}

/** A cluster-scoped target: the destination namespace the planner filled in goes (§3 step 3). */
function withoutNamespace(target: KubeObject): KubeObject {
  const { namespace: _dropped, ...metadata } = target.metadata;
  return { ...target, metadata };
}

/** How often, and how many times at most, discovery is asked again while a new CRD's kind is not served yet. */
const CRD_DISCOVERY_POLL_MS = 100;
const CRD_DISCOVERY_POLLS = 30;

/**
 * §9.6: after a CRD is applied, wait up to 3 s for it to be Established and for discovery to serve
 * its kind in every served version: kube-apiserver publishes a new group version a moment after
 * Established, and the next wave's objects of that kind (in the same step, `Step.links`) are
 * applied right after. Running out of the 3 s, or a failed read, is only logged: the apply then says what is missing.
 */
async function crdEstablished(crd: KubeObject, deps: StepDeps): Promise<void> {
  const deadline = deps.now() + 3_000;
  deps.cluster.invalidateDiscovery();
  try {
    await deps.cluster.waitFor(
      { apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name ?? '' },
      (obj) => ((obj?.['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True'),
      { timeoutMs: 3_000, description: `CRD ${crd.metadata.name} to be Established` },
    );
    const defined = crdDefinition(crd);
    for (const apiVersion of defined?.servedApiVersions ?? []) {
      for (let poll = 1; ; poll++) {
        deps.cluster.invalidateDiscovery();
        if (await deps.cluster.resourceInfo(apiVersion, defined?.kind ?? '')) break;
        if (poll >= CRD_DISCOVERY_POLLS || deps.now() >= deadline) {
          deps.logger.info('CRD established, its kind not yet served', { crd: crd.metadata.name, apiVersion, kind: defined?.kind });
          return;
        }
        await sleep(CRD_DISCOVERY_POLL_MS, deps.cancel.signal);
      }
    }
  } catch (err) {
    // A termination ends the wait: the step stops after this apply (its result stands).
    if (!deps.cancel.signal.aborted) deps.logger.info('CRD not yet established', { crd: crd.metadata.name, error: errorMessage(err) });
  } finally {
    deps.cluster.invalidateDiscovery();
  }
}

/**
 * §9.1 prune: skipped unless pruning is on; `Prune=false` on the live object skips it; an object
 * already being deleted is not deleted again; `PrunePropagationPolicy` picks the propagation
 * (Foreground by default). §5.4: the wave then waits until the deletions finish. The object
 * pruned is the one the prepare step saw (its uid, the delete's precondition): once it is gone
 * the prune is done, even if another object took its name meanwhile.
 * Every delete goes out before any wait, and an infrastructure failure is thrown once they have
 * all returned (no wait of another prune holds it up); the waits cannot leave one behind either.
 */
export async function pruneTasks(tasks: readonly SyncTask[], ctx: StepContext, deps: StepDeps): Promise<Applied[]> {
  const started = await settleAll(tasks.map((task) => startPrune(task, ctx, deps)));
  return settleAll(started.map((s) => ('result' in s ? Promise.resolve(s) : awaitPrune(s, ctx, deps))));
}

/** A prune whose delete went out (or was under way already): what to wait for. */
interface PruneInFlight {
  task: SyncTask;
  /** The uid of the object to prune; absent when the prepare step did not read one. */
  uid: string | undefined;
}

const pruned = (task: SyncTask, deps: StepDeps): Applied => ({ task, result: resultFor(task, { status: 'Pruned', hookPhase: 'Succeeded', message: 'pruned', finishedAt: deps.now() }) });

const pruneFailed = (task: SyncTask, err: unknown, deps: StepDeps): Applied => {
  if (isInfrastructureError(err)) throw err;
  return { task, result: resultFor(task, { status: 'SyncFailed', hookPhase: 'Failed', message: errorMessage(err), finishedAt: deps.now() }) };
};

/** The object is gone when nothing has its name, or what has it is another object (another uid). */
const goneOrReplaced = (uid: string | undefined) => (obj: KubeObject | undefined): boolean => obj === undefined || (uid !== undefined && obj.metadata.uid !== uid);

/** Whether a prune (or a deletion's delete, §11) is skipped, and why; the propagation when it is not. */
function pruneDecision(live: KubeObject | undefined, ctx: StepContext): { skip: string } | { propagationPolicy: PropagationPolicy } {
  const options = parseCsv(live?.metadata.annotations?.[AnnotationKeys.syncOptions]);
  if (ctx.deletion) {
    // §11: Delete=false keeps the object when its application is deleted; Prune=false does not.
    if (options.includes('Delete=false')) return { skip: 'ignored (Delete=false)' };
    return { propagationPolicy: ctx.deletion.cascade === 'background' ? 'Background' : 'Foreground' };
  }
  if (!ctx.prune) return { skip: 'ignored (requires pruning)' };
  if (options.includes('Prune=false')) return { skip: 'ignored (no prune)' };
  const policy = options.find((o) => o.startsWith('PrunePropagationPolicy='))?.split('=')[1]?.toLowerCase();
  return { propagationPolicy: policy === 'background' ? 'Background' : policy === 'orphan' ? 'Orphan' : 'Foreground' };
}

async function startPrune(task: SyncTask, ctx: StepContext, deps: StepDeps): Promise<Applied | PruneInFlight> {
  const live = task.live;
  const skipped = (message: string): Applied => ({ task, result: resultFor(task, { status: 'PruneSkipped', hookPhase: 'Succeeded', message }) });
  const planned = pruneDecision(live, ctx);
  if ('skip' in planned) return skipped(planned.skip);
  if (ctx.dryRun) return { task, result: resultFor(task, { status: 'Pruned', hookPhase: 'Succeeded', message: 'pruned (dry run)' }) };
  const ref = refOf(task);
  const uid = live?.metadata.uid;
  try {
    const current = await deps.cluster.get(ref);
    // Deleted (and maybe re-created under the same name) since the prepare step read it: done.
    if (!current || goneOrReplaced(uid)(current)) return pruned(task, deps);
    if (current.metadata.deletionTimestamp) return { task, uid };
    // The object as it is now decides (§9.11): another app may have taken it over, or someone added Prune=false / Delete=false.
    if (!isOwnedBy(current, ctx.app)) return skipped(`ignored (no longer tracked by application ${ctx.app})`);
    const decision = pruneDecision(current, ctx);
    if ('skip' in decision) return skipped(decision.skip);
    const { propagationPolicy } = decision;
    // `notFound`: gone meanwhile, or the uid precondition failed (another object has the name now).
    const outcome = await deps.cluster.delete(ref, { propagationPolicy, ...(uid ? { uid } : {}) });
    return outcome === 'notFound' ? pruned(task, deps) : { task, uid };
  } catch (err) {
    return pruneFailed(task, err, deps);
  }
}

async function awaitPrune({ task, uid }: PruneInFlight, ctx: StepContext, deps: StepDeps): Promise<Applied> {
  try {
    await deps.cluster.waitFor(refOf(task), goneOrReplaced(uid), {
      timeoutMs: Math.max(MIN_WAIT_MS, ctx.deadlineAt - deps.now()),
      description: `${kubectlName(task)} to be deleted (prune)`,
      signal: deps.cancel.signal,
    });
    return pruned(task, deps);
  } catch (err) {
    return pruneFailed(task, err, deps);
  }
}
