import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';
import { watch } from './redis-watch.js';
import type { RedisClient } from './redis-watch.js';

export { disconnectRedisClients } from './redis-watch.js';
export type { RedisClient } from './redis-watch.js';

export type ConnectionRole = 'worker' | 'producer' | 'client';

/** One `host:port` of a Sentinel or cluster node list. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * Where hookrunner's Redis is (the environment's `REDIS_URL`, `REDIS_SENTINELS` or
 * `REDIS_CLUSTER_NODES`, see {@link redisTargetFromEnv}). A plain string is a Redis URL.
 */
export type RedisTarget =
  | string
  | { kind: 'url'; url: string }
  | {
      kind: 'sentinel';
      sentinels: HostPort[];
      /** The master's name the sentinels monitor. @defaultValue 'mymaster' */
      name: string;
      /** The sentinels' own password (`requirepass` in sentinel.conf). */
      sentinelPassword?: string;
      /** The data nodes' password. */
      password?: string;
    }
  | { kind: 'cluster'; nodes: HostPort[]; password?: string };

/** Redis replies with READONLY when a failover turned the node we still talk to into a replica: reconnect (and resend) to the new master. */
function reconnectOnReadOnly(err: Error): boolean | 1 | 2 {
  return err.message.startsWith('READONLY') ? 2 : false;
}

/** Reconnect forever with a capped backoff (BullMQ "Going to production"). */
const retryStrategy = (times: number): number => Math.max(Math.min(Math.exp(times), 20_000), 1_000);

export interface RedisConnectionOptions {
  /** Where connection errors go (see `watch` in redis-watch.ts). @defaultValue silentLogger */
  logger?: Logger;
  /** ioredis options over the role's. */
  redis?: RedisOptions;
}

/**
 * A Redis connection for BullMQ and the store. Workers and other blocking users need
 * `maxRetriesPerRequest: null` (BullMQ, "Going to production"); producers fail fast when Redis is down
 * (`enableOfflineQueue: false`) so an HTTP request does not hang. A Sentinel target asks the sentinels
 * for the master (and again after a failover); a cluster target gives an ioredis `Cluster`. Its errors
 * (and its duplicates') are logged, one line per change of state, never with a password.
 */
export function redisConnection(target: RedisTarget, role: ConnectionRole, connection: RedisConnectionOptions = {}): RedisClient {
  const logger = connection.logger ?? silentLogger;
  const label = { redis: whereOf(target), secrets: secretsOf(target) };
  const options: RedisOptions = {
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    enableOfflineQueue: role !== 'producer',
    connectTimeout: 5_000,
    retryStrategy,
    reconnectOnError: reconnectOnReadOnly,
    lazyConnect: false,
    ...connection.redis,
  };
  const t = typeof target === 'string' ? { kind: 'url' as const, url: target } : target;
  if (t.kind === 'url') return watch(new Redis(t.url, options), logger, label);
  if (t.kind === 'sentinel') {
    const client = new Redis({
      ...options,
      sentinels: t.sentinels,
      name: t.name,
      // Off: with it, quit() leaves the sentinel subscriptions open and a stopping worker never exits
      // (ioredis#1362, in ioredis 5.11). A failover disconnects the clients of both nodes, and a READONLY
      // reply reconnects (reconnectOnError), so the new master is asked of the sentinels either way.
      failoverDetector: false,
      sentinelRetryStrategy: (times: number) => Math.min(times * 500, 5_000),
      ...(t.sentinelPassword ? { sentinelPassword: t.sentinelPassword } : {}),
      ...(t.password ? { password: t.password } : {}),
    });
    return watch(client, logger, label);
  }
  const { retryStrategy: _retry, enableOfflineQueue, lazyConnect, ...redisOptions } = options;
  const clusterOptions: ClusterOptions = {
    clusterRetryStrategy: retryStrategy,
    enableOfflineQueue: enableOfflineQueue ?? true,
    lazyConnect: lazyConnect ?? false,
    slotsRefreshTimeout: 5_000,
    redisOptions: { ...redisOptions, ...(t.password ? { password: t.password } : {}) },
  };
  return watch(new Cluster(t.nodes, clusterOptions), logger, label);
}

/**
 * Close a client: `QUIT` when it is connected (bounded by `timeoutMs`), otherwise, or when that
 * does not answer in time, drop the socket and stop reconnecting. Never hangs on a dead Redis.
 */
export async function closeRedis(client: RedisClient, timeoutMs = 2_000): Promise<void> {
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const quit = client.quit().then(() => true, () => false);
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = await Promise.race([quit, late]);
    clearTimeout(timer);
    if (done) return;
  }
  client.disconnect();
}

/** True for an error that says the connection to Redis failed (the client's own watch logs those). */
export function isConnectionError(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ENETUNREACH'].includes(code)) return true;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection is closed|NOAUTH|WRONGPASS|max retries per request|Stream isn't writeable/i.test(errorMessage(err));
}

/** A target for log lines: `host:port` of a URL (README "Stopping, and Redis outages"), else {@link describeTarget}. */
function whereOf(target: RedisTarget): string {
  const url = typeof target === 'string' ? target : target.kind === 'url' ? target.url : undefined;
  if (url === undefined) return describeTarget(target);
  try {
    const u = new URL(url);
    return `${u.hostname || '127.0.0.1'}:${u.port || '6379'}`;
  } catch {
    return '(invalid Redis URL)';
  }
}

/** The passwords a target holds (for redacting error messages). */
function secretsOf(target: RedisTarget): string[] {
  const t = typeof target === 'string' ? { kind: 'url' as const, url: target } : target;
  if (t.kind === 'url') {
    try {
      const password = decodeURIComponent(new URL(t.url).password);
      return password ? [password] : [];
    } catch {
      return [];
    }
  }
  return [t.password ?? '', t.kind === 'sentinel' ? (t.sentinelPassword ?? '') : ''].filter((p) => p !== '');
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

/** A target for messages: never a password. */
export function describeTarget(target: RedisTarget): string {
  const t = typeof target === 'string' ? { kind: 'url' as const, url: target } : target;
  const list = (nodes: HostPort[]): string => nodes.map((n) => `${n.host}:${n.port}`).join(',');
  if (t.kind === 'url') return redactUrl(t.url);
  if (t.kind === 'sentinel') return `sentinel master ${t.name} via ${list(t.sentinels)}`;
  return `cluster ${list(t.nodes)}`;
}

/**
 * The key prefix to use on a target. Redis Cluster runs a multi-key command or script only when
 * all its keys hash to one slot, and BullMQ's scripts touch several keys of a queue: so in cluster
 * mode the prefix is wrapped in a hash tag (`hookrunner` → `{hookrunner}`), which puts every key of
 * an installation (ours and BullMQ's) in one slot. A prefix that already holds a `{…}` tag is kept.
 * Elsewhere the prefix is unchanged.
 */
export function prefixFor(target: RedisTarget, prefix: string): string {
  if (typeof target === 'string' || target.kind !== 'cluster') return prefix;
  return /\{[^}]+\}/.test(prefix) ? prefix : `{${prefix}}`;
}
