/**
 * `ApplyOutOfSyncOnly=true` (docs/semantics.md §9.8): plain resources whose live object already is
 * as the manifest says (the normalized comparison of §9.12, `ignoreDifferences` applied, and no
 * field hookrunner applied before missing from the manifest) are left out
 * of the plan — not applied, no row, no health wait. Hooks, prunes, new objects and the
 * CreateNamespace task always stay, as in Argo CD.
 */
import { compareObjects, getAt, managedPaths } from '../diff/index.js';
import type { KubeObject } from '../manifests/index.js';
import type { SyncTask } from '../plan/index.js';
import type { StepContext } from '../queue/index.js';
import { decorateForApply } from '../sync/index.js';
import type { StepDeps } from './deps.js';
import { refOf } from './deps.js';

/** The tasks still to run; reads the live object of each plain resource. */
export async function outOfSyncTasks(tasks: readonly SyncTask[], ctx: StepContext, deps: StepDeps): Promise<SyncTask[]> {
  const kept: SyncTask[] = [];
  for (const task of tasks) {
    if (task.hook || task.prune || task.createNamespace || !task.target) {
      kept.push(task);
      continue;
    }
    const live = await deps.cluster.get(refOf(task));
    const desired = decorateForApply(task.target, { app: ctx.app });
    if (!live || compareObjects(desired, live, { ignore: ctx.ignoreDifferences ?? [] }).modified || droppedFields(desired, live)) kept.push(task);
  }
  return kept;
}

/**
 * A field hookrunner applied before (its field manager owns it on the live object) that the
 * manifest no longer sets: only an apply removes it, so the object is out of sync.
 */
function droppedFields(desired: KubeObject, live: KubeObject): boolean {
  return managedPaths(live, ['hookrunner']).some((path) => getAt(desired, path) === undefined);
}
