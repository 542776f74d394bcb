/** What the orchestrator puts on the steps queue, and what it records from a step's result. Pure. */
import type { InventoryRef, StepJobData } from '../queue/index.js';
import type { InventoryEntry } from '../store/index.js';
import { failureSummary, stepTasks, syncId } from '../sync/index.js';
import type { Operation, StepResult } from '../sync/index.js';

/**
 * The payload of the operation's step in flight: everything a worker needs without reading the
 * store (D8), except the manifest set, which travels by reference (`prepare.manifestsKey`, the
 * Redis key the store keeps it under) so that it is stored once. `inventory` (the app's previously
 * applied objects) goes with the prepare step only.
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
    tasks: stepTasks(op, step),
    deleteTasks: stepTasks(op, { taskKeys: step.deleteKeys ?? [] }),
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
