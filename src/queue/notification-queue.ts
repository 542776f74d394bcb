/**
 * The notifications queue: one reconcile job per destination and stored operation version.
 * Its settings live here; the delivery logic lives in `notifications/`.
 */
import { DelayedError, Queue, Worker } from 'bullmq';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';
import { closeRedis, isConnectionError, redisConnection } from './connection.js';
import type { RedisClient, RedisTarget } from './connection.js';
import type { Consumer } from './consumers.js';
import { QueueNames, jobId } from './payloads.js';
import type { NotificationJobData } from './payloads.js';

export interface NotificationQueueOptions {
  /** A client on the queue's Redis; the queue uses a duplicate of it. */
  redis: RedisClient;
  prefix: string;
  /** Attempts of one delivery job (each with the notifier's own bounded retries). @defaultValue 8 */
  attempts?: number;
  /** Where the queue's errors go (its connection is watched with the client's). @defaultValue silentLogger */
  logger?: Logger;
}

export interface NotificationQueue {
  /**
   * Queue a reconcile of one destination for one stored version of the operation. One job per
   * version: a redelivered transition adds nothing new, a later version finds little to do.
   */
  enqueue(data: NotificationJobData, version: number): Promise<void>;
  close(): Promise<void>;
}

export function createNotificationQueue(options: NotificationQueueOptions): NotificationQueue {
  const { prefix, attempts = 8, logger = silentLogger } = options;
  const connection = options.redis.duplicate();
  const queue = new Queue<NotificationJobData>(QueueNames.notifications, { connection, prefix });
  queue.on('error', (err: unknown) => {
    if (!isConnectionError(err)) logger.error('notification queue error', { error: errorMessage(err) });
  });
  return {
    async enqueue(data, version) {
      await queue.add('reconcile', data, {
        jobId: jobId(data.operationId, data.destination, `v${version}`),
        attempts,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: true,
        removeOnFail: { age: 24 * 3600 },
      });
    },
    async close() {
      await queue.close();
      await closeRedis(connection);
    },
  };
}

export interface NotificationConsumerOptions {
  /** Where Redis is: a URL, or a Sentinel or cluster target. */
  redisUrl: RedisTarget;
  prefix: string;
  /** Deliveries at once. @defaultValue 4 */
  concurrency?: number;
  /** How long a busy destination's job waits before it looks again. @defaultValue 500 */
  busyDelayMs?: number;
  logger?: Logger;
}

/**
 * Consume delivery jobs. A handler returning `busy` (another delivery of the destination holds
 * its lock) puts the job back for `busyDelayMs`, without spending an attempt; a handler that
 * throws is retried with backoff.
 */
export function consumeNotifications(options: NotificationConsumerOptions, handler: (data: NotificationJobData) => Promise<'done' | 'busy'>): Consumer {
  const { concurrency = 4, busyDelayMs = 500, logger = silentLogger } = options;
  const connection = redisConnection(options.redisUrl, 'worker', { logger });
  const worker = new Worker<NotificationJobData>(
    QueueNames.notifications,
    async (job, token) => {
      if ((await handler(job.data)) === 'busy') {
        await job.moveToDelayed(Date.now() + busyDelayMs, token);
        throw new DelayedError();
      }
    },
    { connection, prefix: options.prefix, concurrency, lockDuration: 30_000 },
  );
  worker.on('error', (err) => {
    if (!isConnectionError(err)) logger.error('notification queue error', { error: errorMessage(err) });
  });
  worker.on('failed', (job, err) => logger.warn('notification delivery failed', { operation: job?.data.operationId, destination: job?.data.destination, attempt: job?.attemptsMade, error: errorMessage(err) }));
  return {
    async close(force = false) {
      await worker.close(force);
      await closeRedis(connection);
    },
  };
}
