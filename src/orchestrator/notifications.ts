/**
 * Built-in notification triggers (`on-sync-running`, `on-sync-succeeded`, `on-sync-failed`,
 * `on-hook-failed`), delivered through a BullMQ queue. Each delivery job *reconciles* one
 * destination of one operation: it compares what the operation's state calls for with what was
 * already delivered (recorded in Redis) and sends only what is missing — one parent message per
 * operation, updated in place, and threaded replies per finished phase and per failed hook.
 * Every post carries an idempotency key, so a redelivered or restarted job posts nothing twice;
 * a delivery failure is logged and retried, and never fails a sync.
 */
import { createHash } from 'node:crypto';
import { DelayedError, Queue, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { createRedisIdempotencyStore, isNotifyError, renderSyncMessage } from '../notify/index.js';
import type { ChatMessage, IdempotencyStore, MessageRef, Notifier, SyncContext } from '../notify/index.js';
import { QueueNames, jobId, redisConnection } from '../queue/index.js';
import type { Bus, NotificationJobData } from '../queue/index.js';
import type { DeliveryEntry, Store } from '../store/index.js';
import { displayStatus, failureSummary, isDone, orderedResults, taskFailed } from '../sync/index.js';
import type { Operation, Subscription, TaskResult } from '../sync/index.js';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';

/**
 * Builds the notifier of a destination, using the given idempotency store (so a redelivered
 * delivery posts nothing twice); undefined when the service is not configured (logged as skipped).
 */
export type NotifierFactory = (subscription: Subscription, deps: { idempotency: IdempotencyStore }) => Notifier | undefined;

export interface NotificationsOptions {
  redisUrl: string;
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

export function destinationKey(s: Pick<Subscription, 'service' | 'recipient'>): string {
  return `${s.service}:${s.recipient}`;
}

const PHASE_ORDER = ['PreSync', 'Sync', 'PostSync', 'SyncFail'] as const;

export function createNotifications(options: NotificationsOptions): Notifications {
  const { redisUrl, bus, store, notifierFor, concurrency = 4, attempts = 8, secrets = [], logger = silentLogger } = options;
  const prefix = bus.prefix;
  const queueConnection = bus.redis.duplicate();
  const workerConnection = redisConnection(redisUrl, 'worker');
  const queue = new Queue<NotificationJobData>(QueueNames.notifications, { connection: queueConnection, prefix });
  const redis = bus.redis;
  const idempotency = createRedisIdempotencyStore({ redis, prefix: `${prefix}:notify-idem` });
  const stateKey = (op: string, dest: string): string => `${prefix}:notify:${op}:${dest}`;
  const lockKey = (op: string, dest: string): string => `${prefix}:notify-lock:${op}:${dest}`;

  async function record(operationId: string, entry: Omit<DeliveryEntry, 'time'>): Promise<void> {
    const full: DeliveryEntry = { time: new Date().toISOString(), ...entry };
    await store.appendDelivery(operationId, full);
    options.onDelivery?.(full);
  }

  /** Send `fn`'s message once per `event`; record it; remember it in the destination state. */
  async function deliver(op: Operation, dest: string, event: string, field: string, fn: () => Promise<MessageRef | void>): Promise<boolean> {
    try {
      const ref = await fn();
      await redis.hset(stateKey(op.id, dest), field, ref ? JSON.stringify(ref) : '1');
      await record(op.id, { destination: dest, event, outcome: event === 'update' ? 'updated' : 'sent' });
      return true;
    } catch (err) {
      const code = isNotifyError(err) ? err.code : 'error';
      await record(op.id, { destination: dest, event, outcome: 'failed', errorCode: code, error: errorMessage(err) });
      // A permanent error (bad token, unknown channel) will not get better: give up on this destination.
      if (isNotifyError(err) && err.permanent) return false;
      throw err;
    }
  }

  async function reconcile(op: Operation, sub: Subscription): Promise<void> {
    const dest = destinationKey(sub);
    const notifier = notifierFor(sub, { idempotency });
    const state = await redis.hgetall(stateKey(op.id, dest));
    if (!notifier) {
      if (!state['skipped']) {
        await redis.hset(stateKey(op.id, dest), 'skipped', '1');
        await record(op.id, { destination: dest, event: 'parent', outcome: 'skipped', error: `${sub.service} is not configured in this process` });
      }
      return;
    }
    const done = isDone(op);
    const failedHooks = orderedResults(op).filter((r) => r.hookType && taskFailed(r));
    const fired = {
      'on-sync-running': true,
      'on-sync-succeeded': done && op.phase === 'Succeeded',
      'on-sync-failed': done && (op.phase === 'Failed' || op.phase === 'Error'),
      'on-hook-failed': failedHooks.length > 0,
    } as const;
    if (!sub.triggers.some((t) => fired[t])) return;
    const key = (what: string): string => `${op.id}/${dest}/${what}`;

    // The parent: posted once, then kept up to date in place.
    const parentMessage = renderSyncMessage(syncContext(op), { secrets });
    const hash = createHash('sha256').update(JSON.stringify(parentMessage)).digest('hex').slice(0, 16);
    let parent = state['parent'] ? (JSON.parse(state['parent']) as MessageRef) : undefined;
    const parentWasThere = parent !== undefined && state['parentEarly'] === '1';
    if (!parent) {
      const ok = await deliver(op, dest, 'parent', 'parent', () => notifier.post(parentMessage, { idempotencyKey: key('parent') }));
      if (!ok) return;
      parent = JSON.parse((await redis.hget(stateKey(op.id, dest), 'parent')) ?? 'null') as MessageRef;
      await redis.hset(stateKey(op.id, dest), 'parentHash', hash, 'parentEarly', done ? '0' : '1');
    } else if (state['parentHash'] !== hash) {
      const ref = parent;
      if (!(await deliver(op, dest, 'update', 'lastUpdate', () => notifier.update(ref, parentMessage)))) return;
      await redis.hset(stateKey(op.id, dest), 'parentHash', hash);
    }
    const threadOf = parent;

    // A threaded reply per finished phase, for destinations that follow the sync as it runs.
    // Per attempt: a retried operation (§10.3) reports its phases and failed hooks again.
    const attempt = op.retryCount;
    if (sub.triggers.includes('on-sync-running')) {
      for (const phase of finishedPhases(op)) {
        const field = `phase:${attempt}:${phase}`;
        if (state[field]) continue;
        if (!(await deliver(op, dest, `phase ${phase}`, field, () => notifier.post(phaseMessage(op, phase), { idempotencyKey: key(`phase-${attempt}-${phase}`), threadOf })))) return;
      }
    }
    if (sub.triggers.includes('on-hook-failed')) {
      for (const r of failedHooks) {
        const field = `hook:${attempt}:${r.key}`;
        if (state[field]) continue;
        if (!(await deliver(op, dest, `hook-failed ${r.kind}/${r.name}`, field, () => notifier.post(hookFailedMessage(op, r, secrets), { idempotencyKey: key(`hook-${attempt}-${r.key}`), threadOf })))) return;
      }
    }
    // The outcome as a reply too, when the parent was posted while running (an update alone notifies nobody).
    const outcomeWanted = (fired['on-sync-succeeded'] && sub.triggers.includes('on-sync-succeeded')) || (fired['on-sync-failed'] && sub.triggers.includes('on-sync-failed'));
    if (done && outcomeWanted && parentWasThere && !state['final']) {
      await deliver(op, dest, 'final', 'final', () => notifier.post(renderSyncMessage({ ...syncContext(op), phase: undefined }, { secrets }), { idempotencyKey: key('final'), threadOf }));
    }
  }

  async function handle(job: Job<NotificationJobData>, token?: string): Promise<void> {
    const { operationId, destination } = job.data;
    const lock = lockKey(operationId, destination);
    const holder = `${process.pid}-${job.id}-${Math.random().toString(36).slice(2)}`;
    if ((await redis.set(lock, holder, 'PX', 60_000, 'NX')) !== 'OK') {
      // Another delivery of this destination is running: look again shortly, in order.
      await job.moveToDelayed(Date.now() + 500, token);
      throw new DelayedError();
    }
    try {
      const op = await store.getOperation(operationId);
      const sub = op?.spec.notifications?.find((s) => destinationKey(s) === destination);
      if (!op || !sub) return;
      await reconcile(op, sub);
      // Everything this version of the operation calls for was delivered (or will never be).
      await redis.hset(stateKey(op.id, destinationKey(sub)), 'reconciled', String(op.version));
    } finally {
      if ((await redis.get(lock)) === holder) await redis.del(lock);
    }
  }

  const worker = new Worker<NotificationJobData>(QueueNames.notifications, handle, {
    connection: workerConnection,
    prefix,
    concurrency,
    lockDuration: 30_000,
  });
  worker.on('error', (err) => logger.error('notification queue error', { error: errorMessage(err) }));
  worker.on('failed', (job, err) => logger.warn('notification delivery failed', { operation: job?.data.operationId, destination: job?.data.destination, attempt: job?.attemptsMade, error: errorMessage(err) }));

  return {
    async onTransition(_previous, next) {
      for (const sub of next.spec.notifications ?? []) {
        const destination = destinationKey(sub);
        await queue.add(
          'reconcile',
          { operationId: next.id, destination },
          {
            // One job per stored version: each brings the destination up to date (a later one finds little to do);
            // the per-destination lock keeps them in order, and a redelivered transition adds nothing new.
            jobId: jobId(next.id, destination, `v${next.version}`),
            attempts,
            backoff: { type: 'exponential', delay: 1_000 },
            removeOnComplete: true,
            removeOnFail: { age: 24 * 3600 },
          },
        );
      }
    },
    async settled(operationId, timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const op = await store.getOperation(operationId);
        const subs = op?.spec.notifications ?? [];
        let pending = 0;
        for (const sub of subs) {
          const reconciled = Number((await redis.hget(stateKey(operationId, destinationKey(sub)), 'reconciled')) ?? -1);
          if (op && reconciled < op.version) pending++;
        }
        if (pending === 0) return true;
        if (Date.now() > until) return false;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      await worker.close();
      await queue.close();
      await Promise.allSettled([queueConnection.quit(), workerConnection.quit()]);
    },
  };
}

/** The operation as a notification sees it. */
export function syncContext(op: Operation): SyncContext {
  const failure = failureSummary(op);
  return {
    app: op.app,
    operationId: op.id,
    revision: op.revision,
    outcome: op.phase,
    startedAt: new Date(op.startedAt),
    ...(op.finishedAt ? { finishedAt: new Date(op.finishedAt) } : {}),
    message: op.message,
    ...(failure.tasks.length > 0 ? { failedTasks: failure.tasks } : {}),
    ...(op.spec.dashboardUrl ? { dashboardUrl: `${op.spec.dashboardUrl.replace(/\/$/, '')}/#/operations/${op.id}` } : {}),
  };
}

/** Phases whose every task has a completed result (all of them once the operation is done). */
export function finishedPhases(op: Operation): string[] {
  const results = op.results;
  return PHASE_ORDER.filter((phase) => {
    const planned = (op.plan ?? []).filter((t) => t.phase === phase);
    const got = results.filter((r) => r.syncPhase === phase);
    if (got.length === 0) return false;
    if (isDone(op)) return true;
    return planned.length > 0 && planned.every((t) => got.some((r) => r.key === t.key && r.hookPhase !== 'Running' && r.hookPhase !== undefined));
  });
}

function phaseMessage(op: Operation, phase: string): ChatMessage {
  const rows = orderedResults(op).filter((r) => r.syncPhase === phase);
  const bad = rows.filter((r) => taskFailed(r)).length;
  const lines = rows.map((r) => `${taskFailed(r) ? '❌' : '✅'} ${r.kind}/${r.name}: ${displayStatus(r)}${r.message ? ` — ${r.message}` : ''}`);
  return { text: [`${phase} ${bad > 0 ? 'failed' : 'done'} (${rows.length} task${rows.length === 1 ? '' : 's'}) for ${op.app}`, ...lines].join('\n') };
}

function hookFailedMessage(op: Operation, r: TaskResult, secrets: string[]): ChatMessage {
  const log = [...(r.logs ?? [])].reverse().find((l) => l.log.trim() !== '');
  return renderSyncMessage(
    {
      app: op.app,
      operationId: op.id,
      revision: op.revision,
      phase: r.syncPhase,
      outcome: 'Failed',
      message: `hook ${r.kind}/${r.name} failed`,
      failedTasks: [{ name: `${r.kind}/${r.name}`, phase: r.syncPhase, message: r.message, ...(log ? { logExcerpt: log.log } : {}) }],
    },
    { secrets },
  );
}
