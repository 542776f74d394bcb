/**
 * In-memory stand-ins for the orchestrator's Redis-backed parts, for unit tests only: a `Store`
 * with the same CAS and D6-lock rules as `src/store/store.ts`, and a bus that records what the
 * orchestrator emits instead of queueing it. Tests play the worker's part: take the emitted step,
 * make a result, hand it to `orchestrator.handleEvent`. Faults model what Redis and BullMQ lose:
 * a dropped emission, a lost result message, a step job that failed.
 */
import type { OrchestratorBus } from '../../src/orchestrator/index.js';
import type { StepJobData, StepJobState } from '../../src/queue/index.js';
import { ConflictError, OperationRunningError, toEvent, updateWithRetry } from '../../src/store/index.js';
import type { DeliveryEntry, InventoryEntry, OperationEvent, Store } from '../../src/store/index.js';
import { isDone } from '../../src/sync/index.js';
import type { Operation, StepResult } from '../../src/sync/index.js';

export function createMemoryStore(prefix = 'memory'): Store & { saves: number } {
  const docs = new Map<string, { op: Operation; active: boolean }>();
  const locks = new Map<string, string>();
  const running = new Set<string>();
  const histories = new Map<string, { id: string; at: number }[]>();
  const inventories = new Map<string, Map<string, InventoryEntry>>();
  const deliveries = new Map<string, DeliveryEntry[]>();
  const listeners = new Set<(event: OperationEvent) => void>();
  const entryKey = (e: InventoryEntry): string => JSON.stringify([e.apiVersion, e.kind, e.namespace, e.name]);
  const copy = (op: Operation): Operation => structuredClone(op);

  const store: Store & { saves: number } = {
    prefix,
    saves: 0,
    async createOperation(op) {
      const holder = locks.get(op.app);
      if (holder && holder !== op.id && docs.get(holder)?.active) throw new OperationRunningError(op.app, holder);
      if (docs.has(op.id)) throw new ConflictError(`operation ${op.id} already exists`);
      docs.set(op.id, { op: copy(op), active: true });
      locks.set(op.app, op.id);
      running.add(op.id);
      histories.set(op.app, [...(histories.get(op.app) ?? []), { id: op.id, at: Date.parse(op.startedAt) }]);
    },
    async getOperation(id) {
      const doc = docs.get(id);
      return doc ? copy(doc.op) : undefined;
    },
    async saveOperation(op) {
      const doc = docs.get(op.id);
      if (!doc) throw new ConflictError(`operation ${op.id} does not exist`);
      if (doc.op.version !== op.version) throw new ConflictError(`operation ${op.id} changed (version ${op.version} is stale)`);
      const next: Operation = { ...copy(op), version: op.version + 1 };
      const finished = isDone(next);
      docs.set(op.id, { op: next, active: !finished });
      if (finished) {
        running.delete(op.id);
        if (locks.get(op.app) === op.id) locks.delete(op.app);
      }
      store.saves++;
      for (const listener of listeners) listener(toEvent(next));
      return copy(next);
    },
    async updateOperation(id, fn) {
      return updateWithRetry(store, id, fn);
    },
    async runningOperations() {
      return [...running];
    },
    async history(app, limit = 50) {
      return [...(histories.get(app) ?? [])].sort((a, b) => b.at - a.at).slice(0, limit).map((h) => h.id);
    },
    async runningOperationOf(app) {
      return locks.get(app);
    },
    async inventory(app) {
      return [...(inventories.get(app)?.values() ?? [])];
    },
    async addToInventory(app, entries) {
      const inv = inventories.get(app) ?? new Map<string, InventoryEntry>();
      for (const e of entries) inv.set(entryKey(e), e);
      inventories.set(app, inv);
    },
    async removeFromInventory(app, entries) {
      for (const e of entries) inventories.get(app)?.delete(entryKey(e));
    },
    async appendDelivery(operationId, entry) {
      deliveries.set(operationId, [...(deliveries.get(operationId) ?? []), entry].slice(-500));
    },
    async deliveries(operationId) {
      return [...(deliveries.get(operationId) ?? [])];
    },
    async subscribe(onEvent) {
      listeners.add(onEvent);
      return async () => void listeners.delete(onEvent);
    },
  };
  return store;
}

