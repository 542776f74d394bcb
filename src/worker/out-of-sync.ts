/**
 * `ApplyOutOfSyncOnly=true` (docs/semantics.md §9.8): plain resources whose live object already is
 * as the manifest says (the normalized comparison of §9.12, `ignoreDifferences` applied) are left out
 * of the plan — not applied, no row, no health wait. Hooks, prunes, new objects and the
 * CreateNamespace task always stay, as in Argo CD.
 */
import { compareObjects } from '../diff/index.js';
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
    if (!live || compareObjects(desired, live, { ignore: ctx.ignoreDifferences ?? [] }).modified) kept.push(task);
  }
  return kept;
}
