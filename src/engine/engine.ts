/**
 * The engine, assembled in one process: the bus, the store, an orchestrator, notifications and
 * step workers, all on one Redis. `hookrunner sync`, `worker`, `serve` and `demo`, the API, the
 * benches and the tests are different selections of it.
 */
import type { ClusterClient } from '../cluster/index.js';
import { createNotifications } from '../notifications/index.js';
import type { Notifications, NotifierFactory } from '../notifications/index.js';
import { createOrchestrator } from '../orchestrator/index.js';
import type { Orchestrator, OrchestratorOptions } from '../orchestrator/index.js';
import type { DataLoss, DeliveryEntry, EpochWatch, OperationEvent } from '../store/index.js';
import { createBus, disconnectRedisClients, redisKeys } from '../queue/index.js';
import type { Bus, RedisTarget } from '../queue/index.js';
import { createApplicationStore, createEpochWatch, createStore } from '../store/index.js';
import type { ApplicationStore, Store } from '../store/index.js';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';
import { isDone } from '../sync/index.js';
import type { Operation } from '../sync/index.js';
import { createStepWorker } from '../worker/index.js';
import type { StepWorker } from '../worker/index.js';

export interface EngineOptions {
  /** Where Redis is: a URL, or a Sentinel or cluster target. */
  redisUrl: RedisTarget;
  /** BullMQ and store key prefix. @defaultValue 'hookrunner' */
  prefix?: string;
  /** Run an orchestrator in this process. @defaultValue true */
  orchestrator?: boolean;
  /** Run step workers in this process (needs `cluster`). @defaultValue true */
  workers?: boolean;
  /** Steps run at once by this process's worker. @defaultValue 8 */
  concurrency?: number;
  cluster?: ClusterClient;
  logger?: Logger;
  onTransition?: OrchestratorOptions['onTransition'];
  /** @defaultValue 10_000 */
  sweepIntervalMs?: number;
  /** Time past an operation's deadline before the orchestrator terminates it itself. @defaultValue 30_000 */
  deadlineGraceMs?: number;
  /** Built-in notifications (with the orchestrator): how to reach each destination. */
  notifications?: { notifierFor: NotifierFactory; secrets?: string[]; onDelivery?: (entry: DeliveryEntry) => void };
  /** Redis data-loss detection (store/epoch.ts): how often the epoch is read besides after reconnects, and who hears of a loss. */
  epoch?: { intervalMs?: number; role?: string; onLoss?: (loss: DataLoss) => void };
}

export interface Engine {
  bus: Bus;
  store: Store;
  /** Application records (the API and auto-sync). */
  applications: ApplicationStore;
  orchestrator?: Orchestrator;
  notifications?: Notifications;
  worker?: StepWorker;
  /** Redis data-loss detection: the epoch, the losses seen, the operations lost. */
  epoch: EpochWatch;
  /** Stop: the steps and events in hand finish first. With Redis down this may not end; see `forceClose`. */
  close(): Promise<void>;
  /**
   * Stop now, when `close` overran its deadline: workers stop without waiting for their jobs and
   * every Redis client of this engine is disconnected. A step in hand keeps its BullMQ lock until
   * it expires (8 s); then the stall check hands it to another worker (`queue/consumers.ts`).
   */
  forceClose(): void;
}

/**
 * §11: remove the record of an application whose deletion succeeded — only the record that
 * existed when the deletion started (this hook runs again for a finished operation, and the name
 * may have been registered anew since).
 */
async function removeDeletedApplication(applications: ApplicationStore, op: Operation): Promise<void> {
  const record = await applications.getApplication(op.app);
  if (record && Date.parse(record.createdAt) <= Date.parse(op.startedAt)) await applications.deleteApplication(op.app);
}

/** What a lost operation answers: `operation lost in a Redis data loss detected at <time> ...`. */
export function lostMessage(loss: DataLoss): string {
  return `operation lost in a Redis data loss detected at ${loss.detectedAt} (the Redis dataset of ${loss.previous.createdAt} is gone: a restart without persistence, a failover or a flush); sync again`;
}

export function startEngine(options: EngineOptions): Engine {
  const { redisUrl, prefix = 'hookrunner', logger = silentLogger, concurrency = 8 } = options;
  const bus = createBus({ redisUrl, prefix, logger });
  const store = createStore({ redis: bus.redis, prefix: bus.prefix });
  const keys = redisKeys(bus.prefix);
  const epoch = createEpochWatch({
    redis: bus.redis,
    prefix: bus.prefix,
    logger,
    ...(options.epoch?.intervalMs ? { intervalMs: options.epoch.intervalMs } : {}),
    role: options.epoch?.role ?? ((options.orchestrator ?? true) ? 'serve' : 'worker'),
    onLoss: async (loss) => {
      options.epoch?.onLoss?.(loss);
      // Live views (SSE) hear that each lost operation ended, and why.
      for (const { id, app } of loss.lostOperations) {
        const event: OperationEvent = { type: 'operation', id, app, phase: 'Error', message: lostMessage(loss), version: -1, results: [] };
        await bus.redis.publish(keys.events, JSON.stringify(event));
      }
    },
  });
  const engine: Engine = {
    bus,
    store,
    epoch,
    applications: createApplicationStore({ redis: bus.redis, prefix: bus.prefix }),
    async close() {
      epoch.stop();
      await engine.worker?.close();
      await engine.orchestrator?.close();
      await engine.notifications?.close();
      await bus.close();
    },
    forceClose() {
      epoch.stop();
      void engine.worker?.close(true).catch(() => undefined);
      disconnectRedisClients(logger);
    },
  };
  if (options.orchestrator ?? true) {
    if (options.notifications) {
      engine.notifications = createNotifications({ redisUrl, bus, store, logger, ...options.notifications });
    }
    engine.orchestrator = createOrchestrator({
      redisUrl,
      bus,
      store,
      logger,
      onTransition: async (previous, next) => {
        epoch.track(next, !isDone(next));
        // Notifications must reach their queue (a failure retries the event); others never block it.
        if (engine.notifications) await engine.notifications.onTransition(previous, next);
        // §11: a deletion that succeeded removes the application; a failed one keeps it (called again after a crash).
        if (next.spec.deletion && next.phase === 'Succeeded') await removeDeletedApplication(engine.applications, next);
        if (options.onTransition) {
          try {
            await options.onTransition(previous, next);
          } catch (err) {
            logger.warn('transition hook failed', { operation: next.id, error: errorMessage(err) });
          }
        }
      },
      ...(options.sweepIntervalMs ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
      ...(options.deadlineGraceMs !== undefined ? { deadlineGraceMs: options.deadlineGraceMs } : {}),
    });
    engine.orchestrator.start();
  }
  // The epoch first, then the operations already running (a restarted serve) as known to be running.
  epoch
    .start()
    .then(async () => {
      if (engine.orchestrator) for (const id of await store.runningOperations()) epoch.track({ id, app: (await store.getOperation(id))?.app ?? '' }, true);
    })
    .catch((err: unknown) => logger.error('could not read the Redis epoch at start', { error: errorMessage(err) }));
  if ((options.workers ?? true) && options.cluster) {
    engine.worker = createStepWorker({ redisUrl, bus, cluster: options.cluster, concurrency, logger });
  }
  return engine;
}
