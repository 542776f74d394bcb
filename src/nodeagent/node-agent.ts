/**
 * `startNodeAgent`: a kubelet for a real API server whose containers are local processes. It
 * registers a Node (Ready, with allocatable cpu/memory/pods so the real scheduler binds Pods to
 * it), renews its Lease, watches the Pods bound to it and runs them with the shared pod runtime
 * (`src/podruntime`), writes their status, records Events, finishes deletions after the grace
 * period, and serves container logs to the API server on its kubelet endpoint.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlreadyExists, isInvalid, isNotFound } from '../cluster/index.js';
import type { ClusterClient, WatchHandle } from '../cluster/types.js';
import type { KubeObject } from '../manifests/index.js';
import { ImageResolver } from '../podruntime/images.js';
import type { ImageMapping } from '../podruntime/images.js';
import { PodRuntime } from '../podruntime/pod-runtime.js';
import type { PodHost, ProcessEvent } from '../podruntime/pod-runtime.js';
import type { PodRun } from '../podruntime/pod-run.js';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';
import { ConfigCache } from './config-cache.js';
import { recordEvent } from './events.js';
import { startKubeletServer } from './kubelet-server.js';
import { leaseObject, microTime, nodeObject, nodeStatus } from './node-object.js';

export interface NodeAgentOptions {
  /** A client with the node's identity (`system:node:<nodeName>`). */
  client: ClusterClient;
  nodeName: string;
  /** PEM serving certificate, key and the CA that signs the API server's kubelet client certificate. */
  tls: { cert: string; key: string; ca: string };
  /** Reported as the kubelet version. */
  version: string;
  /** Image pattern → entrypoint (as the dev cluster's `--images`). @defaultValue {} */
  images?: ImageMapping;
  /** Kubelet endpoint port; 0 picks a free one. @defaultValue 0 */
  kubeletPort?: number;
  /** @defaultValue 200 */
  restartBackoffMs?: number;
  /** @defaultValue 10 MiB */
  maxLogBytesPerContainer?: number;
  /** Lease duration; renewed every quarter of it. @defaultValue 40 */
  leaseDurationSeconds?: number;
  /** Node status heartbeat. @defaultValue 60_000 */
  statusIntervalMs?: number;
  /** @defaultValue 110 */
  maxPods?: number;
  /** Every container process start and exit. @defaultValue ignored */
  onProcessEvent?: (event: ProcessEvent) => void;
  /** @defaultValue silent */
  logger?: Logger;
}

export interface NodeAgent {
  readonly nodeName: string;
  readonly kubeletPort: number;
  spawnedPids(): number[];
  stop(): Promise<void>;
}

interface Known {
  pod: KubeObject;
}

