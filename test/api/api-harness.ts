/**
 * The API for tests: a real Redis (own key prefix), a real orchestrator, the git cache, and —
 * with `cluster: true` — the dev cluster, the Kubernetes adapter and step workers, so operations
 * run to the end. Requests go in-process through supertest (`request(h.app)`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { pino } from 'pino';
import { createApi, createApiMetrics, projectRecord } from '../../src/api/index.js';
import { projectDocument } from '../../src/projects/index.js';
import type { ProjectSpec } from '../../src/projects/index.js';
import type { Api, ApiOptions } from '../../src/api/index.js';
import { startEngine } from '../../src/engine/index.js';
import type { Engine } from '../../src/engine/index.js';
import { createClusterClient } from '../../src/cluster/index.js';
import type { ClusterClient } from '../../src/cluster/types.js';
import type { DevCluster } from '../../src/devcluster/index.js';
import { createGitCache } from '../../src/sources/index.js';
import type { GitCache } from '../../src/sources/index.js';
import { createProjectStore } from '../../src/store/index.js';
import type { ApplicationStore, ProjectStore } from '../../src/store/index.js';
import { isDone } from '../../src/sync/index.js';
import type { Operation } from '../../src/sync/index.js';
import { DeadlineExceededError } from '../../src/util/index.js';
import { startTestCluster } from '../helpers/backends.js';
import type { Backend, TestCluster } from '../helpers/backends.js';
import { REDIS_URL, cleanPrefix, testPrefix } from '../helpers/redis.js';

export const TOKEN = 'test-token-0123456789abcdef';
export const OTHER_TOKEN = 'second-token-abcdef0123456789';
export const AUTH = { Authorization: `Bearer ${TOKEN}` };

/**
 * The harness's `default` project: Argo CD's own `default` (everything permitted) plus the
 * `file://` lab repositories, which hookrunner lets only a `file://` pattern reach (§18).
 */
export const TEST_DEFAULT_PROJECT: ProjectSpec = {
  description: 'the test harness: everything, and file:// lab repositories',
  sourceRepos: ['*', 'file://**'],
  destinations: [{ server: '*', namespace: '*' }],
  clusterResourceWhitelist: [{ group: '*', kind: '*' }],
  clusterResourceBlacklist: [],
  namespaceResourceBlacklist: [],
};

export interface ApiHarnessOptions {
  /** The `default` project's spec. @defaultValue {@link TEST_DEFAULT_PROJECT} */
  defaultProject?: ProjectSpec;
  /** Start a cluster (true: the embedded dev cluster; or a backend of test/helpers/backends.ts), the adapter and step workers. @defaultValue false */
  cluster?: boolean | Backend;
  /**
   * Application status from the dev cluster (watches, comparisons, automated sync of automated
   * applications, self-heal), as `hookrunner serve` runs it; needs `cluster`. Git polling stays off
   * unless `api.status.gitPollIntervalMs` says otherwise. @defaultValue false
   */
  status?: boolean;
  /** @defaultValue [TOKEN, OTHER_TOKEN] */
  tokens?: string[];
  webhookSecret?: string;
  /** Extra createApi options. */
  api?: Partial<ApiOptions>;
  /** Wrap the application store the API uses (to hold calls back in race tests). @defaultValue the store as is */
  wrapApplications?: (store: ApplicationStore) => ApplicationStore;
}

export interface ApiHarness {
  app: Express;
  api: Api;
  engine: Engine;
  applications: ApplicationStore;
  /** The projects the API reads (Redis, the harness's prefix). */
  projects: ProjectStore;
  cache: GitCache;
  prefix: string;
  /** The embedded dev cluster (embedded backend only). */
  cluster?: DevCluster;
  /** The cluster, of either backend. */
  testCluster?: TestCluster;
  client?: ClusterClient;
  /** JSON log lines the API wrote. */
  logs: string[];
  /** Wait (by store events, with a slow re-read as backstop) until the operation is done. */
  waitFor(id: string, timeoutMs?: number): Promise<Operation>;
  close(): Promise<void>;
}

