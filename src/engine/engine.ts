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
import type { DeliveryEntry } from '../store/index.js';
import { createBus } from '../queue/index.js';
import type { Bus, RedisTarget } from '../queue/index.js';
import { createApplicationStore, createStore } from '../store/index.js';
import type { ApplicationStore, Store } from '../store/index.js';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';
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
}

export interface Engine {
  bus: Bus;
  store: Store;
  /** Application records (the API and auto-sync). */
  applications: ApplicationStore;
  orchestrator?: Orchestrator;
  notifications?: Notifications;
  worker?: StepWorker;
  close(): Promise<void>;
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

export function startEngine(options: EngineOptions): Engine {
  const { redisUrl, prefix = 'hookrunner', logger = silentLogger, concurrency = 8 } = options;
  const bus = createBus({ redisUrl, prefix });
  const store = createStore({ redis: bus.redis, prefix: bus.prefix });
  const engine: Engine = {
    bus,
    store,
    applications: createApplicationStore({ redis: bus.redis, prefix: bus.prefix }),
    async close() {
      await engine.worker?.close();
      await engine.orchestrator?.close();
      await engine.notifications?.close();
      await bus.close();
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
  if ((options.workers ?? true) && options.cluster) {
    engine.worker = createStepWorker({ redisUrl, bus, cluster: options.cluster, concurrency, logger });
  }
  return engine;
}
