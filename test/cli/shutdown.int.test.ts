/**
 * Issue 14 item 3: SIGTERM ends `hookrunner worker` and `hookrunner serve` while their Redis is
 * unreachable (within --shutdown-timeout, exit code 3), and the Redis errors are JSON log lines
 * naming Redis, one per change of state, without the password and without ioredis' raw
 * `[ioredis] Unhandled error event` stack traces.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, redisAnswers } from '../../src/engine/index.js';
import { startTestCluster, testBackends } from '../helpers/backends.js';
import type { TestCluster } from '../helpers/backends.js';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'hookrunner');
const PASSWORD = 'shutdown-test-pw-5c1e7';

interface Spawned {
  proc: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string>): Spawned {
  const proc = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  for (const stream of [proc.stdout, proc.stderr]) {
    let buffer = '';
    stream?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l !== ''));
    });
    stream?.on('end', () => {
      if (buffer !== '') lines.push(buffer);
    });
  }
  const exited = new Promise<number | null>((r) => proc.once('close', (code) => r(code)));
  return { proc, lines, exited };
}

async function until(what: string, check: () => boolean | Promise<boolean>, lines: string[], timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}; output:\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const parsed = (lines: string[]): Record<string, unknown>[] => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe.each(testBackends())('SIGTERM with Redis unreachable (%s cluster)', (backend) => {
  let cluster: TestCluster;
  let dir: string;
  beforeAll(async () => {
    cluster = await startTestCluster(backend);
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-shutdown-'));
  }, 240_000);
  afterAll(async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['worker', [] as string[]],
    ['serve', ['--host', '127.0.0.1', '--insecure-no-auth']],
  ])('%s: exits within --shutdown-timeout, every line JSON, Redis named, password never', async (command, extra) => {
    const port = await freePort();
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', PASSWORD], { stdio: 'ignore' });
    const kubeconfig = join(dir, `kubeconfig-${command}`);
    await cluster.writeKubeconfig(kubeconfig);
    let child: Spawned | undefined;
    try {
      await until('redis-server', () => redisAnswers(`redis://:${PASSWORD}@127.0.0.1:${port}`, 500), []);
      const httpPort = command === 'serve' ? ['--port', String(await freePort())] : [];
      child = run([command, ...extra, ...httpPort, '--shutdown-timeout', '3s'], {
        REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${port}`,
        KUBECONFIG: kubeconfig,
        HOOKRUNNER_PREFIX: `shutdown-${command}`,
        HOOKRUNNER_LOG_LEVEL: 'info',
      });
      const c = child;
      await until(`${command} started`, () => c.lines.some((l) => l.includes(`"${command} started"`)), c.lines);
      redis.kill('SIGKILL');
      await until('a Redis error line', () => c.lines.some((l) => l.includes('Redis unreachable')), c.lines);
      // Let a few reconnect attempts fail (the retry backoff starts at 1 s).
      await new Promise((r) => setTimeout(r, 3_000));
      c.proc.kill('SIGTERM');
      const code = await c.exited;
      // Exit 3: the deadline stopped it (BullMQ's close waits for Redis); never a hang.
      expect([0, 3], c.lines.join('\n')).toContain(code);
      const entries = parsed(c.lines); // throws on a line that is not JSON (a raw stack trace)
      expect(c.lines.join('\n')).not.toContain(PASSWORD);
      expect(c.lines.join('\n')).not.toContain('Unhandled error event');
      const unreachable = entries.filter((e) => String(e['msg']).startsWith('Redis unreachable'));
      expect(unreachable.length).toBeGreaterThan(0);
      for (const e of unreachable) expect(e['redis']).toBe(`127.0.0.1:${port}`);
      // One line per change of state: never the same error twice in a row (not one per reconnect attempt).
      const errors = unreachable.map((e) => e['error']);
      expect(errors.filter((e, i) => i > 0 && e === errors[i - 1])).toEqual([]);
      expect(entries.map((e) => e['msg'])).toContain(`${command} stopping`);
    } finally {
      child?.proc.kill('SIGKILL');
      if (redis.exitCode === null && redis.signalCode === null) redis.kill('SIGKILL');
    }
  }, 60_000);
});