export async function startNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  const { client, nodeName } = options;
  const logger = options.logger ?? silentLogger;
  const onError = (err: unknown, context: string): void => logger.warn(`node agent: ${context}`, { err: errorMessage(err), node: nodeName });
  const known = new Map<string, Known>(); // namespace/name → latest Pod
  const tmpRoot = await mkdtemp(join(tmpdir(), 'hookrunner-node-agent-'));
  let stopped = false;

  const podRef = (run: PodRun) => ({ apiVersion: 'v1', kind: 'Pod', namespace: run.namespace, name: run.name });
  const host: PodHost = {
    config: { secret: () => undefined, configMap: () => undefined },
    async writeStatus(run, build) {
      try {
        await client.mergePatch(podRef(run), { metadata: { uid: run.uid }, status: build(undefined) }, { subresource: 'status' });
      } catch (err) {
        // Gone, or replaced by a Pod of the same name (uid differs): nothing of ours to update.
        if (!isNotFound(err) && !isInvalid(err)) throw err;
      }
    },
    async finishDeletion(run) {
      await client.delete(podRef(run), { gracePeriodSeconds: 0, uid: run.uid });
    },
  };
  const configs = new ConfigCache({ client, onChanged: (ns) => runtime.onConfigChanged(ns), onError });
  host.config = configs.source;
  const event = (e: ProcessEvent): void => {
    options.onProcessEvent?.(e);
    if (e.verb !== 'process-started' || stopped) return;
    const pod = known.get(`${e.namespace}/${e.pod}`)?.pod;
    if (pod) void recordEvent(client, { involved: pod, fieldPath: `spec.containers{${e.container}}`, reason: 'Started', message: `Started container ${e.container}`, component: 'kubelet', host: nodeName }).catch((err: unknown) => onError(err, 'record event'));
  };
  const runtime: PodRuntime = new PodRuntime({
    host,
    images: new ImageResolver(options.images ?? {}),
    tmpRoot,
    restartBackoffMs: options.restartBackoffMs ?? 200,
    maxLogBytes: options.maxLogBytesPerContainer ?? 10 * 1024 * 1024,
    onProcessEvent: event,
    onError,
  });

  const kubelet = await startKubeletServer({
    host: '127.0.0.1',
    port: options.kubeletPort ?? 0,
    tls: options.tls,
    lookup: (ns, name) => {
      const k = known.get(`${ns}/${name}`);
      return k ? { pod: k.pod, run: runtime.runOf(k.pod.metadata.uid) } : undefined;
    },
    onError,
  });
  const facts = { nodeName, kubeletPort: kubelet.port, version: options.version, maxPods: options.maxPods ?? 110 };
  const node = await register(client, facts);

  const leaseSeconds = options.leaseDurationSeconds ?? 40;
  await renewLease(client, nodeName, node.metadata.uid, leaseSeconds);
  const leaseTimer = setInterval(() => void renewLease(client, nodeName, node.metadata.uid, leaseSeconds).catch((err: unknown) => onError(err, 'renew lease')), (leaseSeconds * 1000) / 4);
  const statusTimer = setInterval(
    () => void client.mergePatch({ apiVersion: 'v1', kind: 'Node', name: nodeName }, { status: nodeStatus(facts) }, { subresource: 'status' }).catch((err: unknown) => onError(err, 'node status')),
    options.statusIntervalMs ?? 60_000,
  );
  leaseTimer.unref();
  statusTimer.unref();

  // Pod events are handled in order, one at a time: a Pod's configuration is read before it starts.
  let queue: Promise<void> = Promise.resolve();
  const onPod = (type: 'ADDED' | 'MODIFIED' | 'DELETED', pod: KubeObject): void => {
    queue = queue.then(async () => {
      if (stopped) return;
      const id = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
      const uid = pod.metadata.uid ?? '';
      if (type === 'DELETED') {
        if (known.get(id)?.pod.metadata.uid === uid) known.delete(id);
        runtime.onPod('DELETED', pod);
        configs.release(uid);
        return;
      }
      known.set(id, { pod });
      if (!runtime.runOf(uid) && !pod.metadata.deletionTimestamp) await configs.load(pod);
      if (pod.metadata.deletionTimestamp && !runtime.runOf(uid)) {
        // Not running here (finished before, or the agent restarted): finish the deletion now.
        await client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name ?? '' }, { gracePeriodSeconds: 0, uid }).catch((err: unknown) => onError(err, `delete pod ${id}`));
        return;
      }
      runtime.onPod(type, pod);
    }).catch((err: unknown) => onError(err, 'pod event'));
  };
  const watch: WatchHandle = client.watch({ apiVersion: 'v1', kind: 'Pod' }, { fieldSelector: `spec.nodeName=${nodeName}` }, (e) => onPod(e.type, e.object));
  await watch.ready;
  logger.info('node agent ready', { node: nodeName, kubeletPort: kubelet.port });

  return {
    nodeName,
    kubeletPort: kubelet.port,
    spawnedPids: () => runtime.spawnedPids(),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(leaseTimer);
      clearInterval(statusTimer);
      watch.stop();
      configs.stop();
      await queue;
      await runtime.stop();
      await closeServer(kubelet.server);
      await rm(tmpRoot, { recursive: true, force: true });
    },
  };
}

async function register(client: ClusterClient, facts: Parameters<typeof nodeObject>[0]): Promise<KubeObject> {
  try {
    return await client.create(nodeObject(facts));
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    return client.mergePatch({ apiVersion: 'v1', kind: 'Node', name: facts.nodeName }, { status: nodeStatus(facts) }, { subresource: 'status' });
  }
}

async function renewLease(client: ClusterClient, nodeName: string, nodeUid: string | undefined, seconds: number): Promise<void> {
  const ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'kube-node-lease', name: nodeName };
  try {
    await client.mergePatch(ref, { spec: { holderIdentity: nodeName, leaseDurationSeconds: seconds, renewTime: microTime() } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await client.create(leaseObject(nodeName, nodeUid, seconds), { adoptOnConflict: true });
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
