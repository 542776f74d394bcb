/** The sync bench's child processes: the dev cluster and the orchestrator, each driven over IPC with a deadline per request. */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { AuditEntry, RequestLogEntry } from '../../src/devcluster/index.js';
import type { Operation } from '../../src/sync/index.js';


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

function forkTs(file: string, execArgv: string[] = []): ChildProcess {
  return fork(join(import.meta.dirname, file), { execArgv: ['--import', 'tsx', ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
