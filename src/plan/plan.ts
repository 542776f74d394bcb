/**
 * The sync planner: manifests in, tasks in Argo CD's execution order out. Pure: no I/O, no clock.
 * Every rule cites docs/semantics.md; where Argo leaves ties unordered, D1 breaks them.
 */
import {
  HOOK_FINALIZER,
  ManifestError,
  SYNC_PHASE_RANK,
  classify,
  crdDefinition,
  isHook,
  isKnownClusterScoped,
  resourceSyncOptions,
  splitApiVersion,
  syncWave,
} from '../manifests/index.js';
import type { KubeObject, Manifest, ManifestIssue, SyncPhase, Warning } from '../manifests/index.js';
import { cloneObject } from './clone.js';
import { kindRank } from './kinds.js';
import type { PlanOptions, SyncPlan, SyncTask } from './types.js';

const PRUNE_LAST = 'PruneLast=true';

/**
 * A task while planning: the public task plus its position in the input, for the last tie-break,
 * and the ranks of its phase and kind, computed once before sorting.
 */
interface Draft {
  task: SyncTask;
  order: number;
  phaseRank: number;
  kindRank: number;
}

function draft(task: SyncTask, order: number): Draft {
  return { task, order, phaseRank: 0, kindRank: 0 };
}

/**
 * Build the task list of a sync operation in execution order (§3, §4).
 * @throws ManifestError when an object cannot be synced at all (a non-hook without a name, §7).
 */
export function plan(manifests: readonly Manifest[], options: PlanOptions): SyncPlan {
  const {
    namespace: destination = '',
    revision = '',
    startedAt,
    createNamespace = false,
    namespaceExists = false,
    pruneCandidates = [],
    pruneLast = false,
    skipHooks = false,
    deletion = false,
  } = options;
  const warnings: Warning[] = [];
  const issues: ManifestIssue[] = [];
  const drafts: Draft[] = [];
  let order = 0;

  // One warn function for every manifest (classify calls it synchronously), not a closure per manifest.
  let current: Manifest | undefined;
  const warn = (key: string, message: string): void => {
    if (current === undefined) return;
    const { object, source } = current;
    const label = `${object.kind} ${object.metadata.name ?? object.metadata.generateName ?? '(unnamed)'}`;
    warnings.push({ file: source.file, line: current.annotationLines[key] ?? source.line, message: `${label}: ${key}: ${message}` });
  };

  for (const manifest of manifests) {
    const { object, source } = manifest;
    current = manifest;
    const info = classify(object.metadata.annotations ?? {}, warn);
    if (info.ignored || info.skip) continue; // §2.4: dropped entirely / never applied
    if (info.hook && skipHooks) continue; // §9.9

    if (!info.hook) {
      if (deletion) continue; // §11: a deletion applies no resources, it deletes the live ones
      if (!object.metadata.name) {
        const hint = object.metadata.generateName ? ' (generateName is only honoured for hooks, docs/semantics.md §7)' : '';
        issues.push({ file: source.file, line: source.line, message: `${object.kind} has no metadata.name${hint}` });
        continue;
      }
      drafts.push(draft(makeTask(cloneObject(object), 'Sync', info.wave, false, manifest, destination), order++));
      continue;
    }
    for (const phase of deletion ? info.deletionPhases : info.phases) {
      const target = cloneObject(object);
      if (!target.metadata.name) target.metadata.name = generatedHookName(target, phase, revision, startedAt); // §7
      const finalizers = target.metadata.finalizers ?? [];
      if (!finalizers.includes(HOOK_FINALIZER)) target.metadata.finalizers = [...finalizers, HOOK_FINALIZER]; // §3 step 2, D7
      const task = makeTask(target, phase, info.wave, true, manifest, destination);
      task.hookType = phase;
      task.deletePolicies = [...info.deletePolicies];
      if (info.hookTimeoutMs !== undefined) task.hookTimeoutMs = info.hookTimeoutMs;
      drafts.push(draft(task, order++));
    }
  }
  current = undefined;
  if (issues.length > 0) throw new ManifestError(issues);

  // §3 step 4: CreateNamespace, only when no non-hook target is that Namespace and it is missing.
  if (createNamespace && destination !== '' && !namespaceExists) {
    const declared = drafts.some(({ task }) => !task.hook && isCoreNamespace(task) && task.name === destination);
    if (!declared) drafts.push(draft(createNamespaceTask(destination), order++));
  }

  // §3 step 1: prune tasks for live objects without a target; live hooks are never pruned, but a
  // deletion deletes them with everything else (§11).
  for (const live of pruneCandidates) {
    if (!deletion && isHook(live.metadata.annotations ?? {})) continue;
    drafts.push(draft(pruneTask(live, deletion ? 'Delete' : 'Sync'), order++));
  }

  const deduped = dropDuplicates(drafts, warnings);
  reversePruneWaves(deduped); // §3 step 7
  if (!deletion) applyPruneLast(deduped, pruneLast); // §3 step 8
  for (const d of deduped) {
    d.phaseRank = SYNC_PHASE_RANK[d.task.phase];
    d.kindRank = kindRank(d.task.kind);
  }
  deduped.sort(compareDrafts); // §4.1 + D1
  adjustDeps(deduped, namespaceDep, namespaceRef); // §4.3 Namespace pass
  adjustDeps(deduped, crdDep, crdRef); // §4.3 CRD pass
  return { tasks: deduped.map((d) => d.task), warnings };
}

