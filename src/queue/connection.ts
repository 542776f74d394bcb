import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';

export type ConnectionRole = 'worker' | 'producer' | 'client';

/**
 * A Redis connection for BullMQ. Workers and other blocking users need
 * `maxRetriesPerRequest: null` (BullMQ, "Going to production"); producers fail fast when Redis is down
 * (`enableOfflineQueue: false`) so an HTTP request does not hang.
 */
export function redisConnection(url: string, role: ConnectionRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    enableOfflineQueue: role !== 'producer',
    connectTimeout: 5_000,
    // Reconnect forever with a capped backoff (BullMQ "Going to production").
    retryStrategy: (times: number) => Math.max(Math.min(Math.exp(times), 20_000), 1_000),
    lazyConnect: false,
    ...extra,
  };
  return new Redis(url, options);
}

/** Redact the password of a Redis URL for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid Redis URL)';
  }
}
