/**
 * The orchestrator: owns each operation's state machine. It stores what `advance` decides (a CAS
 * on the operation's version) and only then enqueues the step, so a crash in between is repaired
 * by the sweep, which also re-emits a step whose queue entry is gone (a Redis without
 * persistence loses its queue) and recovers a result whose message was lost.
 */
import { consumeOrchestratorEvents } from '../queue/index.js';
import type { Bus, Consumer, OrchestratorJobData, RedisTarget, StepJobData } from '../queue/index.js';
import type { Store } from '../store/index.js';
import { advance, confirmOperation, isDone, recordProgress, recordStepResult, requestTermination, startOperation, syncId } from '../sync/index.js';
import type { Operation, OperationSpec, StepResult } from '../sync/index.js';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';
import { inventoryChanges, stepPayload } from './step-payload.js';
import { deadlinePassed, sweepAction } from './sweep.js';

/** What the orchestrator asks of the bus (an in-memory one drives it in unit tests). */
export type OrchestratorBus = Pick<Bus, 'prefix' | 'emitStep' | 'kick' | 'stepJob' | 'removeStep' | 'resultPending' | 'requestCancel' | 'clearCancel' | 'requestFinalizerSweep'>;

export interface OrchestratorOptions {
  /** The Redis its event consumer connects to (used by `start()`). */
  /** Where Redis is: a URL, or a Sentinel or cluster target. */
  redisUrl: RedisTarget;
  bus: OrchestratorBus;
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
  /** Handle one event: what the queue consumer calls for each job (unit tests call it directly). Throwing makes the queue retry it. */
  handleEvent(event: OrchestratorJobData): Promise<void>;
  /**
   * Start an operation (D6: one per application).
   * @throws OperationRunningError naming the running operation.
   */
  submit(spec: OperationSpec): Promise<Operation>;
  /** §10.1: terminate a running operation. Returns the operation, or undefined when unknown. */
  terminate(operationId: string): Promise<Operation | undefined>;
  /** §9.1, §11: confirm the prunes or deletions an operation waits for. Returns the operation (unchanged when it waits for none), or undefined when unknown. */
  confirm(operationId: string, by: string): Promise<Operation | undefined>;
  /** One sweep now (tests, start-up). */
  sweep(): Promise<void>;
  /** D7: have a worker release the finalizers of hooks whose operation is not running. */
  sweepFinalizers(): Promise<void>;
  close(): Promise<void>;
}

export function createOrchestrator(options: OrchestratorOptions): Orchestrator {
  const { redisUrl, bus, store, concurrency = 16, sweepIntervalMs = 10_000, deadlineGraceMs = 30_000, logger = silentLogger, now = () => Date.now() } = options;
  const newId = options.newId ?? (() => `op-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`);
  let events: Consumer | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  /** Build what a worker needs for the step in flight. */
  async function payloadOf(op: Operation): Promise<StepJobData> {
    return stepPayload(op, op.step?.kind === 'prepare' ? await store.inventory(op.app) : []);
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
    if (emitted && stored.step) await bus.emitStep(await payloadOf(stored));
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
    const { add, remove } = inventoryChanges(op, result);
    await store.addToInventory(op.app, add);
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
    await transition(operationId, (op) => recordProgress(op, stepId, results));
  }

  /** An `advance` event: retries due, deadlines, or simply "look again". */
  async function onAdvance(operationId: string): Promise<void> {
    await transition(operationId, (op) => checkDeadline(op));
  }

  function checkDeadline(op: Operation): Operation | undefined {
    return deadlinePassed(op, now(), deadlineGraceMs) ? requestTermination(op, 'timeout', now()) : undefined;
  }

  async function handle(data: OrchestratorJobData): Promise<void> {
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
        const queue = op.step ? { ...(await bus.stepJob(op.step.id)), resultPending: await bus.resultPending(op.step.id) } : undefined;
        if (queue?.resultPending) continue; // a result is on its way
        const action = sweepAction(op, queue, now());
        switch (action.kind) {
          case 'recoverResult':
            logger.warn('recovering a step result that was not delivered', { operation: id, step: op.step?.id });
            await onStepResult(action.result);
            break;
          case 'reemit':
            logger.warn('re-emitting a step whose queue entry is gone', { operation: id, step: op.step?.id, state: action.state });
            if (action.removeOld && op.step) await bus.removeStep(op.step.id).catch(() => undefined);
            await bus.emitStep(await payloadOf(op));
            break;
          case 'scheduleRetry':
            await bus.kick(op.id, 'retry', { delayMs: action.delayMs, key: `retry-${op.retryCount}` });
            break;
          case 'advance':
            await onAdvance(op.id);
            break;
          case 'none':
            break;
        }
        if (deadlinePassed(op, now(), deadlineGraceMs)) await onAdvance(op.id);
      } catch (err) {
        logger.warn('sweep failed for an operation', { operation: id, error: errorMessage(err) });
      }
    }
  }

  return {
    start() {
      if (events) return;
      events = consumeOrchestratorEvents({ redisUrl, prefix: bus.prefix, concurrency, logger }, handle);
      sweepTimer = setInterval(() => {
        sweeping ??= sweepOnce().finally(() => {
          sweeping = undefined;
        });
      }, sweepIntervalMs);
      sweepTimer.unref();
    },
    handleEvent: handle,
    async submit(spec) {
      const op = startOperation({ id: newId(), spec, now: now() });
      await store.createOperation(op);
      // Advance the operation as stored (its manifests kept apart by the store), not the object made here.
      const stored = await transition(op.id, () => undefined);
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
    async confirm(operationId, by) {
      const op = await store.getOperation(operationId);
      if (!op || !op.awaitingConfirmation) return op;
      logger.info('operation confirmed', { operation: operationId, by, kind: op.awaitingConfirmation.kind });
      return transition(operationId, (current) => {
        const next = confirmOperation(current, by, now());
        return next === current ? undefined : next;
      });
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
      await events?.close();
    },
  };
}
