import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ChatGaveUpError,
  ChatPermanentError,
  createMattermostNotifier,
  createMemoryIdempotencyStore,
  createTokenBucket,
  sharedRateLimiter,
} from '../../src/chat/index.js';
import type { MattermostNotifierOptions, MessageRef, ChatLogEvent } from '../../src/chat/index.js';
import { startMattermostServer } from '../helpers/chat-servers.js';
import type { MattermostServer } from '../helpers/chat-servers.js';

const TOKEN = 'mm-test-token-4f9c2a7d1e';
const TEAM = 'argocdorg';
const CHANNEL = 'argocd-test-phases';

describe('mattermost notifier (Client4 and REST v4 on the wire, APIS.md §C.1)', () => {
  let server: MattermostServer;
  let events: ChatLogEvent[];

  beforeEach(async () => {
    server = await startMattermostServer({ token: TOKEN, teams: { [TEAM]: [CHANNEL, 'town-square', 'private-ops'] }, notMemberOf: [`${TEAM}/private-ops`] });
    events = [];
  });
  afterEach(async () => {
    await server.close();
  });

  /** Short delays so the file runs in seconds; a private bucket so tests do not share a limiter. */
  const notifier = (overrides: Partial<MattermostNotifierOptions> = {}): ReturnType<typeof createMattermostNotifier> =>
    createMattermostNotifier({
      url: server.url,
      token: TOKEN,
      team: TEAM,
      channel: CHANNEL,
      timeoutMs: 2000,
      attempts: 3,
      backoff: { initialMs: 10, maxMs: 40 },
      rateLimiter: createTokenBucket({ ratePerSec: 1000, burst: 100 }),
      log: (e) => events.push(e),
      ...overrides,
    });
  const endpoints = (name: string): (number | 'hang')[] => server.requests.filter((r) => r.endpoint === name).map((r) => r.status);

  describe('when the server accepts', () => {
    it('should post the text and the attachments as props.attachments to the team/channel, and return post and channel ids', async () => {
      const ref = await notifier().post({ text: 'Sync OK', attachments: [{ fallback: 'Sync OK', color: '#2eb886', title: 'nginx' }] });
      expect(server.posts).toHaveLength(1);
      const [post] = server.posts;
      expect(post).toMatchObject({ channel: `${TEAM}/${CHANNEL}`, message: 'Sync OK', root_id: '', props: { attachments: [{ fallback: 'Sync OK', color: '#2eb886', title: 'nginx' }] } });
      expect(ref).toEqual({ kind: 'mattermost', postId: post?.id, channelId: server.channelId(TEAM, CHANNEL) });
    });

    it('should look the channel up once and reuse the id (cached)', async () => {
      const n = notifier();
      await n.post({ text: 'one' });
      await n.post({ text: 'two' });
      expect(endpoints('channel')).toEqual([200]);
      expect(endpoints('posts')).toEqual([201, 201]);
    });

    it('should update a post in place with patchPost and thread replies under the root (root_id)', async () => {
      const n = notifier();
      const parent = await n.post({ text: 'sync running', attachments: [{ fallback: 'running', color: '#439fe0' }] });
      const reply = await n.post({ text: 'PreSync done' }, { threadOf: parent });
      const replyToReply = await n.post({ text: 'Sync done' }, { threadOf: reply });
      const updated = await n.update(parent, { text: 'sync succeeded', attachments: [{ fallback: 'ok', color: '#2eb886' }] });
      expect(updated).toEqual(parent);
      const [root, r1, r2] = server.posts;
      expect(root).toMatchObject({ message: 'sync succeeded', patches: 1, props: { attachments: [{ fallback: 'ok', color: '#2eb886' }] } });
      expect(r1?.root_id).toBe(root?.id);
      expect(r2?.root_id).toBe(root?.id);
      expect(reply).toMatchObject({ kind: 'mattermost', rootId: root?.id });
      expect(replyToReply).toMatchObject({ kind: 'mattermost', rootId: root?.id });
    });

    it('should read JSON answered with a charset Content-Type, which Client4 returns as raw text (APIS.md §C.1 pitfall 2)', async () => {
      await server.close();
      server = await startMattermostServer({ token: TOKEN, teams: { [TEAM]: [CHANNEL] }, jsonContentType: 'application/json; charset=utf-8' });
      const ref = await notifier().post({ text: 'hello' });
      expect(ref).toMatchObject({ channelId: server.channelId(TEAM, CHANNEL) });
      expect(server.posts).toHaveLength(1);
    });
  });

  describe('when the server fails transiently', () => {
    it('should wait for Retry-After on a 429 (plain-text "limit exceeded") and then post once', async () => {
      server.fail('posts', { type: 'rateLimit', retryAfterSec: 1 });
      await notifier().post({ text: 'after the limit' });
      const posts = server.requests.filter((r) => r.endpoint === 'posts');
      expect(posts.map((r) => r.status)).toEqual([429, 201]);
      // The wait is read from the server's arrival times: the retry came after Retry-After (1 s).
      expect((posts[1]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
      expect(server.posts).toHaveLength(1);
      expect(events.find((e) => e.level === 'warn')).toMatchObject({ code: 'rate_limited', delayMs: 1000 });
    });

    it('should retry a 500 and then succeed', async () => {
      server.fail('posts', { type: 'status', status: 500 });
      await notifier().post({ text: 'after a 500' });
      expect(endpoints('posts')).toEqual([500, 201]);
      expect(server.posts.map((p) => p.message)).toEqual(['after a 500']);
    });

    it('should retry a bodiless error from a Client4 read (a 429 whose status Client4 loses)', async () => {
      server.fail('channel', { type: 'rateLimit', retryAfterSec: 1 });
      await notifier().post({ text: 'lookup retried' });
      expect(endpoints('channel')).toEqual([429, 200]);
      expect(events.find((e) => e.level === 'warn')).toMatchObject({ code: 'unknown_status' });
    });

    it('should time out a server that never answers, retry a bounded number of times, then give up', async () => {
      server.fail('posts', { type: 'hang' }, { type: 'hang' }, { type: 'hang' });
      const err = await notifier({ timeoutMs: 150, channelId: server.channelId(TEAM, CHANNEL) }).post({ text: 'into the void' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChatGaveUpError);
      expect(err).toMatchObject({ permanent: false, attempts: 3, code: 'timeout', destination: `${TEAM}/${CHANNEL}@${server.url}` });
      expect((err as Error).message).toContain('no answer within 150 ms');
      expect(endpoints('posts')).toEqual(['hang', 'hang', 'hang']);
    });

    it('should time out a Client4 read that never answers (the signal reaches Client4)', async () => {
      server.fail('channel', { type: 'hang' }, { type: 'hang' });
      const err = await notifier({ timeoutMs: 150, attempts: 2 }).post({ text: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChatGaveUpError);
      expect(err).toMatchObject({ code: 'timeout', attempts: 2 });
      expect(endpoints('posts')).toEqual([]);
    });

    it('should post once when the first attempt is slow and times out after the server saved it (C1: the retry posted a duplicate)', async () => {
      // The server saves the first post 300 ms after it arrives; the client gives up after 100 ms and retries with the same pending_post_id.
      server.delay('posts', 300);
      const n = notifier({ timeoutMs: 100, attempts: 8, backoff: { initialMs: 100, factor: 1, maxMs: 100, jitter: 0 }, channelId: server.channelId(TEAM, CHANNEL) });
      const ref = await n.post({ text: 'slow server' });
      await server.settled();
      expect(server.posts.map((p) => p.message)).toEqual(['slow server']);
      expect(ref).toEqual({ kind: 'mattermost', postId: server.posts[0]?.id, channelId: server.channelId(TEAM, CHANNEL) });
      expect(endpoints('posts').length).toBeGreaterThan(1);
    });

    it('should send a new pending_post_id for each post without an idempotency key, so equal messages both show', async () => {
      const n = notifier({ channelId: server.channelId(TEAM, CHANNEL) });
      await n.post({ text: 'same' });
      await n.post({ text: 'same' });
      expect(server.posts.map((p) => p.message)).toEqual(['same', 'same']);
    });

    it('should give up at once when Retry-After is beyond the time budget', async () => {
      server.fail('posts', { type: 'rateLimit', retryAfterSec: 30 });
      const err = await notifier({ maxElapsedMs: 2000 }).post({ text: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChatGaveUpError);
      expect((err as Error).message).toMatch(/gave up after 1 attempt .*waiting 30s more would pass the 2s limit/);
      expect(endpoints('posts')).toEqual([429]);
    });
  });

  describe('when the configuration is wrong (permanent, not retried)', () => {
    it('should fail a bad token at once, naming the destination and never the token', async () => {
      const err = await notifier({ token: 'wrong-token-123456' }).post({ text: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChatPermanentError);
      expect(err).toMatchObject({ permanent: true, status: 401, code: 'api.context.session_expired.app_error' });
      expect((err as Error).message).toBe(`mattermost ${TEAM}/${CHANNEL}@${server.url}: cannot look up the channel: invalid or expired token (401 api.context.session_expired.app_error): Invalid or expired session, please login again.`);
      expect((err as Error).message).not.toContain('wrong-token-123456');
      expect(endpoints('channel')).toEqual([401]);
    });

    it('should fail an unknown channel and an unknown team at once', async () => {
      const channel = await notifier({ channel: 'nope' }).post({ text: 'x' }).catch((e: unknown) => e);
      expect(channel).toMatchObject({ permanent: true, status: 404, code: 'app.channel.get_by_name.missing.app_error' });
      expect((channel as Error).message).toContain('channel not found in this team');
      const team = await notifier({ team: 'nope' }).post({ text: 'x' }).catch((e: unknown) => e);
      expect(team).toMatchObject({ permanent: true, code: 'app.team.get_by_name.missing.app_error' });
      expect(endpoints('channel')).toEqual([404, 404]);
    });

    it('should fail a bot that is not in the channel (403 api.context.permissions.app_error) without retrying', async () => {
      const err = await notifier({ channel: 'private-ops' }).post({ text: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChatPermanentError);
      expect(err).toMatchObject({ status: 403, code: 'api.context.permissions.app_error' });
      expect((err as Error).message).toContain('the bot may not post in this channel');
      expect(endpoints('posts')).toEqual([403]);
    });

    it('should reject bad options naming the field', () => {
      expect(() => notifier({ url: 'mattermost:8065' })).toThrow('url: must be an http:// or https:// URL, got "mattermost:8065"');
      expect(() => notifier({ channel: ' ' })).toThrow('channel: is required');
    });
  });

  describe('check()', () => {
    it('should pass for a good token and a channel the bot is in, and fail naming the problem otherwise', async () => {
      await expect(notifier().check()).resolves.toBeUndefined();
      await expect(notifier({ channel: 'private-ops' }).check()).rejects.toMatchObject({ permanent: true, code: 'not_in_channel' });
      await expect(notifier({ token: 'bad-token-xyz1' }).check()).rejects.toMatchObject({ permanent: true, status: 401 });
      expect(server.posts).toEqual([]);
    });
  });

  describe('idempotency', () => {
    it('should post once per key, also when two posts with the key race', async () => {
      const n = notifier({ idempotency: createMemoryIdempotencyStore() });
      const [a, b] = await Promise.all([n.post({ text: 'PostSync OK' }, { idempotencyKey: 'op-1:PostSync' }), n.post({ text: 'PostSync OK' }, { idempotencyKey: 'op-1:PostSync' })]);
      const c = await n.post({ text: 'PostSync OK' }, { idempotencyKey: 'op-1:PostSync' });
      await n.post({ text: 'SyncFail' }, { idempotencyKey: 'op-1:SyncFail' });
      expect(a).toEqual(b);
      expect(c).toEqual(a);
      expect(server.posts.map((p) => p.message)).toEqual(['PostSync OK', 'SyncFail']);
    });

    it('should let a key be retried after a failed post', async () => {
      const store = createMemoryIdempotencyStore();
      await expect(notifier({ idempotency: store, channel: 'private-ops' }).post({ text: 'x' }, { idempotencyKey: 'k' })).rejects.toBeInstanceOf(ChatPermanentError);
      server.fail('posts', { type: 'status', status: 503 }, { type: 'status', status: 503 }, { type: 'status', status: 503 });
      await expect(notifier({ idempotency: store }).post({ text: 'x' }, { idempotencyKey: 'k' })).rejects.toBeInstanceOf(ChatGaveUpError);
      const ref: MessageRef = await notifier({ idempotency: store }).post({ text: 'finally' }, { idempotencyKey: 'k' });
      expect(ref.kind).toBe('mattermost');
      expect(server.posts.map((p) => p.message)).toEqual(['finally']);
    });
  });

  describe('per-channel rate limit', () => {
    it('should share one limiter between notifiers of the same destination and space posts beyond the burst', async () => {
      const options = { rateLimiter: undefined, rate: { ratePerSec: 20, burst: 2 } };
      const first = notifier(options);
      const second = notifier(options);
      const texts = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
      await Promise.all(texts.map((text, i) => (i % 2 === 0 ? first : second).post({ text })));
      const limiter = sharedRateLimiter(`mattermost:${first.destination}`);
      expect(limiter.stats).toEqual({ acquired: 6, delayed: 4 });
      expect(server.posts.map((p) => p.message).sort()).toEqual(texts);
      const other = notifier({ ...options, channel: 'town-square' });
      await other.post({ text: 'elsewhere' });
      expect(sharedRateLimiter(`mattermost:${other.destination}`).stats).toEqual({ acquired: 1, delayed: 0 });
    });
  });
});
