/**
 * The first step of an operation: read what the planner needs from the cluster, plan, create a
 * missing destination namespace for real (§5.2 step 1), and run the client-side dry run (§5.2
 * step 2, D10): every kind must be served (§3 step 6) and every namespace must exist or be
 * created by this sync. Failures here end the operation without SyncFail hooks (§5.1, §5.2).
 */
import type { KubeObject, Manifest } from '../manifests/index.js';
import { AnnotationKeys, SyncOptions, classify, crdDefinition, parseCsv, splitApiVersion } from '../manifests/index.js';
import { formatSelector, plan, resultKey, selectTasks } from '../plan/index.js';
import type { ResourceSelector, SyncTask } from '../plan/index.js';
import type { PrepareInput, StepContext } from '../queue/index.js';
import { resultFor } from '../sync/index.js';
import type { StepResult, TaskResult } from '../sync/index.js';
import { KubeApiError } from '../cluster/index.js';
import type { ClusterClient } from '../cluster/index.js';
import { resourceViolations } from '../projects/index.js';
import type { OperationProject } from '../sync/index.js';
import { errorMessage } from '../util/index.js';
import { kubectlName } from './deps.js';
import type { StepDeps } from './deps.js';
import { findPruneCandidates, identityKey } from './live.js';
import { outOfSyncTasks } from './out-of-sync.js';

export async function runPrepare(stepId: string, ctx: StepContext, input: PrepareInput & { manifests: Manifest[] }, deps: StepDeps): Promise<StepResult> {
  const { cluster } = deps;
  const base = { stepId, operationId: ctx.operationId };
  const namespaces = new Map<string, NamespaceState>();
  const namespaceState = async (name: string): Promise<NamespaceState> => {
    let state = namespaces.get(name);
    if (state === undefined) namespaces.set(name, (state = await readNamespace(cluster, name)));
    return state;
  };
  // A namespace we may not read (403, e.g. a namespaced release's worker) is not created: its objects fail below with the API server's message.
  const namespaceExists = ctx.namespace ? (await namespaceState(ctx.namespace)) !== 'missing' : true;
  const planned = await planOperation(ctx, input, namespaceExists, deps);
  if ('unmatched' in planned) {
    const message = `selected resources are not part of the application (neither in its source nor live): ${planned.unmatched.map(formatSelector).join(', ')}`;
    return { ...base, plan: planned.tasks, results: [], fatal: { phase: 'Failed', message }, finishedAt: deps.now() };
  }
  let tasks = planned.tasks;

  // §3 step 6: discovery.
  const invalid = await checkKinds(tasks, cluster);
  if (invalid.length > 0) {
    const reasons = [...new Set(invalid.map((r) => r.message))].sort();
    return { ...base, plan: tasks, results: invalid, fatal: { phase: 'Failed', message: `one or more synchronization tasks are not valid: ${reasons.join(', ')}` }, finishedAt: deps.now() };
  }

  // §18: the project permits every resource and hook (scoped by discovery above), or nothing is applied.
  if (input.project && !ctx.deletion) {
    const refused = projectViolations(tasks, input.project);
    if (refused.length > 0) {
      const reasons = [...new Set(refused.map((r) => r.message))].sort();
      return { ...base, plan: tasks, results: refused, fatal: { phase: 'Failed', message: `one or more synchronization tasks are not permitted in project ${input.project.name}: ${reasons.join(', ')}` }, finishedAt: deps.now() };
    }
  }

  // §9.8: ApplyOutOfSyncOnly leaves out what is already as the manifest says.
  if ((ctx.syncOptions ?? []).includes(SyncOptions.applyOutOfSyncOnly) && !ctx.deletion) tasks = await outOfSyncTasks(tasks, ctx, deps);

  // §5.2 step 1: the destination namespace, for real, before the dry run.
  const results: TaskResult[] = [];
  const nsTask = tasks.find((t) => t.kind === 'Namespace' && t.group === '' && t.name === ctx.namespace && t.target && !t.prune);
  if (nsTask && !namespaceExists && !ctx.dryRun) {
    try {
      // Not tracked: a namespace this sync created for the app is never the app's to prune (§9.7).
      await cluster.apply(nsTask.target as KubeObject);
      results.push(resultFor(nsTask, { status: 'Synced', hookPhase: 'Succeeded', message: `${kubectlName(nsTask)} created`, startedAt: deps.now(), finishedAt: deps.now() }));
    } catch (err) {
      results.push(resultFor(nsTask, { status: 'SyncFailed', hookPhase: 'Failed', message: errorMessage(err) }));
      return { ...base, plan: tasks, results, fatal: { phase: 'Failed', message: 'the namespace failed to apply' }, finishedAt: deps.now() };
    }
  }

  // §5.2 step 2 (client side): every namespaced object's namespace exists or is created by this sync.
  const created = new Set(tasks.filter((t) => t.kind === 'Namespace' && t.group === '' && t.target).map((t) => t.name));
  const failures: TaskResult[] = [];
  for (const task of tasks) {
    if (!task.target || !task.namespace || created.has(task.namespace)) continue;
    const state = await namespaceState(task.namespace);
    if (state === 'missing') failures.push(resultFor(task, { status: 'SyncFailed', hookPhase: 'Failed', message: `namespaces "${task.namespace}" not found` }));
    else if (state !== 'exists') failures.push(resultFor(task, { status: 'SyncFailed', hookPhase: 'Failed', message: state.forbidden }));
  }
  if (failures.length > 0) {
    return { ...base, plan: tasks, results: [...results, ...failures], fatal: { phase: 'Failed', message: 'one or more objects failed to apply (dry run)' }, finishedAt: deps.now() };
  }
  return { ...base, plan: tasks, results, finishedAt: deps.now() };
}