/** §7: `generateName + lower("<rev7>-<phase>-<startedAtUnix>")`. */
export function generatedHookName(object: KubeObject, phase: SyncPhase, revision: string, startedAt: Date): string {
  const rev = revision.length >= 8 ? revision.slice(0, 7) : revision;
  const unix = Math.floor(startedAt.getTime() / 1000);
  return `${object.metadata.generateName ?? ''}${`${rev}-${phase}-${unix}`.toLowerCase()}`;
}

/** §1.3 result key. */
export function resultKey(task: Pick<SyncTask, 'group' | 'kind' | 'namespace' | 'name' | 'phase'>): string {
  return `${task.group}/${task.kind}/${task.namespace}/${task.name}:${task.phase}`;
}

/**
 * A task for a copied manifest object. §3 step 3: a target without a namespace gets the
 * destination namespace (when there is one); the task's namespace stays empty for cluster-scoped kinds.
 */
function makeTask(target: KubeObject, phase: SyncPhase, wave: number, hook: boolean, manifest: Manifest, destination: string): SyncTask {
  const { group, version } = splitApiVersion(target.apiVersion);
  if (destination !== '' && !target.metadata.namespace) target.metadata.namespace = destination;
  const namespace = isKnownClusterScoped(group, target.kind) ? '' : (target.metadata.namespace ?? '');
  const task: SyncTask = {
    key: '',
    phase,
    wave,
    declaredWave: wave,
    group,
    version,
    kind: target.kind,
    namespace,
    name: target.metadata.name ?? '',
    hook,
    syncOptions: resourceSyncOptions(target.metadata.annotations ?? {}),
    target,
    prune: false,
    source: manifest.source,
  };
  task.key = resultKey(task);
  return task;
}

function createNamespaceTask(name: string): SyncTask {
  const task: SyncTask = {
    key: '',
    phase: 'PreSync',
    wave: 0,
    declaredWave: 0,
    group: '',
    version: 'v1',
    kind: 'Namespace',
    namespace: '',
    name,
    hook: false,
    syncOptions: [],
    target: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    prune: false,
    createNamespace: true,
  };
  task.key = resultKey(task);
  return task;
}

function pruneTask(live: KubeObject, phase: SyncPhase): SyncTask {
  const { group, version } = splitApiVersion(live.apiVersion);
  const annotations = live.metadata.annotations ?? {};
  const wave = syncWave(annotations);
  const task: SyncTask = {
    key: '',
    phase,
    wave,
    declaredWave: wave,
    group,
    version,
    kind: live.kind,
    namespace: live.metadata.namespace ?? '',
    name: live.metadata.name ?? '',
    hook: false,
    syncOptions: resourceSyncOptions(annotations),
    live,
    prune: true,
  };
  task.key = resultKey(task);
  return task;
}

/** The same object twice: the later definition wins, as Argo CD's `DeduplicateTargetObjects`, with a warning. */
function dropDuplicates(drafts: Draft[], warnings: Warning[]): Draft[] {
  // Looked up by name first: names come from the manifests, so their hashes are already known,
  // where a Map by result key would hash a new string per task. Drafts are in input order; a name
  // holds one draft until a second one shares it (no array per task).
  const byName = new Map<string, Draft | Draft[]>();
  const dropped = new Set<Draft>();
  for (const draft of drafts) {
    const found = byName.get(draft.task.name);
    if (found === undefined) {
      byName.set(draft.task.name, draft);
      continue;
    }
    const same = Array.isArray(found) ? found : [found];
    if (same !== found) byName.set(draft.task.name, same);
    const at = same.findIndex((d) => d.task.key === draft.task.key);
    const earlier = at < 0 ? undefined : (same[at] as Draft);
    if (earlier?.task.source && draft.task.source) {
      const { file, line } = draft.task.source;
      warnings.push({
        file,
        line,
        message: `${draft.task.kind} ${draft.task.name} is also defined at ${earlier.task.source.file}:${earlier.task.source.line}; this later definition is used`,
      });
    }
    if (earlier) {
      dropped.add(earlier);
      same[at] = draft;
    } else {
      same.push(draft);
    }
  }
  return dropped.size === 0 ? drafts : drafts.filter((d) => !dropped.has(d));
}

