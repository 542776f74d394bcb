/**
 * A lease in Redis: leader election among the `serve` replicas of one installation, so that work
 * every replica could do but only one should (automation: auto-sync, self-heal, git polling) runs
 * in one. The holder sets `key` to its id with a TTL (`SET NX PX`) and renews it every
 * `renewEveryMs`; it gives the lease up when a renewal finds another id, and, when Redis does not
 * answer, before the TTL could have run out (so two holders never act at once on one Redis clock).
 * Another replica takes the lease over within `ttlMs` of the holder's death.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../queue/index.js';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';

export interface LeaseOptions {
  redis: RedisClient;
  /** The lease's key (`redisKeys(prefix).automationLease`). */
  key: string;
  /** How long the lease lasts without a renewal. @defaultValue 15_000 */
  ttlMs?: number;
  /** Renew (or try to take) the lease this often. @defaultValue ttlMs / 3 */
  renewEveryMs?: number;
  /** This replica's id, stored in the key. @defaultValue `<hostname>-<pid>-<random>` */
  holder?: string;
  /** Each Redis call's deadline. @defaultValue renewEveryMs */
  commandTimeoutMs?: number;
  logger?: Logger;
  /** @defaultValue Date.now */
  now?: () => number;
}

export interface Lease {
  readonly holder: string;
  /** True while this replica holds the lease. */
  readonly held: boolean;
  /** Start taking and renewing the lease; `onChange` hears every gain and loss. */
  start(onChange: (held: boolean) => void): void;
  /** Stop, and give the lease up if held (another replica takes it at once). */
  close(): Promise<void>;
}

// KEYS: lease. ARGV: holder, ttl ms.
const RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
// KEYS: lease. ARGV: holder.
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

async function withDeadline<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer from Redis within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export function createLease(options: LeaseOptions): Lease {
  const { redis, key, ttlMs = 15_000, logger = silentLogger, now = Date.now } = options;
  const renewEveryMs = options.renewEveryMs ?? Math.max(100, Math.floor(ttlMs / 3));
  const commandTimeoutMs = options.commandTimeoutMs ?? renewEveryMs;
  const holder = options.holder ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  if (!(ttlMs >= 1_000 && renewEveryMs < ttlMs / 2)) throw new RangeError(`lease ${key}: ttlMs must be at least 1000 and renewEveryMs below half of it (got ${ttlMs}, ${renewEveryMs})`);
  let held = false;
  /** When the last successful take or renewal was sent: the lease runs out at ttlMs after it, at the latest. */
  let since = 0;
  let timer: NodeJS.Timeout | undefined;
  let tick: Promise<void> | undefined;
  let closed = false;
  let onChange: (held: boolean) => void = () => undefined;

  const change = (next: boolean, why: string): void => {
    if (held === next) return;
    held = next;
    if (next) logger.info(`took the lease ${key}`, { holder, ttlMs });
    else logger.warn(`gave up the lease ${key}: ${why}`, { holder });
    onChange(next);
  };

  async function once(): Promise<void> {
    const sent = now();
    try {
      if (held) {
        const renewed = Number(await withDeadline(`renewing lease ${key}`, commandTimeoutMs, redis.eval(RENEW, 1, key, holder, String(ttlMs))));
        if (renewed === 1) since = sent;
        else change(false, 'another replica holds it (this one missed renewals)');
      } else {
        const taken = await withDeadline(`taking lease ${key}`, commandTimeoutMs, redis.set(key, holder, 'PX', ttlMs, 'NX'));
        if (taken === 'OK') {
          since = sent;
          change(true, '');
        }
      }
    } catch (err) {
      // Unknown whether the renewal landed: stop before the lease could have run out and been taken by another replica.
      if (held && now() - since >= ttlMs - renewEveryMs) change(false, `Redis did not confirm a renewal for ${now() - since} ms: ${errorMessage(err)}`);
      else logger.debug(`lease ${key}: ${errorMessage(err)}`, { holder });
    }
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => {
      tick = once().finally(schedule);
    }, renewEveryMs);
    timer.unref();
  }

  return {
    holder,
    get held() {
      return held;
    },
    start(listener) {
      onChange = listener;
      tick = once().finally(schedule);
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await tick;
      if (held) {
        await withDeadline(`releasing lease ${key}`, commandTimeoutMs, redis.eval(RELEASE, 1, key, holder)).catch((err: unknown) => logger.warn(`lease ${key} not released (it runs out by itself): ${errorMessage(err)}`, { holder }));
        change(false, 'this replica stops');
      }
    },
  };
}

export interface LockOptions {
  redis: RedisClient;
  key: string;
  /** How long the lock outlives a holder that died; renewed every third of it while `work` runs. @defaultValue 10_000 */
  ttlMs?: number;
}

/**
 * Run `work` holding a short lock (SET NX PX, renewed while it runs, released by its holder only),
 * so a process killed mid-work blocks the others for at most `ttlMs`, not for as long as the work
 * might take. `{ held: false }` when another holder has it.
 */
export async function withLock<T>(options: LockOptions, work: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }> {
  const { redis, key, ttlMs = 10_000 } = options;
  const holder = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  if ((await redis.set(key, holder, 'PX', ttlMs, 'NX')) !== 'OK') return { held: false };
  const timer = setInterval(() => void redis.eval(RENEW, 1, key, holder, String(ttlMs)).catch(() => undefined), Math.max(100, Math.floor(ttlMs / 3)));
  timer.unref();
  try {
    return { held: true, value: await work() };
  } finally {
    clearInterval(timer);
    await redis.eval(RELEASE, 1, key, holder).catch(() => undefined);
  }
}
