import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { IdempotencyRecordError } from './errors.js';
import type { ClaimResult, IdempotencyStore } from './idempotency.js';
import type { MessageRef } from './types.js';

export interface RedisIdempotencyStoreOptions {
  /**
   * The connection, owned by the caller (who also closes it). Give it a `commandTimeout` and a
   * bounded `maxRetriesPerRequest` so a dead Redis fails a post instead of hanging it.
   */
  redis: Redis | Cluster;
  /** Prefix of every key (made by `queue/keys.ts`: `notifyIdempotency` or `notifySent`). */
  prefix: string;
  /** How long a recorded post is remembered, in ms. @defaultValue 7 days */
  recordTtlMs?: number;
}

/** Deletes the key only while it still holds our claim. */
const RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

const PENDING = 'pending:';
const SENT = 'sent:';

/**
 * An {@link IdempotencyStore} in Redis, shared by every process using the same Redis and prefix.
 * A claim is `SET key pending:<token> NX PX <ttl>`: atomic, and it expires by itself if its holder
 * dies, so a crash between send and record delays a retry by the claim TTL and may then post once
 * more (the guarantee documented on {@link IdempotencyStore}). A record is `SET key sent:<ref> PX`.
 */
export function createRedisIdempotencyStore(options: RedisIdempotencyStoreOptions): IdempotencyStore {
  const { redis, prefix, recordTtlMs = 7 * 24 * 3_600_000 } = options;
  const keyOf = (key: string): string => `${prefix}${key}`;

  const read = async (key: string): Promise<ClaimResult | undefined> => {
    const value = await redis.get(keyOf(key));
    if (value === null) return undefined;
    if (value.startsWith(SENT)) return { state: 'sent', ref: parseRef(value.slice(SENT.length), keyOf(key)) };
    return { state: 'busy' };
  };

  return {
    async get(key) {
      const found = await read(key);
      return found?.state === 'sent' ? found.ref : undefined;
    },
    async claim(key, { ttlMs }) {
      // Two rounds: the key may expire between a refused SET NX and the GET that follows it.
      for (let round = 0; round < 2; round++) {
        const token = randomUUID();
        const set = await redis.set(keyOf(key), `${PENDING}${token}`, 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
        if (set === 'OK') return { state: 'claimed', token };
        const found = await read(key);
        if (found) return found;
      }
      return { state: 'busy' };
    },
    async record(key, ref, _token) {
      await redis.set(keyOf(key), `${SENT}${JSON.stringify(ref)}`, 'PX', Math.max(1, Math.round(recordTtlMs)));
    },
    async release(key, token) {
      await redis.eval(RELEASE_SCRIPT, 1, keyOf(key), `${PENDING}${token}`);
    },
  };
}

function parseRef(json: string, key: string): MessageRef {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new IdempotencyRecordError(key, 'is not JSON', { cause: err });
  }
  if (typeof value === 'object' && value !== null && 'kind' in value) {
    const kind = (value as { kind: unknown }).kind;
    if (kind === 'mattermost' || kind === 'slack' || kind === 'log') return value as MessageRef;
  }
  throw new IdempotencyRecordError(key, 'is not a message reference');
}