/**
 * The operation's tasks: the plan with its prune candidates (§9.11: the application's live objects
 * the source no longer declares — all of them when the application is deleted, §11, none when it
 * is deleted without cascade), narrowed to the selected resources (§9.9), or the selectors that
 * select nothing. `planner` is the planner's `plan` (a test counts its calls: one without prune
 * candidates, issue 13).
 */
export async function planOperation(ctx: StepContext, input: PrepareInput & { manifests: Manifest[] }, namespaceExists: boolean, deps: StepDeps, planner: typeof plan = plan): Promise<{ tasks: SyncTask[] } | { tasks: SyncTask[]; unmatched: ResourceSelector[] }> {
  const selected = input.resources ?? [];
  // §9.9: a selective sync runs no hooks.
  const planOptions = { namespace: ctx.namespace, revision: ctx.revision, startedAt: new Date(input.startedAt), createNamespace: input.createNamespace, namespaceExists, pruneLast: input.pruneLast, skipHooks: selected.length > 0 };
  const deletion = ctx.deletion;
  const first = deletion ? undefined : planner(input.manifests, planOptions).tasks;
  const targets = first ? await targetIdentities(first, input.manifests, ctx.namespace, deps.cluster) : new Set<string>();
  const candidates =
    deletion?.cascade === 'orphan'
      ? []
      : await findPruneCandidates(deps.cluster, deps.liveIndex, { app: ctx.app, namespace: ctx.namespace, targets, inventory: input.inventory, notBefore: Date.parse(input.startedAt) });
  // Plan once (issue 13): with no prune candidates the plan with them is the plan without them (the planner is pure).
  const planned = first && candidates.length === 0 ? first : planner(input.manifests, { ...planOptions, pruneCandidates: candidates, ...(deletion ? { deletion: true, createNamespace: false } : {}) }).tasks;
  if (deletion) deleteWhateverPreDeleteHookIsLive(planned);
  if (selected.length === 0) return { tasks: planned };
  const { tasks, unmatched } = selectTasks(planned, selected);
  return unmatched.length > 0 ? { tasks, unmatched } : { tasks };
}

/**
 * §3 step 6: every kind must be served — unless a CRD of this sync defines it or the object has
 * SkipDryRunOnMissingResource (§9.4); scopes each task as discovery says (a cluster-scoped kind
 * loses its namespace, a namespaced one without any goes to `default`). The invalid tasks' results.
 */
