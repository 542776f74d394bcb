/**
 * `startDevCluster`: a small Kubernetes-API-compatible server (objects in memory, watch,
 * validation, controllers) that runs each Pod's containers as local processes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { CollectionRef, ObjectRef } from '../cluster/types.js';
import type { KubeObject } from '../manifests/index.js';
import { ObjectApi } from './api/object-api.js';
import { ObjectStore } from './api/object-store.js';
import { NODE_NAME, ServiceAllocator } from './api/prepare-create.js';
import { nowRfc3339 } from './api/metadata.js';
import { ResourceRegistry } from './api/resource-registry.js';
import { storageKey } from './api/resource-types.js';
import type { ResourceType } from './api/resource-types.js';
import { AuditLog } from './audit.js';
import type { AuditEntry } from './audit.js';
import { CrdController } from './controllers/crd-controller.js';
import { GarbageCollector } from './controllers/garbage-collector.js';
import { JobController } from './controllers/job-controller.js';
import { NamespaceController } from './controllers/namespace-controller.js';
import { WorkloadController } from './controllers/workload-controller.js';
import { DevClusterError } from './errors.js';
import { FaultInjector, parseFaultSpec } from './faults.js';
import type { FaultCounters, FaultOptions } from './faults.js';
import { ApiServer } from './http/api-server.js';
import type { RequestLogEntry } from './http/api-server.js';
import { WatchHub } from './http/watch-hub.js';
import { clone } from './json.js';
import { renderKubeconfig } from './kubeconfig.js';
import { silentLogger } from './logger.js';
import type { DevClusterLogger } from './logger.js';
import { ImageResolver, validateImageMapping } from '../podruntime/images.js';
import type { ImageMapping } from '../podruntime/images.js';
import { PodRuntime } from '../podruntime/pod-runtime.js';
import { EventRecorder } from './events.js';
import { devClusterPodHost } from './pod-host.js';

export interface DevClusterOptions {
  /** TCP port; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /** Interface to listen on. @defaultValue '127.0.0.1' */
  host?: string;
  /** Image pattern → entrypoint, tried before the built-in hookrunner images (see `podruntime/images.ts`). @defaultValue {} */
  images?: ImageMapping;
  /** Delay after which Deployment/StatefulSet/DaemonSet/ReplicaSet status catches up with a new generation (also LoadBalancer/Ingress addresses and PVC binding), in ms. @defaultValue 300 */
  workloadReadyDelayMs?: number;
  /** First delay before a failed container restarts (doubling, up to 32×), in ms. @defaultValue 200 */
  podRestartBackoffMs?: number;
  /** First delay before a Job replaces a failed Pod (doubling), in ms. @defaultValue podRestartBackoffMs */
  jobPodFailureBackoffMs?: number;
  /** Fault injection, as options or a `--faults` spec string. @defaultValue none */
  faults?: FaultOptions | string;
  /** Bearer token every request (but health and version) must carry; unset = no check. The kubeconfig carries it. @defaultValue unset */
  token?: string;
  /** @defaultValue silent */
  logger?: DevClusterLogger;
  /** Cap on a Pod's termination grace period, in seconds. @defaultValue 30 */
  maxGracePeriodSeconds?: number;
  /** Interval of BOOKMARK events on watches that allow them, in ms. @defaultValue 10_000 */
  watchBookmarkIntervalMs?: number;
  /** Events kept for resuming watches (older resourceVersions get 410 Expired). @defaultValue 10_000 */
  watchHistorySize?: number;
  /** Log bytes kept per container instance (the oldest lines are dropped). @defaultValue 10 MiB */
  maxLogBytesPerContainer?: number;
  /** Audit entries kept. @defaultValue 100_000 */
  auditSize?: number;
  /** Requests kept in the request log. @defaultValue 10_000 */
  requestLogSize?: number;
}

export interface DevCluster {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Kubeconfig YAML: a `dev-cluster` context, the server URL, a token user. */
  kubeconfig(): string;
  writeKubeconfig(path: string): Promise<void>;
  /** Every mutating request (with its HTTP code) and every container process start and exit, oldest first. */
  audit(): AuditEntry[];
  /** Every answered request (method, URL, Accept, Content-Type, code), for debugging clients. */
  requests(): RequestLogEntry[];
  /** A copy of a stored object, read directly (no HTTP). */
  get(ref: ObjectRef): KubeObject | undefined;
  /** Copies of stored objects of a kind, read directly. */
  list(ref: CollectionRef): KubeObject[];
  /** Watch connections open now, and the most open at once since the start or the last `resetWatchPeak` (benches read it). */
  watchGauge(): { open: number; peak: number };
  /** Start a new watch peak from the watches open now. */
  resetWatchPeak(): void;
  /** What fault injection did so far. */
  faultCounters(): FaultCounters;
  /** PIDs of every container process started. */
  spawnedPids(): number[];
  /** Close watches, kill every process and wait for them, close the server. Idempotent. */
  stop(): Promise<void>;
}

