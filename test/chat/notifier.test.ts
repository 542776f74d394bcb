import { describe, expect, it } from 'vitest';
import {
  ChatConfigError,
  ChatGaveUpError,
  ChatPermanentError,
  ChatTransientError,
  createMemoryIdempotencyStore,
  createNotifier,
  createTokenBucket,
} from '../../src/chat/index.js';
import type { ChatMessage, IdempotencyStore, MessageRef, ChatLogEvent, RateLimiter, Transport } from '../../src/chat/index.js';
import { AbortedError } from '../../src/util/index.js';

/** A transport whose attempts follow a script: an error to throw, or `ok`. */
function scripted(script: (Error | 'ok')[]): Transport & { sent: ChatMessage[]; attempts: number } {
  let n = 0;
  const sent: ChatMessage[] = [];
  const next = (): void => {
    const step = script[Math.min(n, script.length - 1)] ?? 'ok';
    n += 1;
    if (step !== 'ok') throw step;
  };
  return {
    kind: 'log',
    destination: 'test',
    sent,
    get attempts() {
      return n;
    },
    send(message) {
      next();
      sent.push(message);
      return Promise.resolve({ kind: 'log', id: String(sent.length) });
    },
    edit(ref) {
      next();
      return Promise.resolve(ref);
    },
    check() {
      next();
      return Promise.resolve();
    },
  };
}

