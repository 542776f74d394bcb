/**
 * The HTTP API as an express app that never listens by itself (`hookrunner serve` does):
 * REST under `/api/v1`, server-sent events, git webhooks, probes, metrics and the dashboard.
 * One request-id middleware, one error handler (problem details), thin routes.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Express } from 'express';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Orchestrator } from '../orchestrator/index.js';
import type { GitCache } from '../sources/index.js';
import { createMemoryProjectStore } from '../store/index.js';
import type { ApplicationStore, EpochWatch, Lease, ProjectStore, Store } from '../store/index.js';
import { DEFAULT_PROJECT, createProjectPolicy, projectRecord } from './projects.js';
import { builtinDefaultProject, projectDocument } from '../projects/index.js';
import { projectRoutes } from './routes/projects.js';
import type { Operation } from '../sync/index.js';
import { createAppStatus } from './app-status.js';
import type { StatusCluster, StatusSettings } from './app-status.js';
import { bearerAuth } from './auth.js';
import { createAutoSync } from './auto-sync.js';
import { ApiConfigError } from './config.js';
import { createEventHub } from './event-hub.js';
import { createApiMetrics } from './metrics.js';
import type { ApiMetrics } from './metrics.js';
import { notFoundHandler, problemHandler } from './problem.js';
import { requestContext } from './request-context.js';
import { applicationRoutes } from './routes/applications.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { eventRoutes } from './routes/events.js';
import { operationRoutes } from './routes/operations.js';
import { systemRoutes } from './routes/system.js';
import { webhookRoutes } from './routes/webhooks.js';
import { createSyncService } from './sync-service.js';
import type { OperationDefaults } from './sync-service.js';

/** Where the dashboard's files are, next to this module (src/ when run from source, dist/ once built). */
export const DASHBOARD_DIR = fileURLToPath(new URL('./dashboard/public/', import.meta.url));

export interface ApiOptions {
  store: Pick<Store, 'getOperation' | 'history' | 'runningOperationOf' | 'subscribe'>;
  applications: ApplicationStore;
  /**
   * Projects (docs/semantics.md §18); `hookrunner serve` writes the install's into Redis first
   * (`installProjects`). @defaultValue in memory, holding only the built-in narrow `default`
   */
  projects?: ProjectStore;
  /** The project of applications without `spec.project`. @defaultValue 'default' */
  defaultProject?: string;
  orchestrator: Pick<Orchestrator, 'submit' | 'terminate' | 'confirm'>;
  sources: Pick<GitCache, 'load'>;
  /** Accepted bearer tokens (`HOOKRUNNER_API_TOKEN`). Required unless `insecureNoAuth`. */
  tokens: readonly string[];
  /** Serve `/api/v1` without tokens (local experiments only). @defaultValue false */
  insecureNoAuth?: boolean;
  /** `HOOKRUNNER_WEBHOOK_SECRET`; webhooks answer 404 without it. @defaultValue none */
  webhookSecret?: string;
  /** Readiness: resolves when Redis answers (e.g. `() => redis.ping()`). @defaultValue always ready */
  ready?: () => Promise<unknown>;
  /** @defaultValue 2_000 */
  readyTimeoutMs?: number;
  /** Redis data-loss detection (store/epoch.ts): `/readyz` reports it, lost operations answer 410. @defaultValue none */
  redisEpoch?: Pick<EpochWatch, 'current' | 'losses' | 'lostIn'>;
  /** Each chat service and whether this process can post to it (`configured`, or what is missing), shown by `/readyz`. @defaultValue not shown */
  notificationServices?: () => Readonly<Record<string, string>>;
  /** @defaultValue a new registry without process metrics */
  metrics?: ApiMetrics;
  /** @defaultValue a silent pino logger */
  logger?: Logger;
  /** Largest JSON/YAML body. @defaultValue 1 MiB */
  bodyLimitBytes?: number;
  /** Largest webhook payload. @defaultValue 5 MiB */
  webhookLimitBytes?: number;
  /** Deadlines of operations started here. @defaultValue D3's 60 min / 30 min, D2's 0 */
  operationDefaults?: OperationDefaults;
  /** Public base URL of this server, for links in notifications. @defaultValue none */
  dashboardUrl?: string;
  /** Folder of the dashboard's files; `false` turns the dashboard off. @defaultValue {@link DASHBOARD_DIR} */
  dashboardDir?: string | false;
  /** SSE heartbeat interval. @defaultValue 15_000 */
  sseHeartbeatMs?: number;
  /** @defaultValue () => new Date() */
  now?: () => Date;
  /** The cluster whose live state application status is computed from (docs/semantics.md §17). @defaultValue none: every status Unknown, diff and tree 503 */
  cluster?: StatusCluster;
  /** Git polling, self-heal and status debounce settings. @defaultValue see {@link StatusSettings} */
  status?: StatusSettings;
  /**
   * Several `serve` replicas on one Redis: automation (automated sync, self-heal, git polling) runs
   * only in the replica holding this lease, taken once status has started. @defaultValue none: automation always runs here
   */
  automationLease?: Pick<Lease, 'start' | 'close'>;
}

