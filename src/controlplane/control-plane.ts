/**
 * `startControlPlane`: the real Kubernetes control plane on loopback ports — etcd, kube-apiserver
 * (generated CA, serving and client certificates, service-account key, Node+RBAC authorization),
 * kube-controller-manager, kube-scheduler — and the node agent that runs Pods as local processes.
 * It stops everything it started; when a component dies it reports which (`onFailure`).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClusterClient } from '../cluster/index.js';
import type { KubeClusterClient } from '../cluster/index.js';
import { startNodeAgent } from '../nodeagent/index.js';
import type { NodeAgent } from '../nodeagent/index.js';
import type { ImageMapping } from '../podruntime/images.js';
import { freePort, isBindConflict, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';
import { findBinaries } from './binaries.js';
import type { Binaries, Component } from './binaries.js';
import { apiServerArgs, controllerManagerArgs, etcdArgs, schedulerArgs } from './components.js';
import type { Layout } from './components.js';
import { discoverKinds, readAuditLog, writeAuditPolicy } from './audit.js';
import type { AuditEntry, KindTable } from './audit.js';
import { ComponentFailedError, ControlPlaneError } from './errors.js';
import { httpsGet } from './https-get.js';
import type { TlsClient } from './https-get.js';
import { renderCertKubeconfig } from './kubeconfig.js';
import { ComponentProcess, waitReady } from './process.js';

export interface ControlPlaneOptions {
  /** The binaries; @defaultValue found by `findBinaries()` (KUBEBUILDER_ASSETS, then the build cache) */
  binaries?: Binaries;
  /** API server port; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /**
   * Picks a free loopback port for etcd (client, peer) and, with `port` 0, the API server. A start
   * whose picked port another process bound first is tried again on new ports (three starts at most).
   * @defaultValue `freePort` (below the kernel's ephemeral range)
   */
  pickPort?: () => Promise<number>;
  /** Name of the node the agent registers. @defaultValue 'hookrunner-node' */
  nodeName?: string;
  /** Image pattern → entrypoint for the node agent. @defaultValue {} */
  images?: ImageMapping;
  /**
   * Flags appended to a component's command line, e.g. `{ 'kube-controller-manager':
   * ['--kube-api-qps=200'] }` (a later flag wins over the built-in one). Each must start with `--`.
   * @defaultValue {}
   */
  extraArgs?: Partial<Record<Component, readonly string[]>>;
  /** Pods the node admits (a kubelet's `--max-pods`): the scheduler leaves more Pending. @defaultValue 110 */
  maxPods?: number;
  /** Deadline for everything to be up (API server ready, node Ready, controllers working). @defaultValue 120_000 */
  startTimeoutMs?: number;
  /** Called once when a component exits while the control plane is running. */
  onFailure?: (err: ComponentFailedError) => void;
  /** Write the API server's audit log (writes, Metadata level), read back by `audit()`. @defaultValue false */
  auditLog?: boolean;
  /** With `auditLog`, this audit policy (YAML, e.g. `auditPolicyFor(…)`) instead of the default one (writes only). @defaultValue the default policy */
  auditPolicy?: string;
  /** Keep the work folder (logs, certificates, etcd data) after stop. @defaultValue false */
  keepWorkDir?: boolean;
  /** @defaultValue silent */
  logger?: Logger;
}

export interface ComponentInfo {
  name: string;
  pid: number | undefined;
  logFile: string;
}

export interface ControlPlane {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The API server's `gitVersion`, e.g. `v1.34.4`. */
  readonly version: string;
  readonly nodeName: string;
  readonly workDir: string;
  /** Admin kubeconfig (`system:masters`, client certificate), self-contained. */
  kubeconfig(): string;
  writeKubeconfig(path: string): Promise<void>;
  /** The admin kubeconfig's path inside the work folder. */
  readonly kubeconfigPath: string;
  /** The CA certificate (PEM) of the API server and its clients. */
  caCert(): Promise<string>;
  /** The admin's TLS client material (PEM CA, certificate, key), e.g. for a proxy in front of the API server. */
  adminTls(): TlsClient;
  components(): ComponentInfo[];
  /** Every PID the node agent spawned for containers. */
  spawnedPids(): number[];
  /** The API server's audited writes (with `auditLog`) and the node agent's process starts and exits, oldest first. */
  audit(): Promise<AuditEntry[]>;
  /** The API server's audit log file (JSON lines; `readAuditRequests` reads it), with `auditLog`. */
  readonly auditLogFile: string | undefined;
  stop(): Promise<void>;
}