/** A step job as the memory bus keeps it. */
interface MemoryStepJob {
  data: StepJobData;
  state: StepJobState;
  result?: StepResult;
}

export interface MemoryBus extends OrchestratorBus {
  /** Steps emitted and not yet taken, oldest first. */
  readonly pending: StepJobData[];
  /** Every emission, in order (a re-emitted step appears again). */
  readonly emitted: StepJobData[];
  /** `kick` calls: `<operation> <reason> <delayMs> <key>`. */
  readonly kicks: { operationId: string; reason: string; delayMs: number; key?: string }[];
  readonly cancels: Map<string, 'user' | 'timeout'>;
  readonly finalizerSweeps: string[][];
  /** Take the oldest pending step (what a worker would receive). */
  take(): StepJobData | undefined;
  /** Record a step's outcome as its job's return value (`completed`), as a worker does before sending the result. */
  complete(result: StepResult): void;
  /** The next emission is lost (a crash between storing and enqueuing, or a Redis that forgot its queue). */
  dropNextEmission(): void;
  /** Mark a step's job, e.g. `failed` (attempts used up) or `missing` (forgotten by Redis). */
  setStepState(stepId: string, state: StepJobState): void;
  /** A result message for the step is waiting on the orchestrator queue. */
  setResultPending(stepId: string, pending: boolean): void;
}

export function createMemoryBus(prefix = 'memory'): MemoryBus {
  const jobs = new Map<string, MemoryStepJob>();
  const resultsPending = new Set<string>();
  let dropNext = false;
  const bus: MemoryBus = {
    prefix,
    pending: [],
    emitted: [],
    kicks: [],
    cancels: new Map(),
    finalizerSweeps: [],
    async emitStep(data) {
      if (dropNext) {
        dropNext = false;
        return;
      }
      if (jobs.has(data.step.id)) return; // the step id is the job id: emitting twice is a no-op
      jobs.set(data.step.id, { data, state: 'waiting' });
      bus.pending.push(data);
      bus.emitted.push(data);
    },
    async kick(operationId, reason, options = {}) {
      bus.kicks.push({ operationId, reason, delayMs: options.delayMs ?? 0, ...(options.key ? { key: options.key } : {}) });
    },
    async stepJob(stepId) {
      const job = jobs.get(stepId);
      if (!job) return { state: 'missing' };
      return job.state === 'completed' && job.result ? { state: job.state, result: job.result } : { state: job.state };
    },
    async removeStep(stepId) {
      jobs.delete(stepId);
    },
    async resultPending(stepId) {
      return resultsPending.has(stepId);
    },
    async requestCancel(operationId, reason) {
      bus.cancels.set(operationId, reason);
    },
    async clearCancel(operationId) {
      bus.cancels.delete(operationId);
    },
    async requestFinalizerSweep(runningSyncIds) {
      bus.finalizerSweeps.push(runningSyncIds);
    },
    take() {
      const next = bus.pending.shift();
      if (next) {
        const job = jobs.get(next.step.id);
        if (job) job.state = 'active';
      }
      return next;
    },
    complete(result) {
      const job = jobs.get(result.stepId);
      if (job) Object.assign(job, { state: 'completed', result });
    },
    dropNextEmission() {
      dropNext = true;
    },
    setStepState(stepId, state) {
      if (state === 'missing') {
        jobs.delete(stepId);
        return;
      }
      const job = jobs.get(stepId);
      if (job) job.state = state;
    },
    setResultPending(stepId, pending) {
      if (pending) resultsPending.add(stepId);
      else resultsPending.delete(stepId);
    },
  };
  return bus;
}
