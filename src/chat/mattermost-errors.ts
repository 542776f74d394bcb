/**
 * Mattermost failures → {@link ChatPermanentError} / {@link ChatTransientError}
 * (REST API v4). Two sources: our own `fetch` for writes, where we see the HTTP status and headers,
 * and Client4 for reads, whose `ClientError` carries only the JSON body's `status_code` and `id`.
 */
import { AbortedError } from '../util/index.js';
import { ChatPermanentError, ChatTransientError } from './errors.js';
import type { ChatError } from './errors.js';
import { describeNetworkError, parseRetryAfter } from './network-errors.js';
import { redactSecrets } from './redact.js';

export interface MattermostErrorContext {
  destination: string;
  /** What we were doing, for the message: `post`, `look up the channel`, … */
  operation: string;
  timeoutMs: number;
  /** Removed from any text the server sent back. */
  secrets: readonly string[];
}

/** Mattermost's JSON error body (`model.AppError`). */
export interface MattermostErrorBody {
  id?: string;
  message?: string;
  status_code?: number;
}

/** Server error ids with a clearer meaning than their status. */
const KNOWN_IDS: Readonly<Record<string, string>> = {
  'api.context.permissions.app_error': 'the bot may not post in this channel (not a member, or missing the create_post permission)',
  'api.context.session_expired.app_error': 'invalid or expired token',
  'app.channel.get_by_name.missing.app_error': 'channel not found in this team',
  'app.team.get_by_name.missing.app_error': 'team not found',
  'store.sql_channel.get_by_name.missing.app_error': 'channel not found in this team',
  'app.post.get.app_error': 'post not found',
  'model.post.is_valid.msg.app_error': 'message too long',
  'api.post.create_post.town_square_read_only': 'the channel is read-only',
  'api.post.create_post.can_not_post_to_deleted.error': 'the channel is archived',
};

function describeStatus(status: number): string {
  if (status === 401) return 'invalid or expired token';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not found';
  if (status === 413) return 'message too large';
  if (status === 429) return 'rate limited';
  if (status >= 500) return 'server error';
  return 'request refused';
}

/** An HTTP error answer (status known) → a typed error; 429, 408 and 5xx are transient. */
export function classifyMattermostResponse(
  ctx: MattermostErrorContext,
  response: { status: number; headers?: Headers },
  body: MattermostErrorBody | undefined,
): ChatError {
  const { status } = response;
  const id = body?.id;
  const words = (id !== undefined ? KNOWN_IDS[id] : undefined) ?? describeStatus(status);
  const serverText = body?.message ? `: ${redactSecrets(body.message, ctx.secrets).slice(0, 300)}` : '';
  const code = id ?? (status === 429 ? 'rate_limited' : `http_${status}`);
  const message = `mattermost ${ctx.destination}: cannot ${ctx.operation}: ${words} (${status}${id ? ` ${id}` : ''})${words === body?.message ? '' : serverText}`;
  if (status === 429 || status === 408 || status >= 500) {
    const retryAfterMs =
      status === 429
        ? (parseRetryAfter(response.headers?.get('retry-after')) ?? parseRetryAfter(response.headers?.get('x-ratelimit-reset')))
        : parseRetryAfter(response.headers?.get('retry-after'));
    return new ChatTransientError(message, { kind: 'mattermost', destination: ctx.destination, code, status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  return new ChatPermanentError(message, { kind: 'mattermost', destination: ctx.destination, code, status });
}

/** A request that got no answer: timeout, refused, reset. Caller aborts become {@link AbortedError}. */
export function classifyMattermostFailure(ctx: MattermostErrorContext, err: unknown, callerSignal: AbortSignal | undefined): Error {
  if (callerSignal?.aborted) return new AbortedError(`mattermost ${ctx.destination}: ${ctx.operation} aborted`, { cause: err });
  const net = describeNetworkError(err, ctx.timeoutMs);
  const reason = net ? `${net.reason}${net.code !== 'timeout' && net.code !== 'network' ? ` (${net.code})` : ''}` : redactSecrets(err instanceof Error ? err.message : String(err), ctx.secrets);
  return new ChatTransientError(`mattermost ${ctx.destination}: cannot ${ctx.operation}: ${reason}`, {
    kind: 'mattermost',
    destination: ctx.destination,
    code: net?.code ?? 'unknown',
    cause: err,
  });
}

/** The shape of `@mattermost/client`'s `ClientError` that we read. */
export interface ClientErrorLike {
  message: string;
  server_error_id?: string;
  status_code?: number;
}

/**
 * A Client4 `ClientError`. Its `status_code` comes from the JSON body, not from HTTP: Mattermost's
 * rate limiter answers 429 with the plain-text body `limit exceeded`, which Client4 turns into a
 * `ClientError` with an empty message and no status (Client4 cannot read a non-JSON body). That case, and any
 * other bodiless error, is treated as transient with an unknown cause; it is retried with backoff.
 */
export function classifyClientError(ctx: MattermostErrorContext, err: ClientErrorLike): ChatError {
  if (err.status_code === undefined && err.server_error_id === undefined) {
    return new ChatTransientError(
      `mattermost ${ctx.destination}: cannot ${ctx.operation}: error without a JSON body (a 429 rate limit or a proxy error; Client4 hides the HTTP status)${err.message ? `: ${redactSecrets(err.message, ctx.secrets).slice(0, 300)}` : ''}`,
      { kind: 'mattermost', destination: ctx.destination, code: 'unknown_status' },
    );
  }
  return classifyMattermostResponse(ctx, { status: err.status_code ?? 400 }, {
    ...(err.server_error_id !== undefined ? { id: err.server_error_id } : {}),
    message: err.message,
  });
}
