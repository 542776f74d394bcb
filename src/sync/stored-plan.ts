/**
 * Plan once, store once (issue 13 item 3): the operation record keeps the plan without its
 * objects (keys, kinds, names, phases, waves, hook flags and policies, options: everything the
 * state machine, the API's documents and the notifications read), and the objects (`target`,
 * `live`) are stored once under the operation's plan key, which step payloads reference. Pure.
 */
import type { SyncTask } from '../plan/index.js';

/** What the plan key holds: the full tasks of one attempt's plan. */
export interface StoredPlan {
  /** `<operationId>-<attempt>` whose prepare step made the plan: a step of another attempt does not use it. */
  syncId: string;
  /** The tasks in execution order, with their objects. */
  tasks: SyncTask[];
}

/** Whether a task carries what only the plan key keeps: its objects or its source. */
function hasObjects(task: SyncTask): boolean {
  return task.target !== undefined || task.live !== undefined || task.source !== undefined;
}

/** Whether any task still carries what only the plan key keeps (a plan fresh from a prepare step, or a record stored by an earlier version). */
export function planHasObjects(tasks: readonly SyncTask[]): boolean {
  return tasks.some(hasObjects);
}

/**
 * The plan as the operation record keeps it: every task without its objects (`target`, `live`)
 * and without `source` (where the manifest was written: the workers' error messages use it, the
 * state machine, the API's documents and the notifications do not).
 */
export function planWithoutObjects(tasks: readonly SyncTask[]): SyncTask[] {
  return tasks.map((task) => {
    if (!hasObjects(task)) return task;
    const copy = { ...task };
    delete copy.target;
    delete copy.live;
    delete copy.source;
    return copy;
  });
}

/** The tasks named by `keys`, in that order, looked up in a plan; keys the plan lacks are left out. */
export function tasksByKey(tasks: readonly SyncTask[] | ReadonlyMap<string, SyncTask>, keys: readonly string[]): SyncTask[] {
  const byKey = tasks instanceof Map ? tasks : new Map((tasks as readonly SyncTask[]).map((t) => [t.key, t]));
  return keys.map((k) => byKey.get(k)).filter((t): t is SyncTask => t !== undefined);
}
