/**
 * The orchestrator: owns each operation's state machine. It stores what `advance` decides (a CAS
 * on the operation's version) and only then enqueues the step, so a crash in between is repaired
 * by the sweep, which also re-emits a step whose queue entry is gone (a Redis without
 * persistence loses its queue) and recovers a result whose message was lost.
 */
import { Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { QueueNames, jobId, redisConnection } from '../queue/index.js';
import type { Bus, OrchestratorJobData, OrchestratorJobName, StepJobData } from '../queue/index.js';
import type { InventoryEntry, Store } from '../store/index.js';
import { advance, failureSummary, isDone, mergeResults, recordStepResult, requestTermination, startOperation, stepTasks, syncId } from '../sync/index.js';
import type { Operation, OperationSpec, StepResult } from '../sync/index.js';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';

export interface OrchestratorOptions {
  redisUrl: string;
  bus: Bus;
  store: Store;
  /** Events handled at once. @defaultValue 16 */
  concurrency?: number;
  /** How often running operations are checked for lost steps and deadlines. @defaultValue 10_000 */
  sweepIntervalMs?: number;
  /** Extra time past an operation's deadline before the orchestrator terminates it itself (workers enforce the deadline first). @defaultValue 30_000 */
  deadlineGraceMs?: number;
  /**
   * Called after every stored transition, and again for a finished operation whenever an event
   * about it is handled (so a crash between storing and notifying loses nothing). Throwing makes
   * the event be retried; hooks must be idempotent.
   */
  onTransition?: (previous: Operation | undefined, next: Operation) => void | Promise<void>;
  logger?: Logger;
  now?: () => number;
  /** Ids of new operations. @defaultValue a random id */
  newId?: () => string;
}

export interface Orchestrator {
  /** Start consuming events and sweeping. */
  start(): void;
  /**
   * Start an operation (D6: one per application).
   * @throws OperationRunningError naming the running operation.
   */
  submit(spec: OperationSpec): Promise<Operation>;
  /** §10.1: terminate a running operation. Returns the operation, or undefined when unknown. */
  terminate(operationId: string): Promise<Operation | undefined>;
  /** One sweep now (tests, start-up). */
  sweep(): Promise<void>;
  /** D7: have a worker release the finalizers of hooks whose operation is not running. */
  sweepFinalizers(): Promise<void>;
  close(): Promise<void>;
}

export function createOrchestrator(options: OrchestratorOptions): Orchestrator {
  const { redisUrl, bus, store, concurrency = 16, sweepIntervalMs = 10_000, deadlineGraceMs = 30_000, logger = silentLogger, now = () => Date.now() } = options;
  const newId = options.newId ?? (() => `op-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`);
  let worker: Worker<OrchestratorJobData, void, OrchestratorJobName> | undefined;
  let connection: ReturnType<typeof redisConnection> | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;


  /** Build what a worker needs for the step in flight. */
  async function stepPayload(op: Operation): Promise<StepJobData> {
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
        ...(op.failureMessage !== undefined ? { failure: JSON.stringify(failureSummary(op)) } : {}),
      },
      tasks: stepTasks(op, step),
      deleteTasks: stepTasks(op, { taskKeys: step.deleteKeys ?? [] }),
    };
    if (step.kind === 'prepare') {
      data.prepare = {
        manifests: op.spec.manifests,
        startedAt: op.startedAt,
        createNamespace: op.spec.createNamespace,
        pruneLast: op.spec.pruneLast,
        inventory: await store.inventory(op.app),
      };
    }
    return data;
  }

  /** Store `fn`'s change (with advance) and carry out what it implies: enqueue the step, timers, bookkeeping. */
  async function transition(operationId: string, fn: (op: Operation) => Operation | undefined): Promise<Operation | undefined> {
    let previous: Operation | undefined;
    let emitted = false;
    const stored = await store.updateOperation(operationId, (current) => {
      previous = current;
      const changed = fn(current) ?? current;
      const decided = advance(changed, now());
      emitted = decided.step !== undefined;
      return decided.op === current ? undefined : decided.op;
    });
    if (!stored) return stored;
    if (stored === previous) {
      // Nothing changed; a finished operation still gets its hooks called (a crash may have come between storing and notifying).
      if (isDone(stored)) await options.onTransition?.(previous, stored);
      return stored;
    }
    if (emitted && stored.step) await bus.emitStep(await stepPayload(stored));
    if (stored.retryAt !== undefined && previous?.retryAt === undefined) {
      await bus.kick(stored.id, 'retry', { delayMs: Math.max(0, stored.retryAt - now()), key: `retry-${stored.retryCount}` });
    }
    if (stored.terminating?.reason === 'timeout' && !previous?.terminating) await bus.requestCancel(stored.id, 'timeout');
    // D3: after a timeout the SyncFail hooks still run: the timeout no longer cancels anything.
    if (isDone(stored) || (stored.syncFailStarted && !previous?.syncFailStarted && stored.terminating?.reason === 'timeout')) await bus.clearCancel(stored.id);
    await options.onTransition?.(previous, stored);
    return stored;
  }

  async function recordInventory(op: Operation, result: StepResult): Promise<void> {
    const byKey = new Map((op.plan ?? []).map((t) => [t.key, t]));
    const add: InventoryEntry[] = [];
    const remove: InventoryEntry[] = [];
    for (const r of result.results) {
      const task = byKey.get(r.key);
      // Hooks are never pruned (§3 step 1), nor is the namespace CreateNamespace made.
      if (!task || task.hook || task.createNamespace) continue;
      const entry = { apiVersion: task.group ? `${task.group}/${task.version}` : task.version, kind: task.kind, namespace: task.namespace, name: task.name };
      if (r.status === 'Synced') add.push(entry);
      if (r.status === 'Pruned' && !op.spec.dryRun) remove.push(entry);
    }
    await store.addToInventory(op.app, op.spec.dryRun ? [] : add);
    await store.removeFromInventory(op.app, remove);
  }

  async function onStepResult(result: StepResult): Promise<void> {
    const stored = await transition(result.operationId, (op) => {
      const next = recordStepResult(op, result);
      return next === op ? undefined : next;
    });
    if (stored) await recordInventory(stored, result);
  }

  async function onProgress(operationId: string, stepId: string, results: StepResult['results']): Promise<void> {
    await transition(operationId, (op) => (op.step?.id === stepId && !isDone(op) ? { ...op, results: mergeResults(op.results, results) } : undefined));
  }

  /** An `advance` event: retries due, deadlines, or simply "look again". */
  async function onAdvance(operationId: string): Promise<void> {
    await transition(operationId, (op) => checkDeadline(op));
  }

  function checkDeadline(op: Operation): Operation | undefined {
    if (isDone(op) || op.terminating || op.syncFailStarted || now() < op.deadlineAt + deadlineGraceMs) return undefined;
    return requestTermination(op, 'timeout', now());
  }

  async function handle(job: Job<OrchestratorJobData, void, OrchestratorJobName>): Promise<void> {
    const data = job.data;
    switch (data.type) {
      case 'stepResult':
        return onStepResult(data.result);
      case 'progress':
        return onProgress(data.operationId, data.stepId, data.results);
      case 'advance':
        return onAdvance(data.operationId);
    }
  }

  /** Repair what a crash or a lost queue left behind. */
  async function sweepOnce(): Promise<void> {
    for (const id of await store.runningOperations()) {
      try {
        const op = await store.getOperation(id);
        if (!op || isDone(op)) continue;
        if (op.step) {
          const { state, result } = await bus.stepJob(op.step.id);
          const resultJob = await bus.orchestrator.getJob(jobId(op.step.id, 'result'));
          if (resultJob && (await resultJob.getState()) !== 'completed') continue; // a result is on its way
          if (state === 'completed' && result) {
            logger.warn('recovering a step result that was not delivered', { operation: id, step: op.step.id });
            await onStepResult(result);
          } else if (state === 'missing' || state === 'failed' || (state === 'completed' && !result)) {
            logger.warn('re-emitting a step whose queue entry is gone', { operation: id, step: op.step.id, state });
            if (state !== 'missing') await bus.steps.remove(jobId(op.step.id)).catch(() => undefined);
            await bus.emitStep(await stepPayload(op));
          }
        } else if (op.retryAt !== undefined && op.retryAt > now()) {
          await bus.kick(op.id, 'retry', { delayMs: op.retryAt - now(), key: `retry-${op.retryCount}` });
        } else {
          await onAdvance(op.id);
        }
        if (!op.terminating && !op.syncFailStarted && now() >= op.deadlineAt + deadlineGraceMs) await onAdvance(op.id);
      } catch (err) {
        logger.warn('sweep failed for an operation', { operation: id, error: errorMessage(err) });
      }
    }
  }

  return {
    start() {
      if (worker) return;
      connection = redisConnection(redisUrl, 'worker');
      worker = new Worker<OrchestratorJobData, void, OrchestratorJobName>(QueueNames.orchestrator, handle, {
        connection,
        prefix: bus.prefix,
        concurrency,
        lockDuration: 15_000,
        stalledInterval: 5_000,
        maxStalledCount: 50,
      });
      worker.on('error', (err) => logger.error('orchestrator queue error', { error: errorMessage(err) }));
      sweepTimer = setInterval(() => {
        sweeping ??= sweepOnce().finally(() => {
          sweeping = undefined;
        });
      }, sweepIntervalMs);
      sweepTimer.unref();
    },
    async submit(spec) {
      const op = startOperation({ id: newId(), spec, now: now() });
      await store.createOperation(op);
      const stored = await transition(op.id, () => op);
      await bus.kick(op.id, 'deadline', { delayMs: spec.timeoutMs + deadlineGraceMs, key: 'deadline' });
      logger.info('operation started', { operation: op.id, app: spec.app, revision: spec.revision });
      return stored ?? op;
    },
    async terminate(operationId) {
      const op = await store.getOperation(operationId);
      if (!op) return undefined;
      if (isDone(op)) return op;
      await bus.requestCancel(operationId, 'user');
      return transition(operationId, (current) => requestTermination(current, 'user', now()));
    },
    async sweep() {
      await sweepOnce();
    },
    async sweepFinalizers() {
      const running: string[] = [];
      for (const id of await store.runningOperations()) {
        const op = await store.getOperation(id);
        if (op && !isDone(op)) running.push(syncId(op));
      }
      await bus.requestFinalizerSweep(running);
    },
    async close() {
      if (sweepTimer) clearInterval(sweepTimer);
      await sweeping;
      if (worker) await worker.close();
      await connection?.quit().catch(() => undefined);
    },
  };
}
