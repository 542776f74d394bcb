/**
 * Application status in the API process (docs/semantics.md §17): the status controller (watches
 * of the cluster, the source at the target revision), automated sync (new revisions, self-heal),
 * git polling, and where status changes go — server-sent `application` events and the
 * `hookrunner_app_info` metric. Without a cluster connection every status is Unknown and the
 * diff and tree answer 503.
 */
import type { Logger } from 'pino';
import type { GitCache } from '../sources/index.js';
import { createStatusController, unknownStatus } from '../status/index.js';
import type { ApplicationStatus, ResourceDiff, ResourceNode, StatusControllerOptions } from '../status/index.js';
import type { ApplicationRecord, ApplicationStore, Store } from '../store/index.js';
import type { Operation } from '../sync/index.js';
import { errorMessage } from '../util/index.js';
import { createAutomation } from './automation.js';
import type { SelfHealOptions } from './automation.js';
import type { EventHub } from './event-hub.js';
import { startGitPoller } from './git-poller.js';
import type { GitPoller } from './git-poller.js';
import type { ApiMetrics } from './metrics.js';
import { HttpProblem } from './problem.js';
import type { SyncService } from './sync-service.js';

/** What application status needs of the cluster: watches and discovery. */
export type StatusCluster = StatusControllerOptions['cluster'];

export interface StatusSettings {
  /** Read every application's source again this often; 0 turns git polling off. @defaultValue 180_000 */
  gitPollIntervalMs?: number;
  selfHeal?: SelfHealOptions;
  /** @defaultValue 100 */
  debounceMs?: number;
  /** Watch namespaced kinds in these namespaces only (an identity with namespaced Roles). @defaultValue all namespaces */
  watchNamespaces?: readonly string[];
  /**
   * Several replicas: automation (automated syncs, self-heal, git polling) waits for
   * {@link AppStatus.setLeader} (the automation lease); status itself runs in every replica. @defaultValue false
   */
  leaderElection?: boolean;
}

export interface AppStatusOptions extends StatusSettings {
  cluster?: StatusCluster;
  sources: Pick<GitCache, 'load'>;
  applications: Pick<ApplicationStore, 'getApplication' | 'listApplications'>;
  store: Pick<Store, 'history' | 'getOperation'>;
  sync: Pick<SyncService, 'start' | 'runningOperation'>;
  hub: Pick<EventHub, 'publishApplication'>;
  metrics: Pick<ApiMetrics, 'setApplicationStatus'>;
  logger: Logger;
}

export interface AppStatus {
  /** Start the watches, compare every registered application, start git polling. */
  start(): Promise<void>;
  statusOf(app: ApplicationRecord): ApplicationStatus;
  /** @throws HttpProblem 503 without a cluster connection */
  tree(app: ApplicationRecord): ResourceNode[];
  /** @throws HttpProblem 503 without a cluster connection, 422 when the source cannot be read */
  diff(app: ApplicationRecord): { revision: string; items: ResourceDiff[] };
  /** An application was created or changed (the API stored it): compare it, and sync it if automated. */
  changed(app: ApplicationRecord, trigger: string): void;
  onTransition(previous: Operation | undefined, next: Operation): Promise<void>;
  /** This replica took (true) or lost (false) the automation lease: start or stop automation here. */
  setLeader(held: boolean): void;
  close(): Promise<void>;
}

const noCluster = (): HttpProblem =>
  new HttpProblem(503, 'this server has no cluster connection, so it cannot compare applications with the cluster (run serve with a kubeconfig or in a cluster)', { type: 'no-cluster' });