/** §3 step 7: the i-th lowest prune wave becomes the i-th highest, among prune waves only. */
function reversePruneWaves(drafts: Draft[]): void {
  const waves = [...new Set(drafts.filter((d) => d.task.prune).map((d) => d.task.wave))].sort((a, b) => a - b);
  const mirror = new Map(waves.map((w, i) => [w, waves[waves.length - 1 - i] as number]));
  for (const { task } of drafts) {
    if (task.prune) task.wave = mirror.get(task.wave) ?? task.wave;
  }
}

/** §3 step 8: PruneLast prunes go to (the last Sync-phase wave, at least 0) + 1 (a sync's prunes only). */
function applyPruneLast(drafts: Draft[], appPruneLast: boolean): void {
  let last = 0;
  for (const { task } of drafts) if (task.phase === 'Sync' && task.wave > last) last = task.wave;
  for (const { task } of drafts) {
    if (task.prune && (appPruneLast || task.syncOptions.includes(PRUNE_LAST))) task.wave = last + 1;
  }
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** §4.1: phase rank, wave, kind rank, name; then D1: namespace, API group, kind, input order. */
function compareDrafts(a: Draft, b: Draft): number {
  const ta = a.task;
  const tb = b.task;
  return (
    a.phaseRank - b.phaseRank ||
    ta.wave - tb.wave ||
    a.kindRank - b.kindRank ||
    compare(ta.name, tb.name) ||
    compare(ta.namespace, tb.namespace) ||
    compare(ta.group, tb.group) ||
    compare(ta.kind, tb.kind) ||
    a.order - b.order
  );
}

type DepKey = (task: SyncTask) => string | undefined;

function isCoreNamespace(task: SyncTask): boolean {
  return task.kind === 'Namespace' && task.group === '';
}
const namespaceDep: DepKey = (t) => (isCoreNamespace(t) ? t.name : undefined);
/** The namespace as Argo CD sees it: the target's, filled in even for cluster-scoped kinds (§3 step 3). */
const namespaceRef: DepKey = (t) => t.target?.metadata.namespace || undefined;

function crdDep(t: SyncTask): string | undefined {
  if (t.kind !== 'CustomResourceDefinition' || t.group !== 'apiextensions.k8s.io' || !t.target) return undefined;
  const defined = crdDefinition(t.target);
  return defined ? `${defined.group}/${defined.kind}` : undefined;
}
const crdRef: DepKey = (t) => `${t.group}/${t.kind}`;

/**
 * §4.3 `adjustDeps`: a dependency (Namespace, CRD) found after the first task that references it
 * moves to just before that task and takes its phase and wave. Prune tasks are not considered.
 */
function adjustDeps(drafts: Draft[], isDep: DepKey, refersTo: DepKey): void {
  // Nothing can move without a dependency among the targets: skip building the index.
  if (!drafts.some(({ task }) => task.target !== undefined && isDep(task) !== undefined)) return;
  const firstIndex = new Map<string, number>();
  for (let i = 0; i < drafts.length; i++) {
    const current = drafts[i] as Draft;
    const t = current.task;
    if (!t.target) continue;
    const depKey = isDep(t);
    if (depKey !== undefined) {
      const index = firstIndex.get(depKey);
      if (index === undefined) continue;
      const referrer = (drafts[index] as Draft).task;
      t.wave = referrer.wave;
      t.phase = referrer.phase;
      if (t.hook) t.hookType = t.phase;
      t.key = resultKey(t);
      drafts.splice(i, 1);
      drafts.splice(index, 0, current);
      for (const [key, value] of firstIndex) if (value >= index) firstIndex.set(key, value + 1);
      continue;
    }
    const ref = refersTo(t);
    if (ref !== undefined && !firstIndex.has(ref)) firstIndex.set(ref, i);
  }
}
