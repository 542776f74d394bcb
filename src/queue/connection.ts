import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';

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

/** A connection to a single server (URL or Sentinel) or to a Redis Cluster: both answer the commands hookrunner uses. */
export type RedisClient = Redis | Cluster;

/** Redis replies with READONLY when a failover turned the node we still talk to into a replica: reconnect (and resend) to the new master. */
function reconnectOnReadOnly(err: Error): boolean | 1 | 2 {
  return err.message.startsWith('READONLY') ? 2 : false;
}

/** Reconnect forever with a capped backoff (BullMQ "Going to production"). */
const retryStrategy = (times: number): number => Math.max(Math.min(Math.exp(times), 20_000), 1_000);

/**
 * A Redis connection for BullMQ and the store. Workers and other blocking users need
 * `maxRetriesPerRequest: null` (BullMQ, "Going to production"); producers fail fast when Redis is down
 * (`enableOfflineQueue: false`) so an HTTP request does not hang. A Sentinel target asks the sentinels
 * for the master (and again after a failover); a cluster target gives an ioredis `Cluster`.
 */
export function redisConnection(target: RedisTarget, role: ConnectionRole, extra: RedisOptions = {}): RedisClient {
  const options: RedisOptions = {
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    enableOfflineQueue: role !== 'producer',
    connectTimeout: 5_000,
    retryStrategy,
    reconnectOnError: reconnectOnReadOnly,
    lazyConnect: false,
    ...extra,
  };
  const t = typeof target === 'string' ? { kind: 'url' as const, url: target } : target;
  if (t.kind === 'url') return new Redis(t.url, options);
  if (t.kind === 'sentinel') {
    return new Redis({
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
  }
  const { retryStrategy: _retry, enableOfflineQueue, lazyConnect, ...redisOptions } = options;
  const clusterOptions: ClusterOptions = {
    clusterRetryStrategy: retryStrategy,
    enableOfflineQueue: enableOfflineQueue ?? true,
    lazyConnect: lazyConnect ?? false,
    slotsRefreshTimeout: 5_000,
    redisOptions: { ...redisOptions, ...(t.password ? { password: t.password } : {}) },
  };
  return new Cluster(t.nodes, clusterOptions);
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