function checkNumber(field: string, value: number | undefined, min: number, integer: boolean): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new DevClusterError(`invalid dev cluster option ${field}: ${String(value)} (must be ${integer ? 'an integer' : 'a number'} ≥ ${min})`);
  }
}

function typeOf(registry: ResourceRegistry, group: string, plural: string): ResourceType {
  const version = registry.groups().find((g) => g.group === group)?.preferredVersion ?? 'v1';
  const type = registry.byResource(group, version, plural);
  if (!type) throw new DevClusterError(`built-in resource ${group}/${plural} is missing`);
  return type;
}

/** The one Node every Pod is scheduled to, Ready, with this machine's capacity. */
function createNode(api: ObjectApi, nodeType: ResourceType): void {
  api.create({ type: nodeType, namespace: '' }, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: NODE_NAME, labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': process.platform, 'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch } },
  });
  const now = nowRfc3339();
  api.mutate(nodeType, '', NODE_NAME, (draft) => {
    draft.status = {
      capacity: { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110' },
      allocatable: { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: now, lastTransitionTime: now, reason: 'KubeletReady', message: 'hookrunner dev cluster: containers run as local processes' }],
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: NODE_NAME }],
      nodeInfo: { kubeletVersion: 'v1.34.0', containerRuntimeVersion: 'hookrunner://local-processes', operatingSystem: process.platform, architecture: process.arch === 'x64' ? 'amd64' : process.arch, osImage: '', kernelVersion: '', kubeProxyVersion: '', machineID: '', systemUUID: '', bootID: '' },
    };
  });
}

