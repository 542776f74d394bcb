export type {
  AttachmentField,
  ChatAttachment,
  ChatMessage,
  LogMessageRef,
  MattermostMessageRef,
  MessageRef,
  Notifier,
  NotifierKind,
  ChatLog,
  ChatLogEvent,
  PostOptions,
  SlackBlock,
  SlackMessageRef,
  UpdateOptions,
} from './types.js';
export {
  IdempotencyRecordError,
  ChatConfigError,
  ChatError,
  ChatGaveUpError,
  ChatPermanentError,
  ChatTransientError,
  isChatError,
} from './errors.js';
export { createNotifier } from './notifier.js';
export type { DeliveryOptions, Transport } from './notifier.js';
export { createMattermostNotifier } from './mattermost.js';
export type { MattermostNotifierOptions } from './mattermost.js';
export { createSlackNotifier, SLACK_API_URL } from './slack.js';
export type { SlackNotifierOptions } from './slack.js';
export { createLogNotifier } from './log.js';
export type { LogNotifierOptions } from './log.js';
export { createTokenBucket, sharedRateLimiter } from './rate-limiter.js';
export type { RateLimiter, TokenBucketOptions } from './rate-limiter.js';
export { DEFAULT_RATE } from './provider-options.js';
export { createMemoryIdempotencyStore } from './idempotency.js';
export type { ClaimResult, IdempotencyStore, MemoryIdempotencyStoreOptions } from './idempotency.js';
export { createRedisIdempotencyStore } from './redis-idempotency.js';
export type { RedisIdempotencyStoreOptions } from './redis-idempotency.js';
export { renderSyncMessage, shortenLog } from './templates.js';
export type { TemplateOptions } from './templates.js';
export { SYNC_CONTEXT_ENV, syncContextFromEnv } from './sync-context.js';
export type { FailedTask, SyncContext } from './sync-context.js';
export { REDACTED, redactSecrets } from './redact.js';
export { describeNetworkError, formatSeconds, parseRetryAfter } from './network-errors.js';
export type { NetworkFailure } from './network-errors.js';
export { notifierConfigFromEnv, secretsFromEnv } from './env-config.js';
export type { NotifierConfig } from './env-config.js';
