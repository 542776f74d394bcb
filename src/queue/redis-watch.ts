import { Cluster } from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';
import { errorMessage } from '../util/index.js';
import type { Logger } from '../util/index.js';

/** A connection to a single server (URL or Sentinel) or to a Redis Cluster: both answer the commands hookrunner uses. */
export type RedisClient = Redis | Cluster;

/**
 * The Redis clients of one logger (one process, in practice): their state for the log, and the
 * list a forced stop disconnects.
 */
interface RedisGroup {
  clients: Set<RedisClient>;
  /** Clients whose last event was an error, with its message. */
  down: Map<RedisClient, string>;
  /** The message of the last "unreachable" line, so a reconnect attempt failing the same way adds none. */
  logged?: string;
}

/** How a watched client is named in log lines, and the secrets its errors must not show. */
export interface WatchLabel {
  /** `host:port`, or the Sentinel master or cluster nodes: never a password. */
  redis: string;
  /** Passwords to replace with `***` in error messages. */
  secrets: readonly string[];
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

/** An error's message with the passwords (if any) replaced. */
function redacted(label: WatchLabel, err: unknown): string {
  let message = errorMessage(err);
  for (const secret of label.secrets) if (secret) message = message.split(secret).join('***');
  return message;
}

/**
 * Log a client's errors as JSON lines, one per change of state: the first error after a working
 * connection (`Redis unreachable`), a different error while down, and recovery (`Redis reachable
 * again`) once every client of the group is ready. A client with an `error` listener never
 * makes ioredis print `[ioredis] Unhandled error event` with a stack trace. Duplicates of the
 * client (BullMQ's blocking connections, subscriptions) are watched the same way.
 */
export function watch<C extends RedisClient>(client: C, logger: Logger, label: WatchLabel): C {
  const group = groupOf(logger);
  group.clients.add(client);
  client.on('error', (err: unknown) => {
    const message = redacted(label, err);
    group.down.set(client, message);
    if (group.logged === message) return;
    group.logged = message;
    logger.warn(`Redis unreachable: ${message}`, { redis: label.redis, error: message });
  });
  client.on('ready', () => {
    if (!group.down.delete(client)) return;
    if (group.down.size === 0 && group.logged !== undefined) {
      group.logged = undefined;
      logger.info('Redis reachable again', { redis: label.redis });
    }
  });
  client.on('end', () => {
    group.clients.delete(client);
    group.down.delete(client);
  });
  if (client instanceof Cluster) {
    const duplicate = client.duplicate.bind(client);
    client.duplicate = (...args: Parameters<Cluster['duplicate']>) => watch(duplicate(...args), logger, label);
  } else {
    const single = client as Redis;
    const duplicate = single.duplicate.bind(single);
    single.duplicate = (override?: Partial<RedisOptions>) => watch(duplicate(override), logger, label);
  }
  return client;
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
