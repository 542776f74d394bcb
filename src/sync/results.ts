/** Result records (docs/semantics.md §1.3): keyed per resource and phase, ordered by first record. */
import { isCompleted, isSuccessful } from '../manifests/index.js';
import type { SyncTask } from '../plan/index.js';
import type { TaskResult } from './types.js';

/**
 * §1.3 `setResourceResult`: add or update records. A record keeps its `order`; its message is
 * replaced only by a non-empty one; logs accumulate (an older instance's logs stay, D4).
 */
export function mergeResults(existing: readonly TaskResult[], updates: readonly TaskResult[]): TaskResult[] {
  const out = existing.map((r) => ({ ...r }));
  const index = new Map(out.map((r, i) => [r.key, i]));
  let next = out.reduce((max, r) => Math.max(max, r.order), 0) + 1;
  for (const update of updates) {
    const at = index.get(update.key);
    if (at === undefined) {
      index.set(update.key, out.length);
      out.push({ ...update, order: next++ });
      continue;
    }
    const current = out[at] as TaskResult;
    out[at] = {
      ...current,
      ...update,
      order: current.order,
      message: update.message !== '' ? update.message : current.message,
      startedAt: current.startedAt ?? update.startedAt,
      logs: mergeLogs(current.logs, update.logs),
    };
  }
  return out;
}

function mergeLogs(a: TaskResult['logs'], b: TaskResult['logs']): TaskResult['logs'] {
  if (!a?.length) return b;
  if (!b?.length) return a;
  const seen = new Set(b.map((l) => `${l.pod}/${l.container}`));
  return [...a.filter((l) => !seen.has(`${l.pod}/${l.container}`)), ...b];
}

/** A result record for a task, without an order yet (mergeResults assigns it). */
export function resultFor(task: SyncTask, fields: Pick<TaskResult, 'message'> & Partial<TaskResult>): TaskResult {
  return {
    key: task.key,
    order: 0,
    syncPhase: task.phase,
    wave: task.declaredWave,
    group: task.group,
    version: task.version,
    kind: task.kind,
    namespace: task.namespace,
    name: task.name,
    ...(task.hook ? { hookType: task.hookType ?? task.phase } : {}),
    ...fields,
  };
}

/** §1.2: a task is completed when its operation state is Failed, Error or Succeeded. */
export function taskCompleted(r: TaskResult | undefined): boolean {
  return isCompleted(r?.hookPhase);
}

/** Completed but not successful (§5.6). */
export function taskFailed(r: TaskResult | undefined): boolean {
  return taskCompleted(r) && !isSuccessful(r?.hookPhase);
}

/** `group/kind/name` as Argo CD's messages write it (§5.9). */
export function taskLabel(t: { group: string; kind: string; name: string }): string {
  return `${t.group}/${t.kind}/${t.name}`;
}