const transient = (code = 'http_503', retryAfterMs?: number): ChatTransientError =>
  new ChatTransientError(`log test: ${code}`, { kind: 'log', destination: 'test', code, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
const permanent = (): ChatPermanentError => new ChatPermanentError('log test: invalid_auth', { kind: 'log', destination: 'test', code: 'invalid_auth' });
const fast = { backoff: { initialMs: 1, maxMs: 5 } };

describe('createNotifier: bounded retries, time budget, rate limit, idempotency', () => {
  it('should retry transient failures and stop at the first success', async () => {
    const t = scripted([transient(), transient(), 'ok']);
    await expect(createNotifier(t, { ...fast, attempts: 5 }).post({ text: 'hi' })).resolves.toEqual({ kind: 'log', id: '1' });
    expect(t.attempts).toBe(3);
  });

  it('should not retry a permanent failure', async () => {
    const t = scripted([permanent(), 'ok']);
    await expect(createNotifier(t, fast).post({ text: 'hi' })).rejects.toBeInstanceOf(ChatPermanentError);
    expect(t.attempts).toBe(1);
  });

  it('should give up after the attempts with the last failure as cause', async () => {
    const last = transient('ECONNREFUSED');
    const t = scripted([transient(), transient(), last]);
    const err = await createNotifier(t, { ...fast, attempts: 3 }).post({ text: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChatGaveUpError);
    expect(err).toMatchObject({ attempts: 3, code: 'ECONNREFUSED', permanent: false, cause: last });
    expect((err as Error).message).toMatch(/^gave up after 3 attempts in \d+ms: log test: ECONNREFUSED$/);
  });

  it('should give up without waiting when the next wait passes maxElapsedMs', async () => {
    const t = scripted([transient('rate_limited', 120_000), 'ok']);
    const err = await createNotifier(t, { ...fast, maxElapsedMs: 5000 }).post({ text: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChatGaveUpError);
    expect((err as Error).message).toContain('waiting 2m more would pass the 5s limit');
    expect(t.attempts).toBe(1);
  });

  it('should pause the shared limiter for Retry-After, so other posts to the destination wait too', async () => {
    const limiter = createTokenBucket({ ratePerSec: 1000, burst: 10 });
    const paused: number[] = [];
    const spy: RateLimiter = { acquire: (signal) => limiter.acquire(signal), pauseFor: (ms) => (paused.push(ms), limiter.pauseFor(ms)), stats: limiter.stats };
    const t = scripted([transient('rate_limited', 30), 'ok']);
    await createNotifier(t, { ...fast, rateLimiter: spy }).post({ text: 'hi' });
    expect(paused).toEqual([30]);
    expect(limiter.stats.acquired).toBe(2);
  });

  it('should not wait for the rate limit beyond the time budget', async () => {
    const limiter = createTokenBucket({ ratePerSec: 1000, burst: 1 });
    limiter.pauseFor(60_000);
    const t = scripted(['ok']);
    const err = await createNotifier(t, { ...fast, rateLimiter: limiter, maxElapsedMs: 50 }).post({ text: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChatGaveUpError);
    expect(err).toMatchObject({ code: 'rate_limit_queue' });
    expect((err as Error).message).toMatch(/waited \d+ms for a turn under the rate limit without getting one$/);
    expect(t.attempts).toBe(0);
  });

  it('should stop waiting when the caller aborts', async () => {
    const t = scripted([transient('rate_limited', 10_000), 'ok']);
    const controller = new AbortController();
    const pending = createNotifier(t, fast).post({ text: 'hi' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    expect(t.attempts).toBe(1);
  });

  it('should reject an empty message and bad options naming the field', async () => {
    await expect(createNotifier(scripted(['ok'])).post({ text: '  ' })).rejects.toThrow(new ChatConfigError('message.text', 'must be a non-empty string'));
    expect(() => createNotifier(scripted(['ok']), { attempts: 0 })).toThrow('attempts: must be a positive integer, got 0');
  });

  it('should retry check() and update() as well', async () => {
    const t = scripted([transient(), 'ok']);
    const n = createNotifier(t, fast);
    await n.check();
    await expect(n.update({ kind: 'log', id: '7' }, { text: 'x' })).resolves.toEqual({ kind: 'log', id: '7' });
    expect(t.attempts).toBe(3);
  });

  describe('idempotency (claim → send → record; release on failure)', () => {
    it('should namespace keys by provider and destination', async () => {
      const store = createMemoryIdempotencyStore();
      const a = scripted(['ok']);
      const b = { ...scripted(['ok']), destination: 'other' };
      await createNotifier(a, { idempotency: store }).post({ text: 'x' }, { idempotencyKey: 'k' });
      await createNotifier(b, { idempotency: store }).post({ text: 'x' }, { idempotencyKey: 'k' });
      expect(await store.get('log:test:k')).toEqual({ kind: 'log', id: '1' });
      expect(await store.get('log:other:k')).toBeDefined();
    });

    it('should still return the reference when recording fails after the post (and say a retry may duplicate)', async () => {
      const inner = createMemoryIdempotencyStore();
      const broken: IdempotencyStore = { ...inner, record: () => Promise.reject(new Error('store down')) };
      const warnings: string[] = [];
      const ref = await createNotifier(scripted(['ok']), { idempotency: broken, log: (e) => warnings.push(e.msg) }).post({ text: 'x' }, { idempotencyKey: 'k' });
      expect(ref).toEqual({ kind: 'log', id: '1' });
      expect(warnings.join('\n')).toContain('posted, but could not record idempotency key k');
    });

    it('should still post, once, with a warning when the store cannot claim the key (C2: the notification was lost)', async () => {
      const inner = createMemoryIdempotencyStore();
      const broken: IdempotencyStore = { ...inner, claim: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) };
      const events: ChatLogEvent[] = [];
      const t = scripted(['ok']);
      const ref = await createNotifier(t, { idempotency: broken, log: (e) => events.push(e) }).post({ text: 'x' }, { idempotencyKey: 'k' });
      expect(ref).toEqual({ kind: 'log', id: '1' });
      expect(t.sent).toEqual([{ text: 'x' }]);
      expect(events).toEqual([expect.objectContaining({ level: 'warn', code: 'idempotency_unavailable', msg: 'could not claim idempotency key k, posting without deduplication: connect ECONNREFUSED 127.0.0.1:6379' })]);
    });

    it('should wait for another sender holding the key and return its reference', async () => {
      const store = createMemoryIdempotencyStore();
      const claim = await store.claim('log:test:k', { ttlMs: 60_000 });
      if (claim.state !== 'claimed') throw new Error('expected a claim');
      const t = scripted(['ok']);
      const pending = createNotifier(t, { idempotency: store, claimPollMs: 5 }).post({ text: 'x' }, { idempotencyKey: 'k' });
      const theirs: MessageRef = { kind: 'log', id: 'theirs' };
      setTimeout(() => void store.record('log:test:k', theirs, claim.token), 20);
      await expect(pending).resolves.toEqual(theirs);
      expect(t.sent).toEqual([]);
    });

    it('should take over a claim whose holder vanished once the claim expires (the crash window: at most one duplicate)', async () => {
      const store = createMemoryIdempotencyStore();
      await store.claim('log:test:k', { ttlMs: 30 }); // a sender that crashed after claiming
      const t = scripted(['ok']);
      const ref = await createNotifier(t, { idempotency: store, claimTtlMs: 1000, claimPollMs: 10 }).post({ text: 'x' }, { idempotencyKey: 'k' });
      expect(ref).toEqual({ kind: 'log', id: '1' });
      expect(t.sent).toHaveLength(1);
    });
  });
});
