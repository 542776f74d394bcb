import { createHash, randomUUID } from 'node:crypto';
import { AbortedError, backoffDelay, formatMs, retry, sleep } from '../util/index.js';
import type { BackoffOptions } from '../util/index.js';
import { ChatConfigError, ChatGaveUpError, ChatTransientError } from './errors.js';
import type { IdempotencyStore } from './idempotency.js';
import type { RateLimiter } from './rate-limiter.js';
import type { ChatMessage, MessageRef, Notifier, NotifierKind, ChatLog, PostOptions, UpdateOptions } from './types.js';

/**
 * One provider's wire calls, one attempt each. Implementations throw only `ChatPermanentError`,
 * `ChatTransientError` or `AbortedError`, and bound every request with a timeout.
 */
export interface Transport {
  readonly kind: NotifierKind;
  readonly destination: string;
  /**
   * Post one message. `requestId` is the same on every attempt of one `post()` call (derived from
   * the idempotency key when there is one): a server that deduplicates by it (Mattermost's
   * `pending_post_id`) keeps a post retried after a timeout from showing twice.
   */
  send(message: ChatMessage, threadOf: MessageRef | undefined, signal: AbortSignal | undefined, requestId: string): Promise<MessageRef>;
  edit(ref: MessageRef, message: ChatMessage, signal: AbortSignal | undefined): Promise<MessageRef>;
  check(signal: AbortSignal | undefined): Promise<void>;
}

/** Retries, rate limiting and idempotency, the same for every provider. */
export interface DeliveryOptions {
  /** Attempts per call, the first included. @defaultValue 5 */
  attempts?: number;
  /** Backoff between attempts when the server gave no `Retry-After`. @defaultValue `{ initialMs: 500, factor: 2, maxMs: 10_000, jitter: 0.5 }` */
  backoff?: BackoffOptions;
  /**
   * Longest one call may take with all its attempts and waits, in ms. A retry whose wait (backoff
   * or `Retry-After`) would end past it is not made: the call gives up at once. @defaultValue 60_000
   */
  maxElapsedMs?: number;
  /** Spaces posts and updates to the destination. @defaultValue none */
  rateLimiter?: RateLimiter;
  /** Where idempotency keys are claimed and recorded. @defaultValue none: keys are ignored */
  idempotency?: IdempotencyStore;
  /** How long a claim holds before another sender may take the key over, in ms. @defaultValue 120_000 */
  claimTtlMs?: number;
  /** How often a sender waiting on another's claim looks again, in ms. @defaultValue 250 */
  claimPollMs?: number;
  /** Diagnostics (retries, waits). @defaultValue none */
  log?: ChatLog;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, factor: 2, maxMs: 10_000, jitter: 0.5 };

