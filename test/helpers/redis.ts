import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { RedisTarget } from '../../src/queue/index.js';
import { deleteByPrefix } from '../../src/store/index.js';

/** The Redis test/setup/redis.ts chose (REDIS_URL when it answers, else a private redis-server), for integration tests only. */
function chosenRedis(): string {
  try {
    const provided = inject('redisUrl');
    if (provided) return provided;
  } catch {
    // Not inside a vitest worker (or no global setup provided it): fall back to the environment.
  }
  return process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
}

export const REDIS_URL = chosenRedis();

/** A unique key prefix per test, so tests never see each other's queues or keys. */
export function testPrefix(): string {
  return `test-${randomUUID().slice(0, 8)}`;
}

/** Delete every key under a prefix (BullMQ queues included). */
export async function cleanPrefix(prefix: string, url: RedisTarget = REDIS_URL): Promise<void> {
  await deleteByPrefix(url, prefix);
}
