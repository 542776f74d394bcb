/**
 * Mattermost provider on `@mattermost/client` (Client4) and the REST API v4.
 *
 * - **Import**: `@mattermost/client` is CommonJS; a named import crashes under Node ESM (and vitest
 *   hides it), so it is default-imported.
 * - **Reads** (`getMe`, `getChannelByNameAndTeamName` — cached per notifier —, `getMyChannelMember`)
 *   go through Client4. Client4 takes no per-request options, so a subclass adds an `AbortSignal`
 *   (timeout, caller's signal) in `getOptions`, which every Client4 call runs synchronously before
 *   its `fetch`.
 * - **Writes** (`POST /api/v4/posts`, `PUT /api/v4/posts/{id}/patch`, the same requests as Client4's
 *   `createPost` / `patchPost`) use our own `fetch`: Client4 drops the HTTP status and headers, so
 *   a 429 from Mattermost's limiter (plain-text `limit exceeded`) arrives as an empty `ClientError`
 *   and its `Retry-After` / `X-RateLimit-Reset` are lost. Writes are what the limiter hits, so that
 *   is where we need them. A bodiless `ClientError` from a read is still retried, with backoff.
 */
import mm from '@mattermost/client';
import { DEFAULT_RATE, ensureRef, parseBaseUrl, requireText } from './provider-options.js';
import { createNotifier } from './notifier.js';
import type { DeliveryOptions, Transport } from './notifier.js';
import { ChatConfigError, ChatPermanentError } from './errors.js';
import type { ChatError } from './errors.js';
import { classifyClientError, classifyMattermostFailure, classifyMattermostResponse } from './mattermost-errors.js';
import type { MattermostErrorBody, MattermostErrorContext } from './mattermost-errors.js';
import { sharedRateLimiter } from './rate-limiter.js';
import type { TokenBucketOptions } from './rate-limiter.js';
import type { ChatMessage, MattermostMessageRef, MessageRef, Notifier } from './types.js';

const { Client4, ClientError } = mm;
type Client4Options = Parameters<InstanceType<typeof Client4>['getOptions']>[0];

/** Client4 with a per-call `AbortSignal`: set `nextSignal`, call a method, clear it. */
class SignalledClient4 extends Client4 {
  nextSignal: AbortSignal | undefined;
  override getOptions(options: Client4Options): ReturnType<InstanceType<typeof Client4>['getOptions']> {
    const base = super.getOptions(options);
    return this.nextSignal ? { ...base, signal: this.nextSignal } : base;
  }
}

export interface MattermostNotifierOptions extends DeliveryOptions {
  /** Server base URL **without** `/api/v4`, e.g. `http://mattermost:8065` (a trailing `/api/v4` is removed). */
  url: string;
  /** Bot or personal access token. Never logged or printed. */
  token: string;
  /** Team **name** (URL slug), e.g. `argocdorg`. */
  team: string;
  /** Channel **name** (URL slug), e.g. `argocd-test-phases`. */
  channel: string;
  /** The channel's id when already known: skips the lookup. @defaultValue looked up once, then cached */
  channelId?: string;
  /** Timeout of each HTTP request, in ms. @defaultValue 10_000 */
  timeoutMs?: number;
  /**
   * The per-channel limit, shared by every notifier of this process posting to the same team,
   * channel and server (ignored when `rateLimiter` is given). @defaultValue `{ ratePerSec: 10, burst: 10 }`
   */
  rate?: TokenBucketOptions;
}

/** A {@link Notifier} posting to one Mattermost channel. */
export function createMattermostNotifier(options: MattermostNotifierOptions): Notifier {
  const baseUrl = parseBaseUrl('url', options.url).replace(/\/api\/v4$/, '');
  const token = requireText('token', options.token);
  const team = requireText('team', options.team);
  const channel = requireText('channel', options.channel);
  const { rate = DEFAULT_RATE.mattermost } = options;
  const timeoutMs = Math.ceil(options.timeoutMs ?? 10_000);
  if (!(timeoutMs > 0)) throw new ChatConfigError('timeoutMs', `must be positive, got ${options.timeoutMs}`);
  const destination = `${team}/${channel}@${baseUrl}`;
  const transport = createMattermostTransport({ baseUrl, token, team, channel, channelId: options.channelId, timeoutMs, destination });
  return createNotifier(transport, {
    ...options,
    rateLimiter: options.rateLimiter ?? sharedRateLimiter(`mattermost:${destination}`, rate),
  });
}

interface TransportConfig {
  baseUrl: string;
  token: string;
  team: string;
  channel: string;
  channelId: string | undefined;
  timeoutMs: number;
  destination: string;
}

interface PostJson {
  id: string;
  channel_id: string;
  root_id?: string;
}

