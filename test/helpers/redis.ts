import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The machine's Redis (CI starts one when none answers). */
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** A unique key prefix per test, so tests never see each other's queues or keys. */
export function testPrefix(): string {
  return `test-${randomUUID().slice(0, 8)}`;
}

/** Delete every key under a prefix (BullMQ queues included). */
export async function cleanPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
