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
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { redactUrl } from '../../src/queue/index.js';
import { errorMessage } from '../../src/util/index.js';
import { redisAnswers, startPrivateRedis } from '../../src/engine/index.js';
import { onPath } from './prereqs.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis the integration tests use (see test/setup/redis.ts). */
    redisUrl: string;
  }
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const NO_REDIS_MESSAGE = "npm test needs Redis: install Debian's redis-server (apt-get install redis-server) or set REDIS_URL to a running Redis";

async function privateRedis(): Promise<{ url: string; log: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'hookrunner-test-redis-'));
  const log = join(dir, 'redis.log');
  try {
    const redis = await startPrivateRedis({ dir, logFile: log });
    return {
      url: redis.url,
      log,
      async stop() {
        await redis.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${NO_REDIS_MESSAGE}. A private redis-server could not be started: ${errorMessage(err)}`);
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const wanted = process.env['REDIS_URL'] || DEFAULT_REDIS_URL;
  if (await redisAnswers(wanted, 1_000)) {
    console.log(`redis: ${redactUrl(wanted)}`);
    process.env['REDIS_URL'] = wanted;
    project.provide('redisUrl', wanted);
    return undefined;
  }
  if (!onPath('redis-server')) {
    throw new Error(`${NO_REDIS_MESSAGE} (nothing answers at ${redactUrl(wanted)} and redis-server is not on PATH)`);
  }
  const redis = await privateRedis();
  console.log(`redis: nothing answers at ${redactUrl(wanted)}; started a private redis-server at ${redis.url} (log: ${redis.log})`);
  process.env['REDIS_URL'] = redis.url;
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
  };
}
