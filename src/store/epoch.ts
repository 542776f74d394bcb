/**
 * Detecting that Redis lost its data (issue 14 item 5): a restart without persistence, a
 * failover to a replica that missed the last writes, a FLUSHALL. An epoch key (`<prefix>:epoch`,
 * a random id and its creation time) is created when missing; every process remembers the epoch
 * it saw and looks again after every reconnect and every `intervalMs`. Gone or different means
 * the dataset is not the one this process worked with: the loss is logged once at error level,
 * recorded under `<prefix>:data-losses` with the operations this process knew were running, and
 * a new epoch is adopted. Those operations then answer 410 Gone (not 404) from this process.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../queue/index.js';
import { redisKeys } from '../queue/index.js';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';

export interface RedisEpoch {
  id: string;
  /** ISO time the epoch key was created. */
  createdAt: string;
}

/** A detected loss of Redis data. */
export interface DataLoss {
  /** ISO time this process noticed. */
  detectedAt: string;
  /** The epoch this process had seen; undefined never (a first start is no loss). */
  previous: RedisEpoch;
  /** The epoch found or created after the loss. */
  current: RedisEpoch;
  /** Operations this process knew as not finished, gone with the data. */
  lostOperations: { id: string; app: string }[];
  /** `serve`, `worker`, ... */
  role: string;
}

export interface EpochWatchOptions {
  redis: RedisClient;
  /** @defaultValue 'hookrunner' */
  prefix?: string;
  /** How often the epoch is read besides after each reconnect. @defaultValue 10_000 */
  intervalMs?: number;
  /** Running operations remembered (the oldest forgotten first). @defaultValue 10_000 */
  maxTracked?: number;
  /** Lost operations remembered for the 410 answer. @defaultValue 10_000 */
  maxLost?: number;
  /** Recorded in the loss record. @defaultValue 'serve' */
  role?: string;
  logger?: Logger;
  /** Called once per detected loss (metrics, events). */
  onLoss?: (loss: DataLoss) => void | Promise<void>;
  now?: () => number;
}

export interface EpochWatch {
  /** The epoch this process works with (after `start()`). */
  readonly current: RedisEpoch | undefined;
  /** Losses this process detected, oldest first (the last 20). */
  readonly losses: readonly DataLoss[];
  /** Remember an operation as running (or forget it once finished). */
  track(op: { id: string; app: string }, running: boolean): void;
  /** The loss an operation was lost in, if this process saw it running before a loss. */
  lostIn(operationId: string): DataLoss | undefined;
  /** Read the epoch now: the loss, when it is gone or changed. */
  check(): Promise<DataLoss | undefined>;
  /** Read (or create) the epoch, then watch: after each reconnect and every `intervalMs`. */
  start(): Promise<void>;
  stop(): void;
}

const RECORDS_KEPT = 100;

export function createEpochWatch(options: EpochWatchOptions): EpochWatch {
  const { redis, prefix = 'hookrunner', intervalMs = 10_000, maxTracked = 10_000, maxLost = 10_000, role = 'serve', logger = silentLogger, now = () => Date.now() } = options;
  const keys = redisKeys(prefix);
  let current: RedisEpoch | undefined;
  const losses: DataLoss[] = [];
  const tracked = new Map<string, string>();
  const lost = new Map<string, DataLoss>();
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<DataLoss | undefined> | undefined;
  const again = (): void => {
    watch.check().catch((err: unknown) => logger.warn('could not read the Redis epoch', { error: errorMessage(err) }));
  };

  /** The stored epoch, created when missing (SET NX: processes starting together agree on one). */
  async function readOrCreate(): Promise<{ epoch: RedisEpoch; created: boolean }> {
    const fresh: RedisEpoch = { id: randomUUID(), createdAt: new Date(now()).toISOString() };
    const set = await redis.set(keys.epoch, JSON.stringify(fresh), 'NX');
    if (set === 'OK') return { epoch: fresh, created: true };
    const raw = await redis.get(keys.epoch);
    if (raw === null) return readOrCreate();
    return { epoch: JSON.parse(raw) as RedisEpoch, created: false };
  }

  async function checkOnce(): Promise<DataLoss | undefined> {
    const { epoch } = await readOrCreate();
    const previous = current;
    current = epoch;
    if (!previous || previous.id === epoch.id) return undefined;
    const loss: DataLoss = { detectedAt: new Date(now()).toISOString(), previous, current: epoch, lostOperations: [...tracked].map(([id, app]) => ({ id, app })), role };
    tracked.clear();
    for (const { id } of loss.lostOperations) {
      lost.delete(id);
      lost.set(id, loss);
      if (lost.size > maxLost) lost.delete(lost.keys().next().value as string);
    }
    losses.push(loss);
    if (losses.length > 20) losses.shift();
    logger.error('Redis lost its data: the epoch key is gone or changed (a restart without persistence, a failover that lost writes, a flush); running operations are lost', {
      previousEpoch: previous.id,
      previousEpochCreatedAt: previous.createdAt,
      epoch: epoch.id,
      lostOperations: loss.lostOperations.map((o) => o.id),
    });
    await redis.rpush(keys.dataLosses, JSON.stringify(loss));
    await redis.ltrim(keys.dataLosses, -RECORDS_KEPT, -1);
    await options.onLoss?.(loss);
    return loss;
  }

  const watch: EpochWatch = {
    get current() {
      return current;
    },
    get losses() {
      return losses;
    },
    track(op, running) {
      if (!running) {
        tracked.delete(op.id);
        return;
      }
      tracked.set(op.id, op.app);
      if (tracked.size > maxTracked) tracked.delete(tracked.keys().next().value as string);
    },
    lostIn(operationId) {
      return lost.get(operationId);
    },
    check() {
      // One check at a time: a reconnect during the periodic read must not report the loss twice.
      checking ??= checkOnce().finally(() => {
        checking = undefined;
      });
      return checking;
    },
    async start() {
      await watch.check();
      redis.on('ready', again);
      timer = setInterval(again, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      redis.off('ready', again);
    },
  };
  return watch;
}