/** The options' values that `startControlPlane` checks before it starts anything: a `ControlPlaneError` naming the bad one. */
export function checkControlPlaneOptions(options: Pick<ControlPlaneOptions, 'extraArgs' | 'maxPods'>): void {
  for (const [component, flags] of Object.entries(options.extraArgs ?? {})) {
    const bad = (flags ?? []).find((f) => !f.startsWith('--'));
    if (bad !== undefined) throw new ControlPlaneError(`extraArgs.${component}: ${JSON.stringify(bad)} is not a flag (want --name=value)`);
  }
  if (options.maxPods !== undefined && !(Number.isInteger(options.maxPods) && options.maxPods > 0)) throw new ControlPlaneError(`maxPods: want a whole number > 0, got ${String(options.maxPods)}`);
}

/** Starts on free ports (`port` 0) that another process takes before etcd or the API server binds them are tried again with new ones, this often. */
const BIND_ATTEMPTS = 3;

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  checkControlPlaneOptions(options);
  const binaries = options.binaries ?? findBinaries();
  const logger = options.logger ?? silentLogger;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, binaries, logger);
    } catch (err) {
      // A port given by the caller stays taken: only free ports picked here are tried again.
      const lostPort = err instanceof ComponentFailedError && isBindConflict(err.logTail) && (err.component === 'etcd' || !options.port);
      if (!lostPort || attempt >= BIND_ATTEMPTS) throw err;
      logger.warn('control plane: a component lost its port to another process; starting again on new ports', { component: err.component, attempt });
    }
  }
}

