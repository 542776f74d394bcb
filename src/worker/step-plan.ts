/**
 * The tasks of a step (issue 13: steps carry task references, not the plan): a wave, syncFail or
 * cleanup payload names its tasks by key (`step.taskKeys`, `step.deleteKeys`) and the plan by its
 * Redis key; the worker reads the plan there once and keeps it for the operation's next steps in a
 * small cache (least recently used first out, bounded in operations and bytes). A payload with its
 * tasks inline (an in-memory store, a job of an earlier version) is used as it is.
 */
import type { SyncTask } from '../plan/index.js';
import type { StepJobData } from '../queue/index.js';
import { tasksByKey } from '../sync/index.js';
import type { StoredPlan } from '../sync/index.js';

/** The plan a step refers to is gone from Redis, or belongs to another attempt of its operation: the step cannot run. */
export class StepPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepPlanError';
  }
}

/** What a step runs: its tasks, and the hooks it deletes first. */
export interface StepTasks {
  tasks: SyncTask[];
  deleteTasks: SyncTask[];
}

export interface StepPlanReaderOptions {
  /** Read a key's string value (undefined or null when the key is gone). */
  read(key: string): Promise<string | null | undefined>;
  /** Operations whose plan is kept (a lab-like plan is a few KiB). @defaultValue 256 */
  maxOperations?: number;
  /** Plan JSON characters kept in all (a plan larger than this is read for each step). @defaultValue 16 MiB */
  maxChars?: number;
}

export interface StepPlanReader {
  /**
   * The step's tasks, inline or from its plan key.
   * @throws StepPlanError when the plan is gone or is another attempt's.
   */
  tasksOf(data: StepJobData): Promise<StepTasks>;
  /** Operations whose plan is kept now (tests, metrics). */
  readonly size: number;
}

interface Entry {
  planKey: string;
  syncId: string;
  byKey: Map<string, SyncTask>;
  chars: number;
}

export function createStepPlanReader(options: StepPlanReaderOptions): StepPlanReader {
  const { read, maxOperations = 256, maxChars = 16 * 1024 * 1024 } = options;
  /** By operation id; a Map iterates in insertion order, so the first entry is the least recently used. */
  const entries = new Map<string, Entry>();
  let chars = 0;

  function remember(operationId: string, entry: Entry): void {
    forget(operationId);
    if (entry.chars > maxChars) return;
    entries.set(operationId, entry);
    chars += entry.chars;
    for (const [id, oldest] of entries) {
      if (entries.size <= maxOperations && chars <= maxChars) break;
      if (oldest === entry) break;
      forget(id);
    }
  }

  function forget(operationId: string): void {
    const old = entries.get(operationId);
    if (!old) return;
    entries.delete(operationId);
    chars -= old.chars;
  }

  async function planOf(data: StepJobData, planKey: string): Promise<Map<string, SyncTask>> {
    const { operationId, syncId } = data.context;
    const cached = entries.get(operationId);
    if (cached && cached.planKey === planKey && cached.syncId === syncId) {
      // Most recently used: to the end.
      entries.delete(operationId);
      entries.set(operationId, cached);
      return cached.byKey;
    }
    const json = await read(planKey);
    if (json === null || json === undefined) throw new StepPlanError(`the operation's plan is gone from Redis (key ${planKey}); sync again`);
    const stored = JSON.parse(json) as StoredPlan;
    if (stored.syncId !== syncId) throw new StepPlanError(`the plan under ${planKey} belongs to attempt ${stored.syncId}, not to this step's ${syncId}`);
    const byKey = new Map(stored.tasks.map((t) => [t.key, t]));
    remember(operationId, { planKey, syncId, byKey, chars: json.length });
    return byKey;
  }

  return {
    async tasksOf(data) {
      const { step, planKey } = data;
      if (!planKey || step.kind === 'prepare') return { tasks: data.tasks ?? [], deleteTasks: data.deleteTasks ?? [] };
      const byKey = await planOf(data, planKey);
      const tasks = tasksByKey(byKey, step.taskKeys);
      const deleteTasks = tasksByKey(byKey, step.deleteKeys ?? []);
      const missing = step.taskKeys.length + (step.deleteKeys?.length ?? 0) - tasks.length - deleteTasks.length;
      if (missing > 0) throw new StepPlanError(`${missing} of step ${step.id}'s tasks are not in the plan under ${planKey}`);
      return { tasks, deleteTasks };
    },
    get size() {
      return entries.size;
    },
  };
}

/** Without a reader, only inline tasks: a payload that refers to a plan key cannot run. */
export const inlineTasksOnly: StepPlanReader = {
  tasksOf(data) {
    if (data.planKey && data.step.kind !== 'prepare') return Promise.reject(new StepPlanError(`step ${data.step.id} refers to the plan under ${data.planKey}, and this worker reads no plans`));
    return Promise.resolve({ tasks: data.tasks ?? [], deleteTasks: data.deleteTasks ?? [] });
  },
  size: 0,
};
