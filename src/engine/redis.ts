/**
 * Redis for a process: `REDIS_URL`, else a private `redis-server` from PATH on a free port
 * (`hookrunner sync`, the demo, benches, and the test run's global setup).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redactUrl, urlWithPassword } from '../queue/index.js';
import { DeadlineExceededError, freePort, sleep } from '../util/index.js';

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
  /** Its log file (the tail is quoted when it fails to start). @defaultValue none */
  logFile?: string;
}

/** True when a Redis at `url` answers PING within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs: number): Promise<boolean> {
  let client: Redis;
  try {
    client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  } catch {
    return false; // not a Redis URL
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

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([gone, sleep(5_000)]);
  if (!exited(child)) child.kill('SIGKILL');
}

/**
 * Start `redis-server` as a child process and wait until it answers. On a free port (the
 * default) a start that loses the port to another process is tried again, three times at most.
 * The server is killed if this process exits without stopping it.
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<RedisHandle & { process: ChildProcess; port: number; dir: string }> {
  const { appendonly = false, startTimeoutMs = 10_000 } = options;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'hookrunner-redis-')));
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < (options.port ? 1 : 3); attempt++) {
    const port = options.port || (await freePort());
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', appendonly ? 'yes' : 'no', '--appendfsync', 'everysec', '--dir', dir, '--maxmemory-policy', 'noeviction', ...(options.logFile ? ['--logfile', options.logFile] : [])];
    const child = spawn('redis-server', args, { stdio: 'ignore', env: { PATH: options.path ?? process.env['PATH'] ?? '' } });
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    const killOnExit = (): void => {
      if (!exited(child)) child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    const url = `redis://127.0.0.1:${port}`;
    const started = Date.now();
    while (!spawnError && !exited(child) && Date.now() - started <= startTimeoutMs) {
      if (await redisAnswers(url, 500)) {
        return {
          url,
          port,
          dir,
          private: true,
          process: child,
          async stop() {
            process.removeListener('exit', killOnExit);
            await stopChild(child);
            if (!options.dir) await rm(dir, { recursive: true, force: true });
          },
        };
      }
      await sleep(50);
    }
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    if (spawnError) {
      lastError = new RedisUnavailableError(`cannot start redis-server (${spawnError.message}); set REDIS_URL to a Redis 6.2+ server, or install redis-server (Debian: apt-get install redis-server)`);
      break;
    }
    const log = options.logFile ? (await readFile(options.logFile, 'utf8').catch(() => '')).split('\n').slice(-10).join('\n') : '';
    lastError = child.exitCode !== null
      ? new RedisUnavailableError(`redis-server exited with code ${child.exitCode} before answering on ${url}${log ? `; its log ends:\n${log}` : ''}`)
      : new DeadlineExceededError(`redis-server to answer on ${url}`, Date.now() - started);
  }
  if (!options.dir) await rm(dir, { recursive: true, force: true });
  throw lastError ?? new RedisUnavailableError('redis-server did not start');
}

/**
 * `REDIS_URL` with `REDIS_PASSWORD` put in when the URL carries no password of its own
 * (`urlWithPassword`); undefined when `REDIS_URL` is unset or blank.
 */
export function redisUrlFromEnv(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const url = env['REDIS_URL']?.trim();
  if (!url) return undefined;
  const password = env['REDIS_PASSWORD'];
  return password ? urlWithPassword(url, password) : url;
}

/** `REDIS_URL` (with `REDIS_PASSWORD`, see {@link redisUrlFromEnv}) when set (it must answer), else a private server. */
export async function findRedis(env: Readonly<Record<string, string | undefined>>): Promise<RedisHandle> {
  const url = redisUrlFromEnv(env);
  if (url) {
    if (!(await redisAnswers(url, 3_000))) throw new RedisUnavailableError(`Redis at REDIS_URL does not answer: ${redactUrl(url)}`);
    return { url, private: false, stop: async () => undefined };
  }
  return startPrivateRedis({ path: env['PATH'] ?? '' });
}
