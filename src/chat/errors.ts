import { formatMs } from '../util/index.js';
import type { NotifierKind } from './types.js';

interface ChatErrorOptions {
  kind: NotifierKind;
  destination: string;
  /** The provider's error code (`channel_not_found`, `api.context.permissions.app_error`, `http_503`, `ECONNREFUSED`, …). */
  code: string;
  /** HTTP status, when there was a response. */
  status?: number;
  cause?: unknown;
}

/**
 * A notification failed. `permanent` says whether trying again can help: a bad token, an unknown
 * channel or a bot that may not post stay broken until someone changes the configuration.
 * Messages name the destination and the reason and never contain a token.
 */
export abstract class ChatError extends Error {
  abstract readonly permanent: boolean;
  readonly kind: NotifierKind;
  readonly destination: string;
  readonly code: string;
  readonly status: number | undefined;

  constructor(message: string, options: ChatErrorOptions) {
    super(message, { cause: options.cause });
    this.kind = options.kind;
    this.destination = options.destination;
    this.code = options.code;
    this.status = options.status;
  }
}

/** Configuration is wrong (auth, scope, unknown team or channel, bot not in channel, archived channel, message too long): not retried. */
export class ChatPermanentError extends ChatError {
  override readonly name = 'ChatPermanentError';
  readonly permanent = true;
}

/** One attempt failed in a way a later attempt may not (429, 5xx, network error, timeout). */
export class ChatTransientError extends ChatError {
  override readonly name = 'ChatTransientError';
  readonly permanent = false;
  /** How long the server asked us to wait (`Retry-After`, `X-RateLimit-Reset`), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: ChatErrorOptions & { retryAfterMs?: number }) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Every attempt failed transiently, or the time budget ran out; `cause` is the last failure. */
export class ChatGaveUpError extends ChatError {
  override readonly name = 'ChatGaveUpError';
  readonly permanent = false;
  readonly attempts: number;
  readonly elapsedMs: number;

  constructor(last: ChatTransientError, options: { attempts: number; elapsedMs: number; reason?: string }) {
    super(
      `gave up after ${options.attempts} attempt${options.attempts === 1 ? '' : 's'} in ${formatMs(options.elapsedMs)}` +
        `${options.reason ? ` (${options.reason})` : ''}: ${last.message}`,
      { kind: last.kind, destination: last.destination, code: last.code, status: last.status, cause: last },
    );
    this.attempts = options.attempts;
    this.elapsedMs = options.elapsedMs;
  }
}

/** A notifier was given invalid options (a missing channel, a URL that does not parse, a negative rate). */
export class ChatConfigError extends Error {
  override readonly name = 'ChatConfigError';
  /** The option or environment variable at fault. */
  readonly field: string;

  constructor(field: string, problem: string, options?: { cause?: unknown }) {
    super(`${field}: ${problem}`, options);
    this.field = field;
  }
}

export function isChatError(err: unknown): err is ChatError {
  return err instanceof ChatError;
}

/** An idempotency record that cannot be read back (not JSON, not a message reference). */
export class IdempotencyRecordError extends Error {
  override readonly name = 'IdempotencyRecordError';
  readonly key: string;

  constructor(key: string, problem: string, options?: { cause?: unknown }) {
    super(`idempotency record ${key} ${problem}`, options);
    this.key = key;
  }
}
