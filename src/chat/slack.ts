/**
 * Slack provider on `@slack/web-api` v8 `WebClient`. The client never waits or
 * retries by itself (`rejectRateLimitedCalls: true`, `retryConfig: { retries: 0 }`: with the
 * defaults a 429 pauses the whole client and a failing call can retry for ~30 minutes); every request
 * has a `timeout`; our delivery layer retries with a bound, honouring `Retry-After`.
 * `chat.postMessage` returns the channel **ID** and `ts`; they are kept in the {@link SlackMessageRef}
 * because `chat.update` accepts no channel names.
 */
import { createHash } from 'node:crypto';
import { LogLevel, WebClient } from '@slack/web-api';
import type { Logger } from '@slack/web-api';
import { AbortedError } from '../util/index.js';
import { createNotifier } from './notifier.js';
import type { DeliveryOptions, Transport } from './notifier.js';
import { ChatConfigError, ChatPermanentError } from './errors.js';
import { DEFAULT_RATE, ensureRef, parseBaseUrl, requireText } from './provider-options.js';
import { sharedRateLimiter } from './rate-limiter.js';
import type { TokenBucketOptions } from './rate-limiter.js';
import { redactSecrets } from './redact.js';
import { classifySlackError } from './slack-errors.js';
import type { ChatMessage, Notifier, ChatLog, SlackBlock, SlackMessageRef } from './types.js';

export const SLACK_API_URL = 'https://slack.com/api/';

export interface SlackNotifierOptions extends DeliveryOptions {
  /** Bot token (`xoxb-…`) with `chat:write`. Never logged or printed. */
  token: string;
  /**
   * Channel ID (`C0123ABC`) or name (`#deploys` / `deploys`). The bot must be in the channel.
   * `check()` can verify membership only for an ID (`conversations.info` takes no names).
   */
  channel: string;
  /** Web API base URL. @defaultValue `https://slack.com/api/` */
  apiUrl?: string;
  /** Timeout of each HTTP request, in ms (the client's `timeout`). @defaultValue 10_000 */
  timeoutMs?: number;
  /**
   * The per-channel limit, shared by every notifier of this process posting to the same channel of
   * the same API (ignored when `rateLimiter` is given). @defaultValue `{ ratePerSec: 1, burst: 3 }`
   */
  rate?: TokenBucketOptions;
}

/** A {@link Notifier} posting to one Slack channel. */
export function createSlackNotifier(options: SlackNotifierOptions): Notifier {
  const token = requireText('token', options.token);
  const channel = requireText('channel', options.channel);
  const apiUrl = `${parseBaseUrl('apiUrl', options.apiUrl ?? SLACK_API_URL)}/`;
  const { rate = DEFAULT_RATE.slack } = options;
  const timeoutMs = Math.ceil(options.timeoutMs ?? 10_000);
  if (!(timeoutMs > 0)) throw new ChatConfigError('timeoutMs', `must be positive, got ${options.timeoutMs}`);
  const shown = /^[CGD][A-Z0-9]{6,}$/.test(channel) || channel.startsWith('#') ? channel : `#${channel}`;
  const destination = apiUrl === SLACK_API_URL ? shown : `${shown}@${apiUrl}`;
  const transport = createSlackTransport({ token, channel, apiUrl, timeoutMs, destination, log: options.log });
  return createNotifier(transport, {
    ...options,
    rateLimiter: options.rateLimiter ?? sharedRateLimiter(slackRateLimitKey({ apiUrl, channel: shown, token }), rate),
  });
}

/**
 * The key of the process-wide limiter of one channel: Slack limits per workspace and channel, so
 * the API URL and the token (as a short hash, never the token itself) are part of it — two
 * workspaces' `#deploys` are different channels.
 */
export function slackRateLimitKey(input: { apiUrl: string; channel: string; token: string }): string {
  const tokenHash = createHash('sha256').update(input.token).digest('hex').slice(0, 12);
  return `slack:${input.apiUrl}:${input.channel}:${tokenHash}`;
}

interface TransportConfig {
  token: string;
  channel: string;
  apiUrl: string;
  timeoutMs: number;
  destination: string;
  log: ChatLog | undefined;
}