export async function startDevCluster(options: DevClusterOptions = {}): Promise<DevCluster> {
  const { port = 0, host = '127.0.0.1', workloadReadyDelayMs = 300, podRestartBackoffMs = 200, maxGracePeriodSeconds = 30 } = options;
  checkNumber('port', port, 0, true);
  if (port > 65535) throw new DevClusterError(`invalid dev cluster option port: ${port} (must be ≤ 65535)`);
  if (typeof host !== 'string' || host === '') throw new DevClusterError('invalid dev cluster option host: must be a non-empty string');
  checkNumber('workloadReadyDelayMs', workloadReadyDelayMs, 0, false);
  checkNumber('podRestartBackoffMs', podRestartBackoffMs, 0, false);
  checkNumber('jobPodFailureBackoffMs', options.jobPodFailureBackoffMs, 0, false);
  checkNumber('maxGracePeriodSeconds', maxGracePeriodSeconds, 0, false);
  checkNumber('watchBookmarkIntervalMs', options.watchBookmarkIntervalMs, 1, false);
  checkNumber('watchHistorySize', options.watchHistorySize, 1, true);
  checkNumber('maxLogBytesPerContainer', options.maxLogBytesPerContainer, 1, true);
  checkNumber('auditSize', options.auditSize, 1, true);
  checkNumber('requestLogSize', options.requestLogSize, 1, true);
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token === '' || /\s/.test(options.token))) {
    throw new DevClusterError('invalid dev cluster option token: must be a non-empty string without whitespace');
  }
  const images = new ImageResolver(validateImageMapping(options.images ?? {}, 'images option'));
  const faults = options.faults === undefined ? undefined : new FaultInjector(typeof options.faults === 'string' ? parseFaultSpec(options.faults) : options.faults);
  const logger = options.logger ?? silentLogger;
  const onError = (err: unknown, context: string): void => logger.warn({ err: err instanceof Error ? err.message : String(err) }, `dev cluster: ${context}`);

  const audit = new AuditLog(options.auditSize ?? 100_000);
  const tmpRoot = await mkdtemp(join(tmpdir(), 'hookrunner-dev-cluster-'));
  const store = new ObjectStore({ historySize: options.watchHistorySize ?? 10_000, onListenerError: (err) => onError(err, 'store listener') });
  const registry = new ResourceRegistry();
  const podType = typeOf(registry, '', 'pods');
  // The API asks the runtime whether a Pod still has processes; the runtime writes through the API.
  const api: ObjectApi = new ObjectApi({ store, registry, services: new ServiceAllocator(), maxGracePeriodSeconds, podHasProcesses: (pod) => podRuntime.hasProcesses(pod) });
  const events = new EventRecorder(api, typeOf(registry, '', 'events'));
  const podRuntime: PodRuntime = new PodRuntime({
    host: devClusterPodHost(api, podType),
    images,
    tmpRoot,
    restartBackoffMs: podRestartBackoffMs,
    maxLogBytes: options.maxLogBytesPerContainer ?? 10 * 1024 * 1024,
    onProcessEvent: (e) => {
      if (e.verb === 'process-started') events.forPod(store.peek('/pods', e.namespace, e.pod), e.container);
      audit.record({ time: Date.now(), verb: e.verb, apiVersion: 'v1', kind: 'Pod', namespace: e.namespace, name: e.pod, code: 0, source: 'runtime', container: e.container, ...(e.pid !== undefined ? { pid: e.pid } : {}), ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}) });
    },
    onError,
  });
  const workloadTypes = new Map<string, ResourceType>();
  for (const [group, plural] of [['apps', 'deployments'], ['apps', 'replicasets'], ['apps', 'statefulsets'], ['apps', 'daemonsets'], ['', 'services'], ['', 'persistentvolumeclaims'], ['networking.k8s.io', 'ingresses']] as const) {
    const t = typeOf(registry, group, plural);
    workloadTypes.set(storageKey(t), t);
  }
  const jobs = new JobController({ api, jobType: typeOf(registry, 'batch', 'jobs'), podType, podFailureBackoffMs: options.jobPodFailureBackoffMs ?? podRestartBackoffMs, events, onError });
  const workloads = new WorkloadController({
    api,
    types: workloadTypes,
    readyDelayMs: workloadReadyDelayMs,
    onError,
    onSettled: (e) => {
      const type = workloadTypes.get(e.key);
      if (type) audit.record({ time: Date.now(), verb: 'rolled-out', apiVersion: type.group ? `${type.group}/${type.version}` : type.version, kind: type.kind, namespace: e.namespace, name: e.name, code: 0, source: 'controller' });
    },
  });
  const gc = new GarbageCollector({ api, onError });
  const namespaces = new NamespaceController({ api, namespaceType: typeOf(registry, '', 'namespaces'), onError });
  const crds = new CrdController({ api, crdType: typeOf(registry, 'apiextensions.k8s.io', 'customresourcedefinitions'), onError });
  const unsubscribe = store.subscribe((event) => {
    if (event.key === '/pods') podRuntime.onPod(event.type, event.object);
    else if (event.key === '/secrets' || event.key === '/configmaps') podRuntime.onConfigChanged(event.object.metadata.namespace);
    jobs.onEvent(event);
    workloads.onEvent(event);
    gc.onEvent(event);
    namespaces.onEvent(event);
    crds.onEvent(event);
  });
  const nsType = typeOf(registry, '', 'namespaces');
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    api.create({ type: nsType, namespace: '' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  createNode(api, typeOf(registry, '', 'nodes'));
  const watches = new WatchHub({ store, bookmarkIntervalMs: options.watchBookmarkIntervalMs ?? 10_000 });
  const server = new ApiServer({
    host,
    port,
    ...(options.token ? { token: options.token } : {}),
    ...(faults ? { faults } : {}),
    api,
    registry,
    watches,
    podRun: (ns, name) => podRuntime.runOf(store.peek('/pods', ns, name)?.metadata.uid),
    auditLog: audit,
    logger,
    requestLogSize: options.requestLogSize ?? 10_000,
  });
  let boundPort: number;
  try {
    boundPort = await server.listen();
  } catch (err) {
    unsubscribe();
    await rm(tmpRoot, { recursive: true, force: true });
    throw err;
  }
  let dropTimer: NodeJS.Timeout | undefined;
  const dropEvery = faults?.dropWatchEveryMs;
  if (faults && dropEvery !== undefined) {
    dropTimer = setInterval(() => faults.countDroppedWatches(watches.dropAll()), dropEvery);
    dropTimer.unref();
  }
  const clientHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${clientHost.includes(':') ? `[${clientHost}]` : clientHost}:${boundPort}`;
  const kubeconfig = (): string => renderKubeconfig({ server: url, token: options.token ?? 'dev-cluster-token' });
  logger.info({ url }, 'dev cluster listening');
  let stopping: Promise<void> | undefined;

  return {
    url,
    port: boundPort,
    kubeconfig,
    async writeKubeconfig(path: string) {
      await writeFile(path, kubeconfig(), { mode: 0o600 });
    },
    audit: () => audit.list(),
    requests: () => server.requests(),
    get(ref) {
      const type = registry.byApiVersionKind(ref.apiVersion, ref.kind);
      if (!type) return undefined;
      const obj = store.peek(storageKey(type), type.namespaced ? (ref.namespace ?? 'default') : '', ref.name);
      return obj ? clone(obj) : undefined;
    },
    list(ref) {
      const type = registry.byApiVersionKind(ref.apiVersion, ref.kind);
      if (!type) return [];
      return store.list(storageKey(type), type.namespaced ? ref.namespace : undefined).map((o) => clone(o));
    },
    watchGauge: () => ({ open: watches.open, peak: watches.peak }),
    resetWatchPeak: () => watches.resetPeak(),
    faultCounters: () => faults?.counters() ?? { requests: 0, injected: { 429: 0, 500: 0, 503: 0 }, delayed: 0, droppedWatches: 0 },
    spawnedPids: () => podRuntime.spawnedPids(),
    stop() {
      stopping ??= (async () => {
        if (dropTimer) clearInterval(dropTimer);
        for (const c of [jobs, workloads, gc, namespaces, crds]) c.stop();
        watches.close();
        unsubscribe();
        await podRuntime.stop();
        await server.close();
        await rm(tmpRoot, { recursive: true, force: true });
        logger.info({ url }, 'dev cluster stopped');
      })();
      return stopping;
    },
  };
}
