/** The sync bench's child processes: the dev cluster and the orchestrator, each driven over IPC with a deadline per request. */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { AuditRequest, TlsClient } from '../../src/controlplane/index.js';
import type { AuditEntry, RequestLogEntry } from '../../src/devcluster/index.js';
import type { Operation } from '../../src/sync/index.js';
import { HOOKRUNNER_USER, auditWatchPeak, requestLogFromAudit } from './real-audit.js';
import type { WriteEntry } from './sync-stats.js';

interface Reply {
  type: string;
  message?: string;
}

/** Send `msg` (unless undefined) and wait for the reply of type `type`, an `error` reply, the child's exit, or the deadline. */
function request<T extends Reply>(child: ChildProcess, name: string, msg: Reply | undefined, type: string, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (m: unknown): void => {
      const reply = m as Reply;
      if (reply.type === type) {
        cleanup();
        resolve(reply as T);
      } else if (reply.type === 'error') {
        cleanup();
        reject(new Error(`${name}: ${reply.message ?? 'failed'}`));
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`${name} exited with ${String(code)} while the bench waited for its ${type} reply`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${name}: no ${type} reply after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (msg) child.send(msg);
  });
}

function forkTs(file: string, execArgv: string[] = [], args: string[] = []): ChildProcess {
  return fork(join(import.meta.dirname, file), args, { execArgv: ['--import', 'tsx', ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** What a run measures of its cluster, either backend. */
export interface ClusterDump {
  /** hookrunner's writes (the real backend: its user's only). */
  audit: WriteEntry[];
  /** hookrunner's requests (the real backend: its user's only), shaped like the dev cluster's request log. */
  requests: RequestLogEntry[];
  /** hookrunner's watches open at once at peak within the window. */
  watchesPeak: number;
  /** The real backend: every client's open WATCH requests (`/metrics`), sampled before the run and at peak. */
  watchesAll?: { baseline: number; peak: number };
}

/** The cluster of a run, in its own process(es). */
export interface ClusterChild {
  backend: 'dev' | 'real';
  url: string;
  /** The real backend's admin TLS client (its API server is HTTPS only). */
  tls?: TlsClient;
  /** Kubeconfig text for the workers. */
  kubeconfig: string;
  /** The processes whose CPU and memory are the cluster's, by component. */
  pids: { name: string; pid: number }[];
  resetWatchPeak(): Promise<void>;
  /** Figures of the window `[from, to]` (ms since the epoch). */
  dump(from: number, to: number): Promise<ClusterDump>;
  stop(): Promise<void>;
}

/** `controllerQps`: the real control plane's controller manager client rate limit (its default when undefined). */
export async function startClusterChild(backend: 'dev' | 'real', options: { controllerQps?: number } = {}): Promise<ClusterChild> {
  if (backend === 'real') return startRealClusterChild(options.controllerQps);
  const dev = await startDevClusterChild();
  return {
    backend,
    url: dev.url,
    kubeconfig: `apiVersion: v1\nkind: Config\nclusters: [{ name: dev, cluster: { server: "${dev.url}" } }]\nusers: [{ name: dev, user: { token: dev } }]\ncontexts: [{ name: dev, context: { cluster: dev, user: dev } }]\ncurrent-context: dev\n`,
    pids: [{ name: 'dev-cluster', pid: dev.pid }],
    resetWatchPeak: () => dev.resetWatchPeak(),
    dump: async () => dev.dump(),
    stop: () => dev.stop(),
  };
}

type RealDump = Reply & { audit: WriteEntry[]; requests: AuditRequest[]; now: number; watchesAll: { baseline: number; peak: number } };

async function startRealClusterChild(controllerQps: number | undefined): Promise<ClusterChild> {
  const child = forkTs('real-cluster-child.ts', [], controllerQps !== undefined ? [`--controller-qps=${controllerQps}`] : []);
  const name = 'real control plane child';
  const ready = await request<Reply & { url: string; kubeconfig: string; tls: TlsClient; pids: { name: string; pid: number }[] }>(child, name, undefined, 'ready', 240_000);
  return {
    backend: 'real',
    url: ready.url,
    tls: ready.tls,
    kubeconfig: ready.kubeconfig,
    pids: ready.pids,
    resetWatchPeak: async () => void (await request(child, name, { type: 'resetWatchPeak' }, 'resetWatchPeak', 30_000)),
    dump: async (from, to) => {
      const d = await request<RealDump>(child, name, { type: 'dump' }, 'dump', 120_000);
      return { audit: d.audit, requests: requestLogFromAudit(d.requests, HOOKRUNNER_USER, d.now), watchesPeak: auditWatchPeak(d.requests, HOOKRUNNER_USER, from, to, d.now), watchesAll: d.watchesAll };
    },
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.send({ type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

export interface DevClusterChild {
  url: string;
  pid: number;
  resetWatchPeak(): Promise<void>;
  dump(): Promise<{ audit: AuditEntry[]; requests: RequestLogEntry[]; watchesPeak: number }>;
  stop(): Promise<void>;
}

export async function startDevClusterChild(): Promise<DevClusterChild> {
  const child = forkTs('dev-cluster-child.ts');
  const name = 'dev cluster child';
  const { url } = await request<Reply & { url: string }>(child, name, undefined, 'ready', 60_000);
  return {
    url,
    pid: child.pid ?? 0,
    resetWatchPeak: async () => void (await request(child, name, { type: 'resetWatchPeak' }, 'resetWatchPeak', 10_000)),
    dump: () => request<Reply & { audit: AuditEntry[]; requests: RequestLogEntry[]; watchesPeak: number }>(child, name, { type: 'dump' }, 'dump', 120_000),
    stop: () => stopChild(child),
  };
}

export interface OrchestratorChild {
  pid: number;
  /** Submit `apps` operations and resolve with their ids once all are done. */
  round(apps: number, round: number): Promise<string[]>;
  ops(ids: string[]): Promise<Operation[]>;
  stop(): Promise<void>;
}

/** @param execArgv extra node flags (`--cpu-prof`, `--cpu-prof-dir=…`). */
export async function startOrchestratorChild(options: { redisUrl: string; prefix: string; execArgv?: string[] }): Promise<OrchestratorChild> {
  const child = forkTs('orchestrator-child.ts', options.execArgv);
  const name = 'orchestrator child';
  await request(child, name, { type: 'start', redisUrl: options.redisUrl, prefix: options.prefix } as Reply, 'ready', 60_000);
  return {
    pid: child.pid ?? 0,
    round: async (apps, n) => (await request<Reply & { ids: string[] }>(child, name, { type: 'round', apps, round: n } as Reply, 'round', 16 * 60_000)).ids,
    ops: async (ids) => (await request<Reply & { ops: Operation[] }>(child, name, { type: 'ops', ids } as Reply, 'ops', 120_000)).ops,
    stop: () => stopChild(child),
  };
}
