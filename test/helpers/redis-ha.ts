/**
 * Redis with Sentinel and Redis Cluster from Debian's `redis-server`/`redis-sentinel`, on free
 * loopback ports in a temp dir: a master, one replica and three sentinels (quorum 2); or three
 * cluster masters joined by `redis-cli --cluster create`. Every wait has a deadline.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/engine/index.js';
import type { RedisTarget } from '../../src/queue/index.js';

const run = promisify(execFile);

interface Proc {
  port: number;
  process: ChildProcess;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout.trim();
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function start(bin: string, args: string[]): ChildProcess {
  const child = spawn(bin, args, { stdio: 'ignore' });
  child.on('error', () => undefined);
  return child;
}

async function startServer(dir: string, extra: string[] = []): Promise<Proc> {
  const port = await freePort();
  const child = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', `dump-${port}.rdb`, ...extra]);
  await until(`redis-server on ${port}`, 10_000, async () => (await cli(port, 'ping')) === 'PONG');
  return { port, process: child };
}

async function stopAll(procs: Proc[]): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      if (p.process.exitCode !== null || p.process.signalCode !== null) return;
      const exited = new Promise((r) => p.process.once('exit', r));
      p.process.kill('SIGKILL');
      await exited;
    }),
  );
}

export interface SentinelSet {
  target: Extract<RedisTarget, { kind: 'sentinel' }>;
  /** The port of the master the sentinels name now. */
  masterPort(): Promise<number>;
  /** `SENTINEL FAILOVER`, then wait until the sentinels name a new master that answers as master. */
  failover(): Promise<{ from: number; to: number }>;
  stop(): Promise<void>;
}

/** A master, one replica and three sentinels (quorum 2) monitoring it as `mymaster`. */
export async function startSentinelSet(): Promise<SentinelSet> {
  const dir = await mkdtemp(join(tmpdir(), 'hookrunner-sentinel-'));
  const procs: Proc[] = [];
  try {
    const master = await startServer(dir);
    procs.push(master);
    const replica = await startServer(dir, ['--replicaof', '127.0.0.1', String(master.port)]);
    procs.push(replica);
    await until('the replica in sync', 15_000, async () => (await cli(replica.port, 'info', 'replication')).includes('master_link_status:up'));
    const sentinelPorts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      await writeFile(conf, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor mymaster 127.0.0.1 ${master.port} 2`, 'sentinel down-after-milliseconds mymaster 2000', 'sentinel failover-timeout mymaster 10000', 'sentinel parallel-syncs mymaster 1', ''].join('\n'));
      procs.push({ port, process: start('redis-sentinel', [conf]) });
      sentinelPorts.push(port);
    }
    for (const port of sentinelPorts) {
      // Every sentinel knows the replica and the other two sentinels before a failover is asked for.
      await until(`sentinel ${port} to see the replica and its peers`, 30_000, async () => {
        const info = await cli(port, 'sentinel', 'master', 'mymaster');
        const lines = info.split('\n');
        const field = (name: string): number => Number(lines[lines.indexOf(name) + 1]);
        return field('num-slaves') >= 1 && field('num-other-sentinels') >= 2;
      });
    }
    const masterPort = async (): Promise<number> => Number((await cli(sentinelPorts[0] ?? 0, 'sentinel', 'get-master-addr-by-name', 'mymaster')).split('\n')[1]);
    return {
      target: { kind: 'sentinel', name: 'mymaster', sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })) },
      masterPort,
      async failover() {
        const from = await masterPort();
        await cli(sentinelPorts[0] ?? 0, 'sentinel', 'failover', 'mymaster');
        let to = from;
        await until('the sentinels to promote the replica', 30_000, async () => {
          to = await masterPort();
          return to !== from && (await cli(to, 'role')).startsWith('master');
        });
        return { from, to };
      },
      async stop() {
        await stopAll(procs);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll(procs);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface RedisClusterSet {
  target: Extract<RedisTarget, { kind: 'cluster' }>;
  stop(): Promise<void>;
}

/** Three cluster masters (no replicas), all 16384 slots assigned. */
export async function startRedisCluster(): Promise<RedisClusterSet> {
  const dir = await mkdtemp(join(tmpdir(), 'hookrunner-cluster-'));
  const procs: Proc[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      procs.push(await startServer(dir, ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000']));
    }
    await run('redis-cli', ['--cluster', 'create', ...procs.map((p) => `127.0.0.1:${p.port}`), '--cluster-yes'], { timeout: 30_000 });
    for (const p of procs) await until(`cluster node ${p.port} to report cluster_state:ok`, 30_000, async () => (await cli(p.port, 'cluster', 'info')).includes('cluster_state:ok'));
    return {
      target: { kind: 'cluster', nodes: procs.map((p) => ({ host: '127.0.0.1', port: p.port })) },
      async stop() {
        await stopAll(procs);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll(procs);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