export interface Api {
  app: Express;
  metrics: ApiMetrics;
  /** Number of connected event-stream clients. */
  readonly eventClients: number;
  /**
   * Give it the engine's transitions (`startEngine({ onTransition })`, beside the metrics' hook):
   * when an operation ends, a sync a push queued behind it starts.
   */
  onTransition(previous: Operation | undefined, next: Operation): Promise<void>;
  /** Start application status: the cluster's watches, every application compared, git polling. */
  start(): Promise<void>;
  /** End event streams, drop the Redis subscription and wait for syncs being started (the HTTP server is closed by its owner). */
  close(): Promise<void>;
}

export function createApi(options: ApiOptions): Api {
  const {
    store,
    applications,
    orchestrator,
    sources,
    tokens,
    insecureNoAuth = false,
    ready = async () => undefined,
    readyTimeoutMs = 2_000,
    metrics = createApiMetrics(),
    logger = pino({ level: 'silent' }),
    bodyLimitBytes = 1024 * 1024,
    webhookLimitBytes = 5 * 1024 * 1024,
    dashboardDir = DASHBOARD_DIR,
    now = () => new Date(),
  } = options;
  if (tokens.length === 0 && !insecureNoAuth) throw new ApiConfigError('no API token configured: set HOOKRUNNER_API_TOKEN (or run with --insecure-no-auth for a local experiment)');
  if (insecureNoAuth) logger.warn('the API accepts requests without a token (--insecure-no-auth)');

  const projectStore = options.projects ?? createMemoryProjectStore([projectRecord({ name: DEFAULT_PROJECT, spec: builtinDefaultProject(), original: projectDocument(DEFAULT_PROJECT, builtinDefaultProject()), now: now(), managedBy: 'install' })]);
  const projects = createProjectPolicy({ store: projectStore, ...(options.defaultProject ? { defaultProject: options.defaultProject } : {}) });
  const hub = createEventHub({ subscribe: store.subscribe, logger, ...(options.sseHeartbeatMs !== undefined ? { heartbeatMs: options.sseHeartbeatMs } : {}) });
  const sync = createSyncService({
    store,
    orchestrator,
    sources,
    projects,
    ...(options.operationDefaults ? { defaults: options.operationDefaults } : {}),
    ...(options.dashboardUrl ? { dashboardUrl: options.dashboardUrl } : {}),
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestContext(logger));
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.on('finish', () => {
      const route = (res.locals['route'] as string | undefined) ?? (res.statusCode === 404 ? 'unmatched' : 'static');
      metrics.recordRequest({ method: req.method, route, status: res.statusCode, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
    next();
  });

  app.use(systemRoutes({ ready: async () => void (await ready()), readyTimeoutMs, metrics, ...(options.redisEpoch ? { redisEpoch: options.redisEpoch } : {}), ...(options.notificationServices ? { notificationServices: options.notificationServices } : {}) }));
  const autoSync = createAutoSync({ applications, sync, logger });
  const appStatus = createAppStatus({ ...(options.status ?? {}), leaderElection: options.automationLease !== undefined, ...(options.cluster ? { cluster: options.cluster } : {}), sources, applications, store, sync, hub, metrics, logger });
  app.use('/api/v1/webhooks', webhookRoutes({ secret: options.webhookSecret, applications, autoSync, limitBytes: webhookLimitBytes, logger }));
  const api = express.Router();
  if (!insecureNoAuth) api.use(bearerAuth({ tokens }));
  api.use('/applications', applicationRoutes({ applications, store, sync, appStatus, projects, bodyLimitBytes, now }));
  api.use('/projects', projectRoutes({ policy: projects, applications, bodyLimitBytes, now, onChange: (name, change) => logger.info({ project: name }, `project ${change}`) }));
  api.use('/operations', operationRoutes({ store, orchestrator, ...(options.redisEpoch ? { lostIn: (id: string) => options.redisEpoch?.lostIn(id) } : {}) }));
  api.use('/events', eventRoutes(hub));
  app.use('/api/v1', api);
  if (dashboardDir !== false) {
    if (existsSync(dashboardDir)) app.use(dashboardRoutes({ dir: dashboardDir }));
    else logger.warn({ dir: dashboardDir }, 'dashboard files not found; the dashboard is off (npm run build copies them)');
  }
  app.use(notFoundHandler);
  app.use(problemHandler(logger));

  return {
    app,
    metrics,
    get eventClients() {
      return hub.clients;
    },
    async onTransition(previous, next) {
      await Promise.all([autoSync.onTransition(previous, next), appStatus.onTransition(previous, next)]);
    },
    async start() {
      await appStatus.start();
      options.automationLease?.start((held) => appStatus.setLeader(held));
    },
    async close() {
      await options.automationLease?.close();
      await hub.close();
      await autoSync.close();
      await appStatus.close();
    },
  };
}
