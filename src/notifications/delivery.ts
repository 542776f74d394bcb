/**
 * Delivery of the built-in triggers through the notifications queue. Each delivery job
 * *reconciles* one destination of one operation: it sends what {@link pendingDeliveries} says the
 * destination still lacks and records each message in Redis — one parent message per operation,
 * updated in place, and threaded replies per finished phase and per failed hook. Every post
 * carries an idempotency key, so a redelivered or restarted job posts nothing twice; a delivery
 * failure is logged and retried, and never fails a sync.
 */
import { createRedisIdempotencyStore, isChatError } from '../chat/index.js';
import type { IdempotencyStore, MessageRef, Notifier } from '../chat/index.js';
import { consumeNotifications, createNotificationQueue, redisKeys } from '../queue/index.js';
import type { Bus, NotificationJobData, RedisTarget } from '../queue/index.js';
import { withLock } from '../store/index.js';
import type { DeliveryEntry, Store } from '../store/index.js';
import { isDone } from '../sync/index.js';
import type { Operation, Subscription } from '../sync/index.js';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';
import { destinationKey, pendingDeliveries } from './triggers.js';
import type { Delivery } from './triggers.js';

/**
 * Builds the notifier of a destination, using the given idempotency store (so a redelivered
 * delivery posts nothing twice); undefined when the service is not configured (recorded as skipped).
 */
export type NotifierFactory = (subscription: Subscription, deps: { idempotency: IdempotencyStore }) => Notifier | undefined;

export interface NotificationsOptions {
  /** Where Redis is: a URL, or a Sentinel or cluster target. */
  redisUrl: RedisTarget;
  bus: Bus;
  store: Store;
  notifierFor: NotifierFactory;
  /** Deliveries at once. @defaultValue 4 */
  concurrency?: number;
  /** Attempts of one delivery job (each with the notifier's own bounded retries). @defaultValue 8 */
  attempts?: number;
  /** Secrets to keep out of messages (tokens). @defaultValue [] */
  secrets?: string[];
  /** Called after each delivery attempt (metrics). */
  onDelivery?: (entry: DeliveryEntry) => void;
  logger?: Logger;
}

export interface Notifications {
  /** Queue a reconcile of every destination of this operation (call after each transition). */
  onTransition(previous: Operation | undefined, next: Operation): Promise<void>;
  /**
   * Wait until every destination of the operation has been brought up to its current version
   * (or gave up on a permanent error), at most `timeoutMs`: a CLI run waits for this before it exits.
   */
  settled(operationId: string, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export function createNotifications(options: NotificationsOptions): Notifications {
  const { redisUrl, bus, store, notifierFor, concurrency = 4, secrets = [], logger = silentLogger } = options;
  const prefix = bus.prefix;
  const keys = redisKeys(prefix);
  const redis = bus.redis;
  const queue = createNotificationQueue({ redis, prefix, logger, ...(options.attempts !== undefined ? { attempts: options.attempts } : {}) });
  const idempotency = createRedisIdempotencyStore({ redis, prefix: keys.notifyIdempotency });

  async function record(operationId: string, entry: Omit<DeliveryEntry, 'time'>): Promise<void> {
    const full: DeliveryEntry = { time: new Date().toISOString(), ...entry };
    await store.appendDelivery(operationId, full);
    options.onDelivery?.(full);
  }

  /** Send one delivery; record it; remember it in the destination state. False when the destination gave up (permanent error). */
  async function send(op: Operation, dest: string, notifier: Notifier, delivery: Delivery, parent: MessageRef | undefined): Promise<boolean> {
    const stateKey = keys.notifyState(op.id, dest);
    try {
      let ref: MessageRef | void;
      if (delivery.kind === 'parent') ref = await notifier.post(delivery.message, { idempotencyKey: delivery.idempotencyKey });
      else if (delivery.kind === 'update') ref = parent ? await notifier.update(parent, delivery.message) : undefined;
      else ref = await notifier.post(delivery.message, { idempotencyKey: delivery.idempotencyKey, ...(parent ? { threadOf: parent } : {}) });
      await redis.hset(stateKey, delivery.field, ref ? JSON.stringify(ref) : '1');
      await record(op.id, { destination: dest, event: delivery.event, outcome: delivery.kind === 'update' ? 'updated' : 'sent' });
    } catch (err) {
      const code = isChatError(err) ? err.code : 'error';
      await record(op.id, { destination: dest, event: delivery.event, outcome: 'failed', errorCode: code, error: errorMessage(err) });
      // A permanent error (bad token, unknown channel) will not get better: give up on this destination.
      if (isChatError(err) && err.permanent) return false;
      throw err;
    }
    if (delivery.kind === 'parent') await redis.hset(stateKey, 'parentHash', delivery.hash, 'parentEarly', isDone(op) ? '0' : '1');
    if (delivery.kind === 'update') await redis.hset(stateKey, 'parentHash', delivery.hash);
    return true;
  }

  async function reconcile(op: Operation, sub: Subscription): Promise<void> {
    const dest = destinationKey(sub);
    const stateKey = keys.notifyState(op.id, dest);
    const notifier = notifierFor(sub, { idempotency });
    const state = await redis.hgetall(stateKey);
    if (!notifier) {
      if (!state['skipped']) {
        await redis.hset(stateKey, 'skipped', '1');
        await record(op.id, { destination: dest, event: 'parent', outcome: 'skipped', error: `${sub.service} is not configured in this process` });
      }
      return;
    }
    let parent = state['parent'] ? (JSON.parse(state['parent']) as MessageRef) : undefined;
    for (const delivery of pendingDeliveries(op, sub, state, secrets)) {
      if (!(await send(op, dest, notifier, delivery, parent))) return;
      if (delivery.kind === 'parent') parent = JSON.parse((await redis.hget(stateKey, 'parent')) ?? 'null') as MessageRef;
    }
  }

  const consumer = consumeNotifications({ redisUrl, prefix, concurrency, logger }, async ({ operationId, destination }: NotificationJobData) => {
    // Another delivery of this destination is running: look again shortly, in order. The lock
    // lives 10 s past a holder that was killed (renewed while a delivery runs).
    const locked = await withLock({ redis, key: keys.notifyLock(operationId, destination) }, async () => {
      const op = await store.getOperation(operationId);
      const sub = op?.spec.notifications?.find((s) => destinationKey(s) === destination);
      if (!op || !sub) return;
      await reconcile(op, sub);
      // Everything this version of the operation calls for was delivered (or will never be).
      await redis.hset(keys.notifyState(op.id, destination), 'reconciled', String(op.version));
    });
    return locked.held ? 'done' : 'busy';
  });

  return {
    async onTransition(_previous, next) {
      for (const sub of next.spec.notifications ?? []) await queue.enqueue({ operationId: next.id, destination: destinationKey(sub) }, next.version);
    },
    async settled(operationId, timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const op = await store.getOperation(operationId);
        let pending = 0;
        for (const sub of op?.spec.notifications ?? []) {
          const reconciled = Number((await redis.hget(keys.notifyState(operationId, destinationKey(sub)), 'reconciled')) ?? -1);
          if (op && reconciled < op.version) pending++;
        }
        if (pending === 0) return true;
        if (Date.now() > until) return false;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      await consumer.close();
      await queue.close();
    },
  };
}