function createMattermostTransport(config: TransportConfig): Transport {
  const { baseUrl, token, team, channel, timeoutMs, destination } = config;
  const client = new SignalledClient4();
  client.setUrl(baseUrl);
  client.setToken(token);
  client.setIncludeCookies(false);
  const context = (operation: string): MattermostErrorContext => ({ destination, operation, timeoutMs, secrets: [token] });
  let channelId: Promise<string> | undefined = config.channelId ? Promise.resolve(config.channelId) : undefined;

  const requestSignal = (signal: AbortSignal | undefined): AbortSignal =>
    signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);

  async function read<T>(operation: string, signal: AbortSignal | undefined, call: (c: SignalledClient4) => Promise<T>): Promise<T> {
    let pending: Promise<T>;
    client.nextSignal = requestSignal(signal);
    try {
      pending = call(client);
    } finally {
      client.nextSignal = undefined;
    }
    let result: T;
    try {
      result = await pending;
    } catch (err) {
      if (err instanceof ClientError) throw classifyClientError(context(operation), err);
      throw classifyMattermostFailure(context(operation), err, signal);
    }
    // Client4 returns the raw text unless Content-Type is exactly application/json.
    return typeof result === 'string' ? (parseJson(result, context(operation)) as T) : result;
  }

  async function write(operation: string, method: 'POST' | 'PUT', path: string, body: object, signal: AbortSignal | undefined): Promise<PostJson> {
    let status: number;
    let headers: Headers;
    let text: string;
    try {
      const response = await fetch(`${baseUrl}/api/v4${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json', 'X-Requested-With': 'XMLHttpRequest' },
        body: JSON.stringify(body),
        redirect: 'error',
        signal: requestSignal(signal),
      });
      status = response.status;
      headers = response.headers;
      text = await response.text();
    } catch (err) {
      throw classifyMattermostFailure(context(operation), err, signal);
    }
    if (status < 200 || status >= 300) {
      const errorBody = tryJson(text);
      throw classifyMattermostResponse(context(operation), { status, headers }, isRecord(errorBody) ? (errorBody as MattermostErrorBody) : undefined);
    }
    const post = parseJson(text, context(operation));
    if (!isRecord(post) || typeof post['id'] !== 'string' || typeof post['channel_id'] !== 'string') {
      throw badResponse(context(operation), 'the answer has no post id');
    }
    return { id: post['id'], channel_id: post['channel_id'], ...(typeof post['root_id'] === 'string' ? { root_id: post['root_id'] } : {}) };
  }

  function resolveChannel(signal: AbortSignal | undefined): Promise<string> {
    if (!channelId) {
      const lookup = read('look up the channel', signal, (c) => c.getChannelByNameAndTeamName(team, channel)).then((found) => {
        if (!isRecord(found) || typeof found['id'] !== 'string') throw badResponse(context('look up the channel'), 'the answer has no channel id');
        return found['id'];
      });
      channelId = lookup;
      lookup.catch(() => {
        if (channelId === lookup) channelId = undefined;
      });
    }
    return channelId;
  }

  const toRef = (post: PostJson): MattermostMessageRef => ({
    kind: 'mattermost',
    postId: post.id,
    channelId: post.channel_id,
    ...(post.root_id ? { rootId: post.root_id } : {}),
  });
  const props = (message: ChatMessage): { attachments: unknown[] } => ({ attachments: message.attachments ? [...message.attachments] : [] });

  return {
    kind: 'mattermost',
    destination,
    async send(message, threadOf, signal, requestId) {
      const parent = threadOf === undefined ? undefined : ensureRef('threadOf', threadOf, 'mattermost');
      const target = parent?.channelId ?? (await resolveChannel(signal));
      const post = await write('post', 'POST', '/posts', {
        channel_id: target,
        message: message.text,
        props: props(message),
        // The same on every attempt: Mattermost answers a repeat within 30 s with the first post instead of a second one.
        pending_post_id: requestId,
        ...(parent ? { root_id: parent.rootId ?? parent.postId } : {}),
      }, signal);
      return toRef(post);
    },
    async edit(ref: MessageRef, message, signal) {
      const target = ensureRef('ref', ref, 'mattermost');
      const post = await write('update the post', 'PUT', `/posts/${encodeURIComponent(target.postId)}/patch`, { id: target.postId, message: message.text, props: props(message) }, signal);
      return toRef(post);
    },
    async check(signal) {
      await read('check the token', signal, (c) => c.getMe());
      const id = await resolveChannel(signal);
      await read('check channel membership', signal, (c) => c.getMyChannelMember(id)).catch((err: unknown) => {
        if (err instanceof ChatPermanentError && err.status === 404) {
          throw new ChatPermanentError(`mattermost ${destination}: the bot is not a member of the channel; add it to ${team}/${channel}`, {
            kind: 'mattermost',
            destination,
            code: 'not_in_channel',
            status: 404,
            cause: err,
          });
        }
        throw err;
      });
    },
  };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseJson(text: string, ctx: MattermostErrorContext): unknown {
  const value = tryJson(text);
  if (value === undefined) throw badResponse(ctx, 'the answer is not JSON (is the URL the Mattermost server, without /api/v4?)');
  return value;
}

function badResponse(ctx: MattermostErrorContext, problem: string): ChatError {
  return new ChatPermanentError(`mattermost ${ctx.destination}: cannot ${ctx.operation}: ${problem}`, { kind: 'mattermost', destination: ctx.destination, code: 'bad_response' });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