export async function checkKinds(tasks: readonly SyncTask[], cluster: ClusterClient): Promise<TaskResult[]> {
  const invalid: TaskResult[] = [];
  const crdKinds = new Set(tasks.filter((t) => t.kind === 'CustomResourceDefinition' && t.target).map((t) => crdGroupKind(t.target as KubeObject)));
  for (const task of tasks) {
    const obj = task.target ?? task.live;
    if (!obj) continue;
    const info = await cluster.resourceInfo(obj.apiVersion, task.kind);
    if (!info) {
      const skip = crdKinds.has(`${task.group}/${task.kind}`) || parseCsv(obj.metadata.annotations?.[AnnotationKeys.syncOptions]).includes('SkipDryRunOnMissingResource=true');
      if (!skip) invalid.push(resultFor(task, { status: 'SyncFailed', hookPhase: 'Failed', message: `the server could not find the requested resource: ${task.kind} in ${obj.apiVersion}` }));
      continue;
    }
    if (!info.namespaced && task.namespace) scopeToCluster(task);
    if (info.namespaced && !task.namespace) setNamespace(task, 'default');
  }
  return invalid;
}

/** §18: a SyncFailed result for every task whose object (target, else live) the project does not permit. */
export function projectViolations(tasks: readonly SyncTask[], project: OperationProject): TaskResult[] {
  const out: TaskResult[] = [];
  for (const task of tasks) {
    const obj = task.target ?? task.live;
    if (!obj) continue;
    const [violation] = resourceViolations(project, [{ group: task.group, kind: task.kind, name: task.name, ...(task.namespace ? { namespace: task.namespace } : {}) }]);
    if (violation) out.push(resultFor(task, { status: 'SyncFailed', hookPhase: 'Failed', message: violation.message }));
  }
  return out;
}

/** Whether a namespace exists, or the API server's 403 when this identity may not read it. */
type NamespaceState = 'exists' | 'missing' | { forbidden: string };

async function readNamespace(cluster: ClusterClient, name: string): Promise<NamespaceState> {
  try {
    return (await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name })) !== undefined ? 'exists' : 'missing';
  } catch (err) {
    if (err instanceof KubeApiError && err.code === 403) return { forbidden: err.message };
    throw err;
  }
}

/**
 * §11: a PreDelete hook's object is deleted with the application's resources, as Argo CD's cascade
 * does. The live instance read now (an earlier attempt's) is replaced by BeforeHookCreation before
 * the Delete phase, so its Delete task deletes whatever instance is live then (no uid precondition).
 */
function deleteWhateverPreDeleteHookIsLive(tasks: SyncTask[]): void {
  const hooks = new Set(tasks.filter((t) => t.phase === 'PreDelete').map((t) => `${t.group}/${t.kind}/${t.namespace}/${t.name}`));
  for (const task of tasks) {
    if (task.phase !== 'Delete' || !task.live || !hooks.has(`${task.group}/${task.kind}/${task.namespace}/${task.name}`)) continue;
    const { uid: _uid, ...metadata } = task.live.metadata;
    task.live = { ...task.live, metadata };
  }
}

/**
 * The identities of the planned targets as the server will store them: a kind discovery says is
 * cluster-scoped has no namespace, a namespaced one without a namespace goes to `default` (as below).
 */
export async function targetIdentities(tasks: readonly SyncTask[], manifests: readonly Manifest[], destination: string, cluster: ClusterClient): Promise<Set<string>> {
  const out = new Set<string>();
  const add = async (apiVersion: string, kind: string, namespace: string, name: string): Promise<void> => {
    const info = await cluster.resourceInfo(apiVersion, kind);
    const ns = !info ? namespace : info.namespaced ? namespace || 'default' : '';
    out.add(identityKey(splitApiVersion(apiVersion).group, kind, ns, name));
  };
  for (const task of tasks) if (task.target) await add(task.target.apiVersion, task.kind, task.namespace, task.name);
  // §2.4: an object marked Skip, or ignored (a hook with no valid type), is never pruned either.
  for (const { object } of manifests) {
    const info = classify(object.metadata.annotations ?? {});
    if ((info.skip || info.ignored) && object.metadata.name) await add(object.apiVersion, object.kind, object.metadata.namespace ?? destination, object.metadata.name);
  }
  return out;
}

function crdGroupKind(crd: KubeObject): string {
  const defined = crdDefinition(crd);
  return defined ? `${defined.group}/${defined.kind}` : '';
}

function scopeToCluster(task: SyncTask): void {
  task.namespace = '';
  if (task.target) delete task.target.metadata.namespace;
  task.key = resultKey(task);
}

function setNamespace(task: SyncTask, namespace: string): void {
  task.namespace = namespace;
  if (task.target) task.target.metadata.namespace = namespace;
  task.key = resultKey(task);
}
