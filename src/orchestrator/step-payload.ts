/** What the orchestrator puts on the steps queue, and what it records from a step's result. Pure. */
import type { InventoryRef, StepJobData } from '../queue/index.js';
import type { InventoryEntry } from '../store/index.js';
import { failureSummary, planHasObjects, stepTasks, syncId } from '../sync/index.js';
import type { Operation, Step, StepResult } from '../sync/index.js';

/**
 * The payload of the operation's step in flight: everything a worker needs without reading the
 * store (D8), except what is stored once and travels by reference: the manifest set
 * (`prepare.manifestsKey`) and the plan's objects (`planKey`: the step's `taskKeys` and
 * `deleteKeys` name its tasks there, issue 13). An operation whose plan the store keeps inline (an
 * in-memory store, a record of an earlier version) still sends its tasks inline. `inventory` (the
 * app's previously applied objects) goes with the prepare step only.
 */
export function stepPayload(op: Operation, inventory: InventoryRef[]): StepJobData {
  const step = op.step;
  if (!step) throw new Error(`operation ${op.id} has no step in flight`);
  const data: StepJobData = {
    step,
    context: {
      app: op.app,
      operationId: op.id,
      syncId: syncId(op),
      namespace: op.spec.namespace,
      revision: op.spec.revision,
      deadlineAt: op.deadlineAt,
      hookTimeoutMs: op.spec.hookTimeoutMs,
      waveDelayMs: op.spec.waveDelayMs,
      prune: op.spec.prune,
      dryRun: op.spec.dryRun,
      ...(op.spec.syncOptions?.length ? { syncOptions: op.spec.syncOptions } : {}),
      ...(op.spec.deletion ? { deletion: op.spec.deletion } : {}),
      ...(op.spec.ignoreDifferences?.length ? { ignoreDifferences: op.spec.ignoreDifferences } : {}),
      ...(op.failureMessage !== undefined ? { failure: JSON.stringify(failureSummary(op)) } : {}),
    },
    ...(step.kind === 'prepare' ? {} : stepTaskRefs(op, step)),
  };
  if (step.kind === 'prepare') {
    data.prepare = {
      // A stored operation's manifests are read by the worker from their key (stored once); inline only when the store keeps none apart.
      ...(op.spec.manifestsKey ? { manifestsKey: op.spec.manifestsKey } : { manifests: op.spec.manifests }),
      startedAt: op.startedAt,
      createNamespace: op.spec.createNamespace,
      pruneLast: op.spec.pruneLast,
      inventory,
      ...(op.spec.resources?.length ? { resources: op.spec.resources } : {}),
      ...(op.spec.project ? { project: op.spec.project } : {}),
    };
  }
  return data;
}

/** The tasks of a wave, syncFail or cleanup step: by reference to the plan key, else inline. */
function stepTaskRefs(op: Operation, step: Step): Pick<StepJobData, 'planKey' | 'tasks' | 'deleteTasks'> {
  if (op.planKey && op.plan && !planHasObjects(op.plan)) return { planKey: op.planKey };
  return { tasks: stepTasks(op, step), deleteTasks: stepTasks(op, { taskKeys: step.deleteKeys ?? [] }) };
}

/**
 * How a step's result changes the application's inventory: objects it synced are added, objects
 * it pruned removed. Hooks are never pruned (§3 step 1), nor is the namespace CreateNamespace
 * made; a dry run changes nothing.
 */
export function inventoryChanges(op: Operation, result: StepResult): { add: InventoryEntry[]; remove: InventoryEntry[] } {
  const byKey = new Map((op.plan ?? []).map((t) => [t.key, t]));
  const add: InventoryEntry[] = [];
  const remove: InventoryEntry[] = [];
  if (op.spec.dryRun) return { add, remove };
  for (const r of result.results) {
    const task = byKey.get(r.key);
    if (!task || task.hook || task.createNamespace) continue;
    const entry = { apiVersion: task.group ? `${task.group}/${task.version}` : task.version, kind: task.kind, namespace: task.namespace, name: task.name };
    if (r.status === 'Synced') add.push(entry);
    if (r.status === 'Pruned') remove.push(entry);
  }
  return { add, remove };
}
