import { randomUUID } from 'node:crypto';
import type { MessageRef } from './types.js';

/** The outcome of {@link IdempotencyStore.claim}. */
export type ClaimResult =
  /** The caller owns the key until it records, releases, or `ttlMs` passes; `token` proves ownership. */
  | { state: 'claimed'; token: string }
  /** A post under this key completed: here is its reference. */
  | { state: 'sent'; ref: MessageRef }
  /** Another sender holds the key and has not finished. */
  | { state: 'busy' };

/**
 * Remembers which notifications were posted, so that `post(message, { idempotencyKey })` posts
 * once per key.
 *
 * **Protocol** (what a notifier does): `claim` the key before sending; on success `record` the
 * message reference; on failure `release` the claim. A `sent` answer returns the recorded reference
 * without posting; a `busy` answer waits for the other sender (polling `claim`) until the claim
 * expires.
 *
 * **Guarantee.** With one store shared by all senders (the Redis store across processes, the memory
 * store within one process):
 * - No two senders post under the same key at the same time.
 * - A failed post (permanent error, retries exhausted) releases its claim: a later post with the
 *   key tries again.
 * - **A crash between the chat server accepting the message and `record`** (process killed, store
 *   unreachable) leaves the claim pending. Nobody posts under the key until the claim's TTL
 *   (`claimTtlMs`, default 2 minutes) runs out; then the next post with the key posts again. So each
 *   such crash can cause **at most one duplicate**, never a lost message (at-least-once delivery,
 *   the same window argocd-notifications has; docs/semantics.md §16.3).
 * - Likewise a request that times out after the server accepted it is retried and may show twice:
 *   Slack and Mattermost offer no way to ask "did my post arrive?" by key.
 */
export interface IdempotencyStore {
  /** The recorded reference of a completed post, if any. */
  get(key: string): Promise<MessageRef | undefined>;
  /** Atomically claim `key` for sending for `ttlMs`, unless it is already claimed or sent. */
  claim(key: string, options: { ttlMs: number }): Promise<ClaimResult>;
  /** Record the posted message under a key claimed with `token`. */
  record(key: string, ref: MessageRef, token: string): Promise<void>;
  /** Drop the claim made with `token` (a no-op if it expired or was taken over). */
  release(key: string, token: string): Promise<void>;
}

export interface MemoryIdempotencyStoreOptions {
  /** How long a recorded post is remembered, in ms. @defaultValue 7 days */
  recordTtlMs?: number;
  /** Most keys kept; the oldest are forgotten first. @defaultValue 10_000 */
  maxEntries?: number;
  /** Clock in ms. @defaultValue `Date.now` */
  now?: () => number;
}

type Entry = { state: 'pending'; token: string; expiresAt: number } | { state: 'sent'; ref: MessageRef; expiresAt: number };

/** An {@link IdempotencyStore} in this process's memory: dedupes within one process only. */
export function createMemoryIdempotencyStore(options: MemoryIdempotencyStoreOptions = {}): IdempotencyStore {
  const { recordTtlMs = 7 * 24 * 3_600_000, maxEntries = 10_000, now = Date.now } = options;
  const entries = new Map<string, Entry>();

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const put = (key: string, entry: Entry): void => {
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
  };

  return {
    get(key) {
      const entry = live(key);
      return Promise.resolve(entry?.state === 'sent' ? structuredClone(entry.ref) : undefined);
    },
    claim(key, { ttlMs }) {
      const entry = live(key);
      if (entry?.state === 'sent') return Promise.resolve({ state: 'sent', ref: structuredClone(entry.ref) });
      if (entry?.state === 'pending') return Promise.resolve({ state: 'busy' });
      const token = randomUUID();
      put(key, { state: 'pending', token, expiresAt: now() + ttlMs });
      return Promise.resolve({ state: 'claimed', token });
    },
    record(key, ref, _token) {
      put(key, { state: 'sent', ref: structuredClone(ref), expiresAt: now() + recordTtlMs });
      return Promise.resolve();
    },
    release(key, token) {
      const entry = live(key);
      if (entry?.state === 'pending' && entry.token === token) entries.delete(key);
      return Promise.resolve();
    },
  };
}
