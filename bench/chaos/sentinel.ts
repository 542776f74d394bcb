/**
 * sentinel-failover: Debian's redis-server as master and replica and one redis-sentinel on
 * loopback ports; hookrunner reaches Redis through `REDIS_SENTINELS` / `REDIS_SENTINEL_MASTER`
 * (the service's Sentinel support). Mid-operation the master is SIGKILLed; the sentinel promotes
 * the replica. Asynchronous replication may lose the master's last writes (README, "What survives
 * what"); on loopback the replica is milliseconds behind, so every operation is expected to finish.
 * The scenario starts only once the replica's first full sync is done (a master killed before it
 * leaves an empty replica to promote: every operation lost, which the service detects by its epoch).
 * At full scale each of 4 batches fails over: the killed master comes back as a replica of the new one.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, redisAnswers } from '../../src/engine/index.js';
import { runScenario } from './scenario.js';
import type { ScenarioResult } from './scenario.js';

interface Node {
  index: number;
  port: number;
  dir: string;
  proc: ChildProcess;
}

function start(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: 'ignore' });
  process.once('exit', () => child.kill('SIGKILL'));
  return child;
}

async function answers(port: number, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await redisAnswers(`redis://127.0.0.1:${port}`, 500)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} on port ${port} did not answer PING within 10 s`);
}

/** Run `fn` on a short-lived connection to the Redis or sentinel on `port`, closed after. */
async function withClient<T>(port: number, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

/**
 * Wait until the replica holds the master's data: its link is up and its full sync done. Without
 * this the master can be killed before the first sync ends (Redis delays a diskless sync by
 * `repl-diskless-sync-delay`, 5 s by default) and the sentinel promotes an empty replica.
 */
function replicaInSync(port: number): Promise<void> {
  return withClient(port, async (client) => {
    const deadline = Date.now() + 30_000;
    let last = '';
    while (Date.now() < deadline) {
      last = await client.info('replication');
      if (/master_link_status:up/.test(last) && /master_sync_in_progress:0/.test(last)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the replica on port ${port} was not in sync with its master within 30 s: ${last.replace(/\r?\n/g, ' ').slice(0, 300)}`);
  });
}

/** Wait until the sentinel knows the replica (it learns it from the master's INFO), so a failover has somewhere to go. */
function sentinelSeesReplica(port: number): Promise<void> {
  return withClient(port, async (client) => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const fields = (await client.call('SENTINEL', 'master', 'mymaster')) as string[];
      const i = fields.indexOf('num-slaves');
      if (i >= 0 && Number(fields[i + 1]) >= 1) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`redis-sentinel on port ${port} did not see the replica of mymaster within 30 s`);
  });
}

/** The master's port as the sentinel names it now. */
function masterPort(sentinelPort: number): Promise<number> {
  return withClient(sentinelPort, async (client) => {
    const addr = (await client.call('SENTINEL', 'get-master-addr-by-name', 'mymaster')) as [string, string] | null;
    if (!addr) throw new Error(`redis-sentinel on port ${sentinelPort} knows no master mymaster`);
    return Number(addr[1]);
  });
}

/** Wait until the sentinel names another master than `old` (the failover is done). */
async function failedOver(sentinelPort: number, old: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const port = await masterPort(sentinelPort).catch(() => old);
    if (port !== old) return port;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-sentinel on port ${sentinelPort} did not promote a replica within 30 s of the master on port ${old} being killed`);
}

export async function sentinelScenario(full: boolean, random: () => number, hardDeadline: number): Promise<ScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), 'hookrunner-chaos-sentinel-'));
  // Redis and sentinel logs: kept in CHAOS_LOG_DIR when set (for reading a failure afterwards), else removed with the data.
  const logDir = process.env['CHAOS_LOG_DIR'] ?? dir;
  await mkdir(logDir, { recursive: true });
  const nodes: Node[] = [];
  let sentinel: ChildProcess | undefined;
  /** Start (or restart, same port and directory) node `index`, as a replica of `replicaOf` when given. */
  const startNode = async (index: number, port: number, replicaOf?: number): Promise<Node> => {
    // Each node its own directory: a replica's full sync writes dump.rdb there. No delay before a diskless sync (5 s by default).
    const nodeDir = join(dir, `node-${index}`);
    await mkdir(nodeDir, { recursive: true });
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', nodeDir, '--logfile', join(logDir, `redis-${index}.log`), '--repl-diskless-sync-delay', '0', ...(replicaOf !== undefined ? ['--replicaof', '127.0.0.1', String(replicaOf)] : [])];
    const node: Node = { index, port, dir: nodeDir, proc: start('redis-server', args) };
    nodes[index] = node;
    await answers(port, replicaOf === undefined ? 'the master' : 'the replica');
    if (replicaOf !== undefined) await replicaInSync(port);
    return node;
  };
  try {
    const first = await startNode(0, await freePort());
    await startNode(1, await freePort(), first.port);
    const sentinelPort = await freePort();
    const conf = join(dir, 'sentinel.conf');
    await writeFile(conf, `port ${sentinelPort}\nbind 127.0.0.1\ndir ${dir}\nlogfile ${join(logDir, 'sentinel.log')}\nsentinel monitor mymaster 127.0.0.1 ${first.port} 1\nsentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 5000\n`);
    await writeFile(join(logDir, 'sentinel.log'), ''); // counted below: this run's failovers only
    sentinel = start('redis-sentinel', [conf]);
    await answers(sentinelPort, 'redis-sentinel');
    await sentinelSeesReplica(sentinelPort);
    return await runScenario(
      {
        name: 'sentinel-failover',
        rig: { workers: 2, redisEnv: { REDIS_SENTINELS: `127.0.0.1:${sentinelPort}`, REDIS_SENTINEL_MASTER: 'mymaster' } },
        batch: full ? 6 : 3,
        batches: full ? 4 : 1,
        fault: {
          windowMs: [500, 4_000],
          async inject() {
            // Kill the current master; the sentinel promotes the replica. The killed node then comes back (same port and
            // data directory) as a replica of the new master and is in sync before the next batch, so every batch fails over.
            const old = await masterPort(sentinelPort);
            const victim = nodes.find((n) => n.port === old);
            if (!victim) throw new Error(`the sentinel names port ${old} as master, which is none of the scenario's nodes`);
            victim.proc.kill('SIGKILL');
            const promoted = await failedOver(sentinelPort, old);
            await startNode(victim.index, victim.port, promoted);
            return 'redis master';
          },
        },
        // Failovers the sentinel made: one per injected kill, sometimes one more (the sentinel can judge a just-promoted
        // master down for a moment and fail over again), each counted.
        countFaults: () => (readFileSync(join(logDir, 'sentinel.log'), 'utf8').match(/\+switch-master /g) ?? []).length,
        deadlineMs: 120_000,
      },
      random,
      hardDeadline,
    );
  } catch (err) {
    return { name: 'sentinel-failover', runs: 0, succeeded: 0, lost: 0, duplicateJobs: 0, duplicatePosts: 0, maxRecoveryMs: null, faults: 0, missingPosts: 0, failures: [], seconds: 0, error: err instanceof Error ? err.message : String(err) };
  } finally {
    sentinel?.kill('SIGKILL');
    for (const n of nodes) n.proc.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}
