/**
 * sentinel-failover: Debian's redis-server as master and replica and one redis-sentinel on
 * loopback ports; hookrunner reaches Redis through `REDIS_SENTINELS` / `REDIS_SENTINEL_MASTER`
 * (the service's Sentinel support). Mid-operation the master is SIGKILLed; the sentinel promotes
 * the replica. Asynchronous replication may lose the master's last writes (README, "What survives
 * what"); on loopback the replica is milliseconds behind, so every operation is expected to finish.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, redisAnswers } from '../../src/engine/index.js';
import { runScenario } from './scenario.js';
import type { ScenarioResult } from './scenario.js';

interface Node {
  port: number;
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

/** Wait until the sentinel knows the replica (it learns it from the master's INFO), so a failover has somewhere to go. */
async function sentinelSeesReplica(port: number): Promise<void> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const fields = (await client.call('SENTINEL', 'master', 'mymaster')) as string[];
      const i = fields.indexOf('num-slaves');
      if (i >= 0 && Number(fields[i + 1]) >= 1) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`redis-sentinel on port ${port} did not see the replica of mymaster within 30 s`);
  } finally {
    client.disconnect();
  }
}

export async function sentinelScenario(full: boolean, random: () => number, hardDeadline: number): Promise<ScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), 'hookrunner-chaos-sentinel-'));
  const nodes: Node[] = [];
  let sentinel: ChildProcess | undefined;
  try {
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir, '--appendfilename', `aof-${i}.aof`, '--appenddirname', `aof-${i}`, ...(i === 1 ? ['--replicaof', '127.0.0.1', String(nodes[0]!.port)] : [])];
      nodes.push({ port, proc: start('redis-server', args) });
      await answers(port, i === 0 ? 'the master' : 'the replica');
    }
    const sentinelPort = await freePort();
    const conf = join(dir, 'sentinel.conf');
    await writeFile(conf, `port ${sentinelPort}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor mymaster 127.0.0.1 ${nodes[0]!.port} 1\nsentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 5000\n`);
    sentinel = start('redis-sentinel', [conf]);
    await answers(sentinelPort, 'redis-sentinel');
    await sentinelSeesReplica(sentinelPort);
    return await runScenario(
      {
        name: 'sentinel-failover',
        rig: { workers: 2, redisEnv: { REDIS_SENTINELS: `127.0.0.1:${sentinelPort}`, REDIS_SENTINEL_MASTER: 'mymaster' } },
        batch: 3,
        batches: 1,
        fault: {
          windowMs: [500, 4_000],
          async inject() {
            // One failover per run of the scenario: kill the current master; the sentinel promotes the replica.
            const master = nodes.shift();
            master?.proc.kill('SIGKILL');
            return 'redis master';
          },
        },
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
