/**
 * `@slack/web-api` v8 failures → {@link ChatPermanentError} / {@link ChatTransientError}
 * (Slack Web API errors as `@slack/web-api` v8 raises them). The client is built with `rejectRateLimitedCalls: true` and `retries: 0`, so every
 * failure reaches us after one request and we own the retries.
 */
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { AbortedError } from '../util/index.js';
import { ChatPermanentError, ChatTransientError } from './errors.js';
import { describeNetworkError, parseRetryAfter } from './network-errors.js';
import { redactSecrets } from './redact.js';

export interface SlackErrorContext {
  destination: string;
  /** What we were doing, for the message: `post`, `update the message`, `check the token`. */
  operation: string;
  timeoutMs: number;
  secrets: readonly string[];
}

/** Platform errors worth another attempt. Any other `{ ok: false, error }` is a configuration or content problem. */
const TRANSIENT_PLATFORM_ERRORS = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

const PLATFORM_REASONS: Readonly<Record<string, string>> = {
  invalid_auth: 'invalid token',
  not_authed: 'no token was sent',
  token_revoked: 'the token has been revoked',
  token_expired: 'the token has expired',
  account_inactive: "the token's user or bot is deactivated",
  missing_scope: 'the token lacks a required scope',
  no_permission: 'the token may not do this',
  channel_not_found: 'channel not found (or the bot cannot see it)',
  not_in_channel: 'the bot is not in the channel; invite it (/invite @bot)',
  is_archived: 'the channel is archived',
  msg_too_long: 'message too long',
  no_text: 'message has no text',
  invalid_blocks: 'invalid blocks',
  invalid_attachments: 'invalid attachments',
  cant_update_message: 'this message cannot be updated by this token',
  edit_window_closed: 'the message can no longer be edited',
  message_not_found: 'message not found',
  restricted_action: 'posting is restricted in this channel',
  ratelimited: 'rate limited',
  rate_limited: 'rate limited',
  internal_error: 'Slack internal error',
  fatal_error: 'Slack fatal error',
  service_unavailable: 'Slack unavailable',
  request_timeout: 'Slack request timeout',
};

/** Read a Slack client failure into a typed error; a caller's abort becomes {@link AbortedError}. */
export function classifySlackError(ctx: SlackErrorContext, err: unknown, callerSignal?: AbortSignal): Error {
  const { destination } = ctx;
  const prefix = `slack ${destination}: cannot ${ctx.operation}`;
  if (callerSignal?.aborted) return new AbortedError(`${prefix}: aborted`, { cause: err });
  if (err instanceof WebAPIPlatformError) {
    const code = typeof err.data.error === 'string' ? err.data.error : 'unknown_error';
    const data: Record<string, unknown> = { ...err.data };
    const needed = typeof data['needed'] === 'string' ? ` (needs ${data['needed']})` : '';
    const message = `${prefix}: ${PLATFORM_REASONS[code] ?? 'refused'}${needed} (${code})`;
    return TRANSIENT_PLATFORM_ERRORS.has(code)
      ? new ChatTransientError(message, { kind: 'slack', destination, code })
      : new ChatPermanentError(message, { kind: 'slack', destination, code });
  }
  if (err instanceof WebAPIRateLimitedError) {
    return new ChatTransientError(`${prefix}: rate limited (429, Retry-After ${err.retryAfter}s)`, {
      kind: 'slack',
      destination,
      code: 'rate_limited',
      status: 429,
      retryAfterMs: err.retryAfter * 1000,
    });
  }
  if (err instanceof WebAPIHTTPError) {
    const status = err.statusCode;
    const code = `http_${status}`;
    const body = typeof err.body === 'string' && err.body.trim() !== '' ? `: ${redactSecrets(err.body.trim(), ctx.secrets).slice(0, 200)}` : '';
    if (status >= 500 || status === 408 || status === 429) {
      const retryAfterMs = parseRetryAfter(err.headers['retry-after']);
      return new ChatTransientError(`${prefix}: server error (${status})${body}`, { kind: 'slack', destination, code, status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    }
    return new ChatPermanentError(`${prefix}: HTTP ${status} (is the API URL right?)${body}`, { kind: 'slack', destination, code, status });
  }
  if (err instanceof WebAPIRequestError) {
    const net = describeNetworkError(err.original, ctx.timeoutMs) ?? describeNetworkError(err, ctx.timeoutMs);
    const reason = net ? `${net.reason}${net.code !== 'timeout' && net.code !== 'network' ? ` (${net.code})` : ''}` : redactSecrets(err.original.message, ctx.secrets);
    return new ChatTransientError(`${prefix}: ${reason}`, { kind: 'slack', destination, code: net?.code ?? 'request_error', cause: err });
  }
  const text = err instanceof Error ? err.message : String(err);
  if (text.startsWith('Retry header did not contain a valid timeout')) {
    // A 429 without a usable Retry-After: the SDK refuses to retry it; we retry with backoff.
    return new ChatTransientError(`${prefix}: rate limited (429 without a usable Retry-After)`, { kind: 'slack', destination, code: 'rate_limited', status: 429 });
  }
  return new ChatTransientError(`${prefix}: ${redactSecrets(text, ctx.secrets).slice(0, 300)}`, { kind: 'slack', destination, code: 'unknown', cause: err });
}