export function createAppStatus(options: AppStatusOptions): AppStatus {
  const { cluster, sources, applications, store, sync, hub, metrics, logger, gitPollIntervalMs = 180_000 } = options;
  if (!cluster) {
    return {
      start: async () => undefined,
      statusOf: unknownStatus,
      tree: () => {
        throw noCluster();
      },
      diff: () => {
        throw noCluster();
      },
      changed: () => undefined,
      onTransition: async () => undefined,
      setLeader: () => undefined,
      close: async () => undefined,
    };
  }
  const background = new Set<Promise<unknown>>();
  const inBackground = (what: string, work: Promise<unknown>): void => {
    const settled = work.catch((err: unknown) => logger.error({ err }, `${what} failed: ${errorMessage(err)}`));
    background.add(settled);
    void settled.finally(() => background.delete(settled));
  };
  const controller = createStatusController({
    cluster,
    loadSource: (app) => sources.load({ repoURL: app.source.repoURL, targetRevision: app.source.targetRevision, path: app.source.path, ...(app.source.directory ? { directory: app.source.directory } : {}) }),
    onStatus: (name, status) => {
      hub.publishApplication(name, status);
      metrics.setApplicationStatus(name, { sync: status.sync.status, health: status.health.status });
      automation.onStatus(name, status);
    },
    ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
    ...(options.watchNamespaces?.length ? { namespaces: options.watchNamespaces } : {}),
    logger: { debug: (m, f) => logger.debug(f ?? {}, m), info: (m, f) => logger.info(f ?? {}, m), warn: (m, f) => logger.warn(f ?? {}, m), error: (m, f) => logger.error(f ?? {}, m) },
  });
  let leading = !(options.leaderElection ?? false);
  let started = false;
  const automation = createAutomation({ applications, store, sync, status: controller, logger, active: () => leading, ...(options.selfHeal ? { selfHeal: options.selfHeal } : {}) });
  let poller: GitPoller | undefined;
  /** Applications this replica's controller compares: another replica may have registered more (they are picked up when read or polled). */
  const tracked = new Set<string>();
  const track = (app: ApplicationRecord, reason: string): Promise<ApplicationStatus> => {
    tracked.add(app.name);
    return controller.setApplication(app, reason);
  };
  /** Git polling: read the source again; an application registered through another replica is compared from now on. */
  async function pollRefresh(name: string, trigger: string): Promise<void> {
    if (tracked.has(name)) return automation.refresh(name, trigger);
    const app = await applications.getApplication(name);
    if (!app) return;
    await track(app, trigger);
    automation.evaluate(name);
  }
  const startPolling = (): void => {
    if (gitPollIntervalMs > 0 && !poller) poller = startGitPoller({ applications, refresh: pollRefresh, intervalMs: gitPollIntervalMs, logger });
  };
  /** The lease was taken: compare every application (some may have been registered through another replica), decide for each, poll git. */
  async function takeOver(): Promise<void> {
    const apps = await applications.listApplications();
    await Promise.all(apps.map((app) => track(app, 'automation lease taken')));
    if (!leading) return;
    for (const app of apps) automation.evaluate(app.name);
    startPolling();
  }

  return {
    async start() {
      await controller.start();
      const apps = await applications.listApplications();
      await Promise.all(apps.map((app) => track(app, 'serve started')));
      for (const app of apps) automation.onStatus(app.name, controller.status(app));
      started = true;
      if (leading) startPolling();
    },
    statusOf(app) {
      // Registered through another replica: compare it from now on (this read answers Unknown).
      if (!tracked.has(app.name)) inBackground(`comparing ${app.name}`, track(app, 'first read in this replica'));
      return controller.status(app);
    },
    tree: (app) => controller.tree(app.name),
    diff(app) {
      const diff = controller.diff(app.name);
      if (diff) return diff;
      const error = controller.status(app).conditions.find((c) => c.type === 'ComparisonError');
      throw new HttpProblem(422, `the source of ${app.name} could not be read: ${error?.message ?? 'not compared yet'}`, { type: 'source' });
    },
    changed(app, trigger) {
      automation.forget(app.name);
      inBackground(`comparing ${app.name}`, track(app, trigger).then(() => automation.evaluate(app.name)));
    },
    async onTransition(previous, next) {
      // §11: a deletion that succeeded removed the application.
      if (next.spec.deletion && next.phase === 'Succeeded' && previous?.phase !== 'Succeeded') {
        controller.removeApplication(next.app);
        tracked.delete(next.app);
        automation.forget(next.app);
        metrics.setApplicationStatus(next.app, undefined);
        return;
      }
      await automation.onTransition(previous, next);
    },
    setLeader(held) {
      if (held === leading) return;
      leading = held;
      logger.info({ automation: held }, held ? 'automation lease taken: this replica runs automated sync, self-heal and git polling' : 'automation lease lost: automation stops in this replica');
      if (held && started) inBackground('taking over automation', takeOver());
      if (!held) {
        const stopping = poller;
        poller = undefined;
        if (stopping) inBackground('stopping git polling', stopping.close());
      }
    },
    async close() {
      await poller?.close();
      await automation.close();
      while (background.size > 0) await Promise.allSettled([...background]);
      controller.close();
    },
  };
}