function createSlackTransport(config: TransportConfig): Transport {
  const { token, channel, apiUrl, timeoutMs, destination, log } = config;
  const client = new WebClient(token, {
    slackApiUrl: apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: timeoutMs,
    logger: forwardingLogger(destination, [token], log),
  });

  /** One request; WebClient cannot abort a request in flight, so a caller's abort is honoured before it and on return. */
  async function call<T>(operation: string, signal: AbortSignal | undefined, request: () => Promise<T>): Promise<T> {
    const ctx = { destination, operation, timeoutMs, secrets: [token] };
    if (signal?.aborted) throw new AbortedError(`slack ${destination}: ${operation} aborted`, { cause: signal.reason });
    try {
      return await request();
    } catch (err) {
      throw classifySlackError(ctx, err, signal);
    }
  }

  const blocks = (message: ChatMessage): SlackBlock[] | undefined => (message.blocks ? [...message.blocks] : undefined);

  return {
    kind: 'slack',
    destination,
    async send(message, threadOf, signal) {
      const parent = threadOf === undefined ? undefined : ensureRef('threadOf', threadOf, 'slack');
      const threadTs = parent ? (parent.threadTs ?? parent.ts) : undefined;
      const rich = blocks(message);
      const result = await call('post', signal, () =>
        client.chat.postMessage({
          channel: parent?.channelId ?? channel,
          text: message.text,
          ...(rich ? { blocks: rich } : {}),
          ...(threadTs ? { thread_ts: threadTs } : {}),
          unfurl_links: false,
          unfurl_media: false,
        }),
      );
      if (typeof result.channel !== 'string' || typeof result.ts !== 'string') throw badResponse(destination, 'post', 'no channel or ts in the answer');
      const ref: SlackMessageRef = { kind: 'slack', channelId: result.channel, ts: result.ts, ...(threadTs ? { threadTs } : {}) };
      return ref;
    },
    async edit(ref, message, signal) {
      const target = ensureRef('ref', ref, 'slack');
      const result = await call('update the message', signal, () =>
        client.chat.update({ channel: target.channelId, ts: target.ts, text: message.text, blocks: blocks(message) ?? [] }),
      );
      const updated: SlackMessageRef = { ...target, ...(typeof result.ts === 'string' ? { ts: result.ts } : {}) };
      return updated;
    },
    async check(signal) {
      await call('check the token', signal, () => client.auth.test());
      // conversations.info takes IDs only; a channel given by name is checked by the first post.
      if (!/^[CG][A-Z0-9]{6,}$/.test(channel)) return;
      // conversations.info needs channels:read, which a chat:write-only bot may lack: then only the token is checked.
      const info = await call('check the channel', signal, () => client.conversations.info({ channel })).catch((err: unknown) => {
        if (err instanceof ChatPermanentError && err.code === 'missing_scope') return undefined;
        throw err;
      });
      if (!info) return;
      if (info.channel?.is_archived === true) {
        throw new ChatPermanentError(`slack ${destination}: the channel is archived (is_archived)`, { kind: 'slack', destination, code: 'is_archived' });
      }
      if (info.channel?.is_member === false) {
        throw new ChatPermanentError(`slack ${destination}: the bot is not in the channel; invite it (/invite @bot) (not_in_channel)`, { kind: 'slack', destination, code: 'not_in_channel' });
      }
    },
  };
}

function badResponse(destination: string, operation: string, problem: string): ChatPermanentError {
  return new ChatPermanentError(`slack ${destination}: cannot ${operation}: ${problem}`, { kind: 'slack', destination, code: 'bad_response' });
}

/** The SDK's own log lines (deprecation and fallback warnings, request failures) go to our log at debug level, redacted; never to the console. */
function forwardingLogger(destination: string, secrets: readonly string[], log: ChatLog | undefined): Logger {
  let level: LogLevel = LogLevel.WARN;
  const forward = (...parts: unknown[]): void => {
    if (!log) return;
    const msg = redactSecrets(parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' '), secrets);
    log({ level: 'debug', msg: `@slack/web-api: ${msg}`, kind: 'slack', destination });
  };
  const noop = (): void => undefined;
  return {
    debug: noop,
    info: noop,
    warn: forward,
    error: forward,
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: noop,
  };
}
