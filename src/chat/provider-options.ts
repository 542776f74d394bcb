/** Option checks shared by the providers: every bad value is a {@link ChatConfigError} naming its field. */
import { ChatConfigError } from './errors.js';
import type { TokenBucketOptions } from './rate-limiter.js';
import type { MessageRef, NotifierKind } from './types.js';

/**
 * Default per-channel limits. Slack: about one message per second per channel with short bursts
 * (api.slack.com rate limits, "Special" tier). Mattermost: its own limiter, when enabled, allows 10
 * requests/s (Slack's documented tier limits; Mattermost's default rate limit).
 */
export const DEFAULT_RATE: Readonly<Record<'slack' | 'mattermost', TokenBucketOptions>> = {
  slack: { ratePerSec: 1, burst: 3 },
  mattermost: { ratePerSec: 10, burst: 10 },
};

/** A non-empty, trimmed string. */
export function requireText(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ChatConfigError(field, 'is required');
  return value.trim();
}

/** An http(s) URL without a trailing slash, query or fragment. */
export function parseBaseUrl(field: string, value: unknown): string {
  const text = requireText(field, value);
  // Whatever stands before an "@" may be a password: such a value is never echoed.
  const shown = text.includes('@') ? '' : `, got "${text}"`;
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw new ChatConfigError(field, `not a URL${shown}`, { cause: err });
  }
  if (url.username || url.password) throw new ChatConfigError(field, 'must not contain credentials');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ChatConfigError(field, `must be an http:// or https:// URL${shown}`);
  if (url.search || url.hash) throw new ChatConfigError(field, `must not have a query or fragment${shown}`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** A message reference of the provider's own kind. */
export function ensureRef<K extends NotifierKind>(field: string, ref: MessageRef, kind: K): Extract<MessageRef, { kind: K }> {
  if (typeof ref !== 'object' || ref === null || ref.kind !== kind) {
    throw new ChatConfigError(field, `is a ${typeof ref === 'object' && ref !== null ? String(ref.kind) : typeof ref} message reference; this notifier posts to ${kind}`);
  }
  return ref as Extract<MessageRef, { kind: K }>;
}