/** Build a {@link Notifier} from a provider's transport. */
export function createNotifier(transport: Transport, options: DeliveryOptions = {}): Notifier {
  const {
    attempts = 5,
    backoff = DEFAULT_BACKOFF,
    maxElapsedMs = 60_000,
    rateLimiter,
    idempotency,
    claimTtlMs = 120_000,
    claimPollMs = 250,
    log,
  } = options;
  if (!Number.isInteger(attempts) || attempts < 1) throw new ChatConfigError('attempts', `must be a positive integer, got ${attempts}`);
  if (!(maxElapsedMs > 0)) throw new ChatConfigError('maxElapsedMs', `must be positive, got ${maxElapsedMs}`);
  const { kind, destination } = transport;
  const emit: ChatLog = (event) => log?.(event);

  async function withRetries<T>(op: string, call: () => Promise<T>, limited: boolean, signal: AbortSignal | undefined): Promise<T> {
    const started = performance.now();
    let made = 0;
    let reason: string | undefined;
    try {
      return await retry(
        async () => {
          made += 1;
          if (limited && rateLimiter) await takeTurn(rateLimiter, op, started, signal);
          try {
            return await call();
          } catch (err) {
            // The server said when to come back: every sender to this destination waits, also after the last attempt.
            if (err instanceof ChatTransientError && err.retryAfterMs !== undefined) rateLimiter?.pauseFor(err.retryAfterMs);
            throw err;
          }
        },
        {
          attempts,
          signal,
          retryable: (err, attempt) => {
            if (!(err instanceof ChatTransientError)) return false;
            const delay = err.retryAfterMs ?? backoffDelay(attempt, backoff);
            const elapsed = performance.now() - started;
            if (elapsed + delay > maxElapsedMs) {
              reason = `waiting ${formatMs(delay)} more would pass the ${formatMs(maxElapsedMs)} limit`;
              return false;
            }
            return delay;
          },
          onRetry: (err, attempt, delay) => {
            const code = err instanceof ChatTransientError ? err.code : undefined;
            const message = err instanceof Error ? err.message : String(err);
            emit({ level: 'warn', msg: `${op}: attempt ${attempt + 1}/${attempts} failed, retrying in ${formatMs(delay)}: ${message}`, kind, destination, attempt: attempt + 1, delayMs: delay, ...(code ? { code } : {}) });
          },
        },
      );
    } catch (err) {
      if (err instanceof ChatTransientError) throw new ChatGaveUpError(err, { attempts: made, elapsedMs: performance.now() - started, ...(reason ? { reason } : {}) });
      throw err;
    }
  }

  /** Wait for the destination's rate limit, but not past the call's time budget. */
  async function takeTurn(limiter: RateLimiter, op: string, started: number, signal: AbortSignal | undefined): Promise<void> {
    const budget = AbortSignal.timeout(Math.max(1, Math.ceil(maxElapsedMs - (performance.now() - started))));
    const waitStarted = performance.now();
    try {
      const waited = await limiter.acquire(signal ? AbortSignal.any([signal, budget]) : budget);
      if (waited >= 1) emit({ level: 'debug', msg: `${op}: waited ${formatMs(waited)} for the rate limit`, kind, destination, delayMs: waited });
    } catch (err) {
      if (!(err instanceof AbortedError) || signal?.aborted) throw err;
      throw new ChatTransientError(`${kind} ${destination}: waited ${formatMs(performance.now() - waitStarted)} for a turn under the rate limit without getting one`, {
        kind,
        destination,
        code: 'rate_limit_queue',
        cause: err,
      });
    }
  }

  async function idempotentPost(store: IdempotencyStore, key: string, send: () => Promise<MessageRef>, signal: AbortSignal | undefined): Promise<MessageRef> {
    const storeKey = `${kind}:${destination}:${key}`;
    const started = performance.now();
    for (;;) {
      let claim: Awaited<ReturnType<IdempotencyStore['claim']>>;
      try {
        claim = await store.claim(storeKey, { ttlMs: claimTtlMs });
      } catch (err) {
        // A store that cannot answer must not lose the notification: a duplicate is better (at-least-once).
        emit({ level: 'warn', msg: `could not claim idempotency key ${key}, posting without deduplication: ${err instanceof Error ? err.message : String(err)}`, kind, destination, code: 'idempotency_unavailable' });
        return send();
      }
      if (claim.state === 'sent') {
        emit({ level: 'info', msg: `already posted under idempotency key ${key}; not posting again`, kind, destination, code: 'already_posted' });
        return claim.ref;
      }
      if (claim.state === 'claimed') {
        let ref: MessageRef;
        try {
          ref = await send();
        } catch (err) {
          await store.release(storeKey, claim.token).catch(() => undefined);
          throw err;
        }
        try {
          await store.record(storeKey, ref, claim.token);
        } catch (err) {
          emit({ level: 'warn', msg: `posted, but could not record idempotency key ${key} (a retry after ${formatMs(claimTtlMs)} may post again): ${err instanceof Error ? err.message : String(err)}`, kind, destination });
        }
        return ref;
      }
      const elapsed = performance.now() - started;
      if (elapsed > claimTtlMs + claimPollMs) {
        const last = new ChatTransientError(`another sender has held idempotency key ${key} for ${formatMs(elapsed)} without finishing`, { kind, destination, code: 'idempotency_key_busy' });
        throw new ChatGaveUpError(last, { attempts: 0, elapsedMs: elapsed });
      }
      await sleep(claimPollMs, signal);
    }
  }

  return {
    kind,
    destination,
    async post(message, opts: PostOptions = {}) {
      checkMessage(message);
      const { idempotencyKey, threadOf, signal } = opts;
      const requestId = idempotencyKey ? `hookrunner-${createHash('sha256').update(`${kind}:${destination}:${idempotencyKey}`).digest('hex').slice(0, 32)}` : `hookrunner-${randomUUID()}`;
      const send = (): Promise<MessageRef> => withRetries('post', () => transport.send(message, threadOf, signal, requestId), true, signal);
      if (idempotencyKey === undefined || !idempotency) return send();
      if (idempotencyKey === '') throw new ChatConfigError('idempotencyKey', 'must not be empty');
      return idempotentPost(idempotency, idempotencyKey, send, signal);
    },
    async update(ref, message, opts: UpdateOptions = {}) {
      checkMessage(message);
      return withRetries('update', () => transport.edit(ref, message, opts.signal), true, opts.signal);
    },
    async check(opts: UpdateOptions = {}) {
      return withRetries('check', () => transport.check(opts.signal), false, opts.signal);
    },
  };
}

function checkMessage(message: ChatMessage): void {
  if (typeof message.text !== 'string' || message.text.trim() === '') throw new ChatConfigError('message.text', 'must be a non-empty string');
}
