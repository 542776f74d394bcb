/**
 * Prometheus metrics (prom-client), on a registry of their own per instance so tests and several
 * apps in one process never collide. Operation transitions reach them through
 * {@link ApiMetrics.onTransition} (give it to the engine's `onTransition`); notification code
 * counts deliveries with {@link ApiMetrics.recordNotificationDelivery}.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isDone } from '../sync/index.js';
import type { Operation } from '../sync/index.js';

/** How one notification delivery ended. */
export type NotificationOutcome = 'delivered' | 'failed' | 'duplicate' | 'skipped';

/** What is read of a queue (a BullMQ `Queue` fits). */
export interface JobCountSource {
  getJobCounts(...states: ('waiting' | 'active' | 'delayed' | 'prioritized' | 'failed')[]): Promise<Record<string, number>>;
}

/** Queues whose depth is reported (e.g. the bus's `steps` and `orchestrator` queues), by name. */
export type DepthQueues = Readonly<Record<string, JobCountSource>>;

export interface ApiMetricsOptions {
  /** Also collect the process's default metrics (CPU, memory, event loop). @defaultValue false */
  processMetrics?: boolean;
  /** Queues reported as `hookrunner_queue_depth{queue,state}`, read at scrape time (a function when they exist only later). @defaultValue none */
  queues?: DepthQueues | (() => DepthQueues);
  /** Deadline of one queue-depth read during a scrape; a slow Redis leaves the gauge unset. @defaultValue 2_000 */
  queueDepthTimeoutMs?: number;
  /** @defaultValue Date.now */
  now?: () => number;
  /** The Redis epoch this process works with (store/epoch.ts), read at scrape time for `hookrunner_redis_epoch_info`. @defaultValue none */
  redisEpoch?: () => { id: string; createdAt: string } | undefined;
}

export interface ApiMetrics {
  readonly registry: Registry;
  /** The engine's transition hook: outcomes, step and hook durations. Never throws. */
  onTransition(previous: Operation | undefined, next: Operation): void;
  recordNotificationDelivery(outcome: NotificationOutcome): void;
  /** Count an HTTP request (the app does this itself). */
  recordRequest(input: { method: string; route: string; status: number; seconds: number }): void;
  /** `hookrunner_app_info{name, sync_status, health_status} 1`, like Argo CD's `argocd_app_info`; undefined removes the application. */
  setApplicationStatus(name: string, status: { sync: string; health: string } | undefined): void;
  /** A Redis data loss was detected (`hookrunner_redis_data_loss_total`). */
  recordRedisDataLoss(): void;
}

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800];

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([work.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

export function createApiMetrics(options: ApiMetricsOptions = {}): ApiMetrics {
  const { queues = {}, queueDepthTimeoutMs = 2_000, now = () => Date.now() } = options;
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'hookrunner_' });

  const operations = new Counter({ name: 'hookrunner_operations_total', help: 'Sync operations finished, by outcome (Succeeded, Failed, Error)', labelNames: ['outcome'], registers: [registry] });
  const steps = new Histogram({ name: 'hookrunner_step_duration_seconds', help: 'Time from emitting a step to its result, by step kind (prepare, wave, syncFail, cleanup)', labelNames: ['kind'], buckets: DURATION_BUCKETS, registers: [registry] });
  const hooks = new Histogram({ name: 'hookrunner_hook_duration_seconds', help: 'Hook run time from first apply to completion, by hook type and result', labelNames: ['hook_type', 'phase'], buckets: DURATION_BUCKETS, registers: [registry] });
  const deliveries = new Counter({ name: 'hookrunner_notification_deliveries_total', help: 'Chat notification deliveries, by outcome (delivered, failed, duplicate, skipped)', labelNames: ['outcome'], registers: [registry] });
  const requests = new Counter({ name: 'hookrunner_http_requests_total', help: 'HTTP requests answered, by method, route and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const requestSeconds = new Histogram({ name: 'hookrunner_http_request_duration_seconds', help: 'HTTP request duration by route (server-sent event streams excluded)', labelNames: ['method', 'route'], buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] });
  const appInfo = new Gauge({ name: 'hookrunner_app_info', help: 'One series per application: its sync status (Synced, OutOfSync, Unknown) and health status (docs/semantics.md §17)', labelNames: ['name', 'sync_status', 'health_status'], registers: [registry] });
  const appLabels = new Map<string, { sync: string; health: string }>();
  new Gauge({
    name: 'hookrunner_queue_depth',
    help: 'Jobs in each queue by state, read at scrape time',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        Object.entries(typeof queues === 'function' ? queues() : queues).map(async ([queue, q]) => {
          const counts = await withTimeout(q.getJobCounts(...QUEUE_STATES), queueDepthTimeoutMs);
          if (!counts) return;
          for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state] ?? 0);
        }),
      );
    },
  });

  const dataLosses = new Counter({ name: 'hookrunner_redis_data_loss_total', help: 'Redis data losses this process detected (its epoch key gone or changed: a restart without persistence, a failover that lost writes, a flush)', registers: [registry] });
  const redisEpoch = options.redisEpoch;
  new Gauge({
    name: 'hookrunner_redis_epoch_info',
    help: 'The Redis dataset this process works with: its epoch id and creation time (a new one after a data loss)',
    labelNames: ['epoch', 'created'],
    registers: [registry],
    collect() {
      this.reset();
      const epoch = redisEpoch?.();
      if (epoch) this.set({ epoch: epoch.id, created: epoch.createdAt }, 1);
    },
  });

  return {
    registry,
    recordRedisDataLoss() {
      dataLosses.inc();
    },
    onTransition(previous, next) {
      try {
        if (isDone(next) && (!previous || !isDone(previous))) operations.inc({ outcome: next.phase });
        const step = previous?.step;
        if (step && next.step?.id !== step.id) steps.observe({ kind: step.kind }, Math.max(0, now() - step.emittedAt) / 1000);
        const before = new Map((previous?.results ?? []).map((r) => [r.key, r]));
        for (const r of next.results) {
          if (!r.hookType || r.finishedAt === undefined || r.startedAt === undefined) continue;
          if (before.get(r.key)?.finishedAt !== undefined) continue;
          hooks.observe({ hook_type: r.hookType, phase: r.hookPhase ?? 'Unknown' }, Math.max(0, r.finishedAt - r.startedAt) / 1000);
        }
      } catch {
        // metrics must never disturb an operation
      }
    },
    recordNotificationDelivery(outcome) {
      deliveries.inc({ outcome });
    },
    recordRequest({ method, route, status, seconds }) {
      requests.inc({ method, route, status: String(status) });
      if (route !== '/api/v1/events') requestSeconds.observe({ method, route }, seconds);
    },
    setApplicationStatus(name, status) {
      const old = appLabels.get(name);
      if (old) appInfo.remove({ name, sync_status: old.sync, health_status: old.health });
      if (!status) {
        appLabels.delete(name);
        return;
      }
      appLabels.set(name, status);
      appInfo.set({ name, sync_status: status.sync, health_status: status.health }, 1);
    },
  };
}
