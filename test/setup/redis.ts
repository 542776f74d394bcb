/**
 * Redis for the integration project (vitest globalSetup, runs before any test worker starts).
 *
 * 1. The Redis at `REDIS_URL` (default `redis://127.0.0.1:6379`) answers PING → the tests use it.
 * 2. Otherwise `redis-server` is on PATH → a private one is started on a free loopback port
 *    (no persistence, its own temp dir and log file) and stopped after the run.
 * 3. Otherwise the run fails at once, saying how to get Redis.
 *
 * The URL reaches the tests two ways: `process.env.REDIS_URL` (test workers are forked after the
 * global setups ran, so they inherit it, and so do the processes the tests spawn) and
 * `inject('redisUrl')` (read by `test/helpers/redis.ts`).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { onPath } from './prereqs.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis the integration tests use (see test/setup/redis.ts). */
    redisUrl: string;
  }
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const NO_REDIS_MESSAGE = "npm test needs Redis: install Debian's redis-server (apt-get install redis-server) or set REDIS_URL to a running Redis";

const START_TIMEOUT_MS = 10_000;

/** The URL with its password hidden, for messages. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** True when a Redis at `url` answers PING within `timeoutMs`. */
export async function answersPing(url: string, timeoutMs = 1_000): Promise<boolean> {
  let client: Redis;
  try {
    client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  } catch {
    return false;
  }
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface PrivateRedis {
  url: string;
  log: string;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 5_000))]);
  if (!exited(child)) child.kill('SIGKILL');
}

/** Start `redis-server` on a free loopback port; retried when another process took the port first. */
async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'hookrunner-test-redis-'));
  const log = join(dir, 'redis.log');
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', log, '--maxmemory-policy', 'noeviction', '--daemonize', 'no'],
      { stdio: 'ignore' },
    );
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    // A vitest killed without its teardown must not leave the server behind.
    const killOnExit = (): void => {
      if (!exited(child)) child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    const started = Date.now();
    while (Date.now() - started < START_TIMEOUT_MS && !spawnError && !exited(child)) {
      if (await answersPing(url, 500)) {
        return {
          url,
          log,
          async stop() {
            process.removeListener('exit', killOnExit);
            await stopChild(child);
            await rm(dir, { recursive: true, force: true });
          },
        };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    const logText = await readFile(log, 'utf8').catch(() => '');
    lastError = spawnError
      ? `cannot run redis-server: ${spawnError.message}`
      : `redis-server on port ${port} did not answer within ${START_TIMEOUT_MS} ms${child.exitCode !== null ? ` (exited with code ${child.exitCode})` : ''}; its log ends:\n${logText.split('\n').slice(-10).join('\n')}`;
    if (spawnError) break;
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`${NO_REDIS_MESSAGE}. A private redis-server could not be started: ${lastError}`);
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const wanted = process.env['REDIS_URL'] || DEFAULT_REDIS_URL;
  if (await answersPing(wanted)) {
    console.log(`redis: ${shown(wanted)}`);
    process.env['REDIS_URL'] = wanted;
    project.provide('redisUrl', wanted);
    return undefined;
  }
  if (!onPath('redis-server')) {
    throw new Error(`${NO_REDIS_MESSAGE} (nothing answers at ${shown(wanted)} and redis-server is not on PATH)`);
  }
  const redis = await startPrivateRedis();
  console.log(`redis: nothing answers at ${shown(wanted)}; started a private redis-server at ${redis.url} (log: ${redis.log})`);
  process.env['REDIS_URL'] = redis.url;
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
  };
}
