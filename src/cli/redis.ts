/** Find Redis for a command: `REDIS_URL`, else a private `redis-server` from PATH on a free port. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redactUrl } from '../queue/index.js';
import { DeadlineExceededError, sleep } from '../util/index.js';

export interface RedisHandle {
  url: string;
  /** True when this process started the server. */
  private: boolean;
  stop(): Promise<void>;
}

/** Raised when no Redis can be found or started; the message says how to get one. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

export interface PrivateRedisOptions {
  /** Keep an append-only file (survives a restart of this server). @defaultValue false */
  appendonly?: boolean;
  /** Port; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /** Directory for its files. @defaultValue a new temp dir, removed on stop */
  dir?: string;
  /** How long to wait for it to answer. @defaultValue 10_000 */
  startTimeoutMs?: number;
  /** Where `redis-server` is looked for. @defaultValue this process's PATH */
  path?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function ping(url: string, timeoutMs: number): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
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

/** Start `redis-server` as a child process and wait until it answers. */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<RedisHandle & { process: ChildProcess; port: number; dir: string }> {
  const { appendonly = false, startTimeoutMs = 10_000 } = options;
  const port = options.port || (await freePort());
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'hookrunner-redis-')));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', appendonly ? 'yes' : 'no', '--appendfsync', 'everysec', '--dir', dir, '--maxmemory-policy', 'noeviction'];
  const child = spawn('redis-server', args, { stdio: 'ignore', env: { PATH: options.path ?? process.env['PATH'] ?? '' } });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new RedisUnavailableError(`cannot start redis-server (${err.message}); set REDIS_URL to a Redis 6.2+ server, or install redis-server (Debian: apt-get install redis-server)`)));
  });
  const url = `redis://127.0.0.1:${port}`;
  const started = Date.now();
  const ready = (async () => {
    while (!(await ping(url, 500))) {
      if (Date.now() - started > startTimeoutMs) throw new DeadlineExceededError(`redis-server to answer on ${url}`, Date.now() - started);
      if (child.exitCode !== null) throw new RedisUnavailableError(`redis-server exited with code ${child.exitCode} before answering on ${url}`);
      await sleep(50);
    }
  })();
  await Promise.race([ready, failed]);
  return {
    url,
    port,
    dir,
    private: true,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(5_000)]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `REDIS_URL` when set (it must answer), else a private server. */
export async function findRedis(env: Readonly<Record<string, string | undefined>>): Promise<RedisHandle> {
  const url = env['REDIS_URL'];
  if (url) {
    if (!(await ping(url, 3_000))) throw new RedisUnavailableError(`Redis at REDIS_URL does not answer: ${redactUrl(url)}`);
    return { url, private: false, stop: async () => undefined };
  }
  return startPrivateRedis({ path: env['PATH'] ?? '' });
}