export async function startApiHarness(options: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const prefix = testPrefix();
  const dir = await mkdtemp(join(tmpdir(), 'hookrunner-api-test-'));
  let cluster: DevCluster | undefined;
  let testCluster: TestCluster | undefined;
  let client: ClusterClient | undefined;
  if (options.cluster) {
    testCluster = await startTestCluster(options.cluster === true ? 'embedded' : options.cluster);
    cluster = testCluster.dev;
    const kubeconfig = join(dir, 'kubeconfig');
    await testCluster.writeKubeconfig(kubeconfig);
    client = createClusterClient({ kubeconfig, retry: { attempts: 6, initialMs: 50, maxMs: 1_000 } });
  }
  const metrics = createApiMetrics();
  // Wired as `hookrunner serve` wires it: the engine's transitions reach the metrics and the API (queued syncs).
  const wired: { api?: Api } = {};
  const onTransition = async (previous: Operation | undefined, next: Operation): Promise<void> => {
    metrics.onTransition(previous, next);
    await wired.api?.onTransition(previous, next);
  };
  const engine = startEngine({ redisUrl: REDIS_URL, prefix, workers: Boolean(client), sweepIntervalMs: 1_000, onTransition, ...(client ? { cluster: client } : {}) });
  const applications = engine.applications;
  const projects = createProjectStore({ redis: engine.bus.redis, prefix });
  const defaultSpec = options.defaultProject ?? TEST_DEFAULT_PROJECT;
  await projects.putProject(projectRecord({ name: 'default', spec: defaultSpec, original: projectDocument('default', defaultSpec), now: new Date() }));
  const cache = createGitCache({ dir: join(dir, 'git-cache'), networkAttempts: 1 });
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const api = createApi({
    store: engine.store,
    applications: options.wrapApplications ? options.wrapApplications(applications) : applications,
    projects,
    orchestrator: engine.orchestrator as NonNullable<Engine['orchestrator']>,
    sources: cache,
    tokens: options.tokens ?? [TOKEN, OTHER_TOKEN],
    ready: () => engine.bus.redis.ping(),
    metrics,
    logger,
    operationDefaults: { timeoutMs: 60_000, hookTimeoutMs: 30_000 },
    ...(options.webhookSecret ? { webhookSecret: options.webhookSecret } : {}),
    ...(options.status && client ? { cluster: client, status: { gitPollIntervalMs: 0 } } : {}),
    ...options.api,
  });
  wired.api = api;
  if (options.status) {
    if (!client) throw new Error('startApiHarness: status needs cluster: true');
    await api.start();
  }

  return {
    app: api.app,
    api,
    engine,
    applications,
    projects,
    cache,
    prefix,
    ...(cluster ? { cluster } : {}),
    ...(testCluster ? { testCluster } : {}),
    ...(client ? { client } : {}),
    logs,
    async waitFor(id, timeoutMs = 30_000) {
      const started = Date.now();
      let wake: (() => void) | undefined;
      const unsubscribe = await engine.store.subscribe((e) => {
        if (e.id === id) wake?.();
      });
      let last: Operation | undefined;
      try {
        for (;;) {
          last = await engine.store.getOperation(id);
          if (last && isDone(last)) return last;
          const left = timeoutMs - (Date.now() - started);
          if (left <= 0) throw new DeadlineExceededError(`operation ${id} to finish`, Date.now() - started, last ? `${last.phase}: ${last.message}` : 'no such operation');
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(500, left));
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      } finally {
        await unsubscribe();
      }
    },
    async close() {
      await api.close();
      await engine.close();
      client?.close();
      await testCluster?.stop();
      await cache.close();
      await cleanPrefix(prefix);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The lab's Application manifest (`app-sync-phase-1.yaml`), as the seed writes it, with comments. */
export const LAB_APPLICATION = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-sync-phase-1            			      # change name
spec:
  destination:
    namespace: app-sync-phases					        # change namespace
    server: https://kubernetes.default.svc
  project: default
  source:
    path: 07-argocd-sync-phases-waves/sync-phases-waves-manifests-examples
    repoURL: https://github.com/entermix123/ArgoCD-Labs.git
    targetRevision: main
  syncPolicy:
    syncOptions:							# add sync options section
    - CreateNamespace=true						# enable CreateNamespace parameter
    # automated: {}                   # disable automated sync
`;

/** The lab's Application pointed at another repository, path and name. */
export function labApplication(input: { repoURL: string; name?: string; path?: string; targetRevision?: string; automated?: boolean; namespace?: string }): string {
  return LAB_APPLICATION.replace('app-sync-phase-1 ', `${input.name ?? 'app-sync-phase-1'} `)
    .replace('https://github.com/entermix123/ArgoCD-Labs.git', input.repoURL)
    .replace('07-argocd-sync-phases-waves/sync-phases-waves-manifests-examples', input.path ?? '07-argocd-sync-phases-waves/sync-phases-waves-manifests-examples')
    .replace('targetRevision: main', `targetRevision: ${input.targetRevision ?? 'main'}`)
    .replace('namespace: app-sync-phases', `namespace: ${input.namespace ?? 'app-sync-phases'}`)
    .replace('    # automated: {}                   # disable automated sync', input.automated ? '    automated: {}' : '    # automated: {}                   # disable automated sync');
}
