import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';

export type ConnectionRole = 'worker' | 'producer' | 'client';

/**
 * The Redis clients of one logger (one process, in practice): their state for the log, and the
 * list a forced stop disconnects.
 */
interface RedisGroup {
  clients: Set<Redis>;
  /** Clients whose last event was an error, with its message. */
  down: Map<Redis, string>;
  /** The message of the last "unreachable" line, so a reconnect attempt failing the same way adds none. */
  logged?: string;
}

const groups = new WeakMap<Logger, RedisGroup>();

function groupOf(logger: Logger): RedisGroup {
  let group = groups.get(logger);
  if (!group) {
    group = { clients: new Set(), down: new Map() };
    groups.set(logger, group);
  }
  return group;
}

/** `host:port` of a client, for log lines (never its password). */
function where(client: Redis): string {
  return `${client.options.host ?? '127.0.0.1'}:${client.options.port ?? 6379}`;
}

/** An error's message with the client's password (if any) replaced. */
function redacted(client: Redis, err: unknown): string {
  const message = errorMessage(err);
  const password = client.options.password;
  return password ? message.split(password).join('***') : message;
}

/**
 * Log a client's errors as JSON lines, one per change of state: the first error after a working
 * connection (`Redis unreachable`), a different error while down, and recovery (`Redis reachable
 * again`) once every client of the group is ready. A client with an `error` listener never
 * makes ioredis print `[ioredis] Unhandled error event` with a stack trace. Duplicates of the
 * client (BullMQ's blocking connections, subscriptions) are watched the same way.
 */
function watch(client: Redis, logger: Logger): Redis {
  const group = groupOf(logger);
  group.clients.add(client);
  client.on('error', (err: unknown) => {
    const message = redacted(client, err);
    group.down.set(client, message);
    if (group.logged === message) return;
    group.logged = message;
    logger.warn(`Redis unreachable: ${message}`, { redis: where(client), error: message });
  });
  client.on('ready', () => {
    if (!group.down.delete(client)) return;
    if (group.down.size === 0 && group.logged !== undefined) {
      group.logged = undefined;
      logger.info('Redis reachable again', { redis: where(client) });
    }
  });
  client.on('end', () => {
    group.clients.delete(client);
    group.down.delete(client);
  });
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (override?: Partial<RedisOptions>) => watch(duplicate(override), logger);
  return client;
}

export interface RedisConnectionOptions {
  /** Where connection errors go (see {@link watch}). @defaultValue silentLogger */
  logger?: Logger;
  /** ioredis options over the role's. */
  redis?: RedisOptions;
}

/**
 * A Redis connection for BullMQ. Workers and other blocking users need
 * `maxRetriesPerRequest: null` (BullMQ, "Going to production"); producers fail fast when Redis is down
 * (`enableOfflineQueue: false`) so an HTTP request does not hang. Its errors (and its duplicates')
 * are logged, one line per change of state.
 */
export function redisConnection(url: string, role: ConnectionRole, options: RedisConnectionOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    enableOfflineQueue: role !== 'producer',
    connectTimeout: 5_000,
    // Reconnect forever with a capped backoff (BullMQ "Going to production").
    retryStrategy: (times: number) => Math.max(Math.min(Math.exp(times), 20_000), 1_000),
    lazyConnect: false,
    ...options.redis,
  };
  return watch(new Redis(url, redisOptions), options.logger ?? silentLogger);
}

/**
 * Close a client: `QUIT` when it is connected (bounded by `timeoutMs`), otherwise, or when that
 * does not answer in time, drop the socket and stop reconnecting. Never hangs on a dead Redis.
 */
export async function closeRedis(client: Redis, timeoutMs = 2_000): Promise<void> {
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

/**
 * A forced stop: disconnect every client created with `logger` (and their duplicates), so no
 * reconnect timer or socket keeps the process alive.
 */
export function disconnectRedisClients(logger: Logger): void {
  const group = groups.get(logger);
  if (!group) return;
  for (const client of [...group.clients]) client.disconnect();
}

/** True for an error that says the connection to Redis failed (the client's own watch logs those). */
export function isConnectionError(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ENETUNREACH'].includes(code)) return true;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection is closed|NOAUTH|WRONGPASS|max retries per request|Stream isn't writeable/i.test(errorMessage(err));
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