async function startOnce(options: ControlPlaneOptions, binaries: Binaries, logger: Logger): Promise<ControlPlane> {
  const nodeName = options.nodeName ?? 'hookrunner-node';
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  const workDir = await mkdtemp(join(tmpdir(), 'hookrunner-control-plane-'));
  const processes: ComponentProcess[] = [];
  const clients: KubeClusterClient[] = [];
  let agent: NodeAgent | undefined;
  const processEvents: AuditEntry[] = [];
  let kinds: KindTable | undefined;
  let stopping = false;
  let up = false;
  let stopped: Promise<void> | undefined;

  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      stopping = true;
      await agent?.stop();
      for (const c of clients) c.close();
      for (const p of [...processes].reverse()) await p.stop();
      if (!options.keepWorkDir) await rm(workDir, { recursive: true, force: true });
    })());

  const launch = (name: Component, args: string[]): ComponentProcess => {
    const argv = [...args, ...(options.extraArgs?.[name] ?? [])];
    const p = new ComponentProcess({ name, argv, logFile: join(workDir, `${name}.log`) });
    processes.push(p);
    void p.exited.then((exit) => {
      // Before the control plane is up, a death is the start's error (thrown), not a failure to report.
      if (stopping || !up) return;
      const err = p.failure(exit);
      logger.error('control plane component died', { component: name, code: exit.code, signal: exit.signal });
      options.onFailure?.(err);
    });
    return p;
  };

  try {
    const pick = options.pickPort ?? freePort;
    const ports = { etcdClient: await pick(), etcdPeer: await pick(), apiServer: options.port || (await pick()) };
    // Loaded on use: the X.509 library (and its metadata polyfill) costs every other command ~0.2 s at start.
    const { createPki } = await import('./pki.js');
    const pki = await createPki({ dir: workDir, nodeName, serviceIp: '10.0.0.1' });
    const url = `https://127.0.0.1:${ports.apiServer}`;
    const kubeconfigFile = async (name: string, client: Layout['pki']['admin']): Promise<string> => {
      const path = join(workDir, `${name}.kubeconfig`);
      await writeFile(path, renderCertKubeconfig({ server: url, caFile: pki.ca.cert, client }), { mode: 0o600 });
      return path;
    };
    const layout: Layout = {
      workDir,
      pki,
      ports,
      serviceCidr: '10.0.0.0/24',
      kubeconfigs: { controllerManager: await kubeconfigFile('controller-manager', pki.controllerManager), scheduler: await kubeconfigFile('scheduler', pki.scheduler) },
      ...(options.auditLog ? { audit: { policyFile: join(workDir, 'audit-policy.yaml'), logFile: join(workDir, 'audit.log') } } : {}),
    };
    if (layout.audit) {
      if (options.auditPolicy !== undefined) await writeFile(layout.audit.policyFile, options.auditPolicy);
      else await writeAuditPolicy(layout.audit.policyFile);
    }
    const adminPath = await kubeconfigFile('admin', pki.admin);
    const nodePath = await kubeconfigFile('node', pki.nodeClient);
    const tls = { ca: await readFile(pki.ca.cert, 'utf8'), cert: await readFile(pki.admin.cert, 'utf8'), key: await readFile(pki.admin.key, 'utf8') };
    const deadline = Date.now() + timeoutMs;
    const left = (): number => Math.max(1_000, deadline - Date.now());

    const etcd = launch('etcd', etcdArgs(binaries, layout));
    await waitReady(etcd, async () => (await fetch(`http://127.0.0.1:${ports.etcdClient}/health`, { signal: AbortSignal.timeout(2_000) })).ok, { description: 'answering /health', timeoutMs: left() });
    const apiServer = launch('kube-apiserver', apiServerArgs(binaries, layout));
    await waitReady(apiServer, async () => (await httpsGet(`${url}/readyz`, tls, 2_000)).status === 200, { description: 'answering /readyz with 200', timeoutMs: left(), intervalMs: 250 });
    launch('kube-controller-manager', controllerManagerArgs(binaries, layout));
    launch('kube-scheduler', schedulerArgs(binaries, layout));
    const version = String((JSON.parse((await httpsGet(`${url}/version`, tls, 5_000)).body) as { gitVersion?: unknown }).gitVersion ?? 'unknown');

    const admin = createClusterClient({ kubeconfig: adminPath, logger });
    const nodeClient = createClusterClient({ kubeconfig: nodePath, logger });
    clients.push(admin, nodeClient);
    agent = await startNodeAgent({
      client: nodeClient,
      nodeName,
      version,
      tls: { cert: await readFile(pki.nodeServing.cert, 'utf8'), key: await readFile(pki.nodeServing.key, 'utf8'), ca: tls.ca },
      ...(options.images ? { images: options.images } : {}),
      ...(options.maxPods !== undefined ? { maxPods: options.maxPods } : {}),
      onProcessEvent: (e) => {
        processEvents.push({ time: Date.now(), verb: e.verb, apiVersion: 'v1', kind: 'Pod', namespace: e.namespace, name: e.pod, code: 0, source: 'runtime', container: e.container, ...(e.pid !== undefined ? { pid: e.pid } : {}), ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}) });
        if (processEvents.length > 100_000) processEvents.splice(0, 20_000);
      },
      logger,
    });
    // Controllers at work: the service-account controller made `default/default`.
    await admin.waitFor({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'default', name: 'default' }, (o) => o !== undefined, {
      timeoutMs: left(),
      description: 'the controller manager to create ServiceAccount default/default',
    });
    for (const p of processes) if (!p.running) throw p.failure(await p.exited);

    const kubeconfig = renderCertKubeconfig({ server: url, caFile: pki.ca.cert, client: pki.admin });
    logger.info('control plane ready', { url, version, node: nodeName });
    const running = agent;
    up = true;
    return {
      url,
      port: ports.apiServer,
      version,
      nodeName,
      workDir,
      kubeconfig: () => kubeconfig,
      kubeconfigPath: adminPath,
      async writeKubeconfig(path) {
        await writeFile(path, kubeconfig, { mode: 0o600 });
      },
      caCert: () => readFile(pki.ca.cert, 'utf8'),
      adminTls: () => ({ ...tls }),
      components: () => [...processes.map((p) => ({ name: p.spec.name, pid: p.pid, logFile: p.spec.logFile })), { name: 'node-agent', pid: process.pid, logFile: '' }],
      spawnedPids: () => running.spawnedPids(),
      async audit() {
        const requests = layout.audit ? await readAuditLog(layout.audit.logFile, (kinds ??= await discoverKinds(async (path) => JSON.parse((await httpsGet(`${url}${path}`, tls, 10_000)).body) as unknown))) : [];
        return [...requests, ...processEvents].sort((a, b) => a.time - b.time);
      },
      auditLogFile: layout.audit?.logFile,
      stop,
    };
  } catch (err) {
    await stop();
    if (err instanceof ControlPlaneError) throw err;
    throw new ControlPlaneError(`the control plane did not start: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
