import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ChatGaveUpError,
  ChatPermanentError,
  createMemoryIdempotencyStore,
  createSlackNotifier,
  createTokenBucket,
  sharedRateLimiter,
} from '../../src/chat/index.js';
import type { ChatLogEvent, SlackNotifierOptions } from '../../src/chat/index.js';
import { slackRateLimitKey } from '../../src/chat/slack.js';
import { startSlackServer } from '../helpers/chat-servers.js';
import type { SlackServer } from '../helpers/chat-servers.js';

const TOKEN = 'xoxb-0000-test-token-slack';

describe('slack notifier (@slack/web-api WebClient on the wire, APIS.md §C.2)', () => {
  let server: SlackServer;
  let events: ChatLogEvent[];

  beforeEach(async () => {
    server = await startSlackServer({ token: TOKEN, channels: ['deploys', 'ops', 'old'], notMemberOf: ['ops'], archived: ['old'] });
    events = [];
  });
  afterEach(async () => {
    await server.close();
  });

  const notifier = (overrides: Partial<SlackNotifierOptions> = {}): ReturnType<typeof createSlackNotifier> =>
    createSlackNotifier({
      token: TOKEN,
      channel: '#deploys',
      apiUrl: server.apiUrl,
      timeoutMs: 2000,
      attempts: 3,
      backoff: { initialMs: 10, maxMs: 40 },
      rateLimiter: createTokenBucket({ ratePerSec: 1000, burst: 100 }),
      log: (e) => events.push(e),
      ...overrides,
    });
  const calls = (method: string): (number | 'hang')[] => server.requests.filter((r) => r.endpoint === method).map((r) => r.status);

  describe('when Slack accepts', () => {
    it('should post text and blocks (form-encoded, blocks as JSON) and keep the channel ID and ts from the answer', async () => {
      const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*nginx* synced' } }];
      const ref = await notifier().post({ text: 'nginx synced', blocks });
      expect(server.messages).toEqual([{ channel: server.channelId('deploys'), ts: expect.any(String) as string, text: 'nginx synced', blocks, updates: 0 }]);
      expect(ref).toEqual({ kind: 'slack', channelId: server.channelId('deploys'), ts: server.messages[0]?.ts });
    });

    it('should update in place by channel ID and ts (chat.update), clearing blocks the new message does not have', async () => {
      const n = notifier();
      const ref = await n.post({ text: 'running', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'running' } }] });
      const updated = await n.update(ref, { text: 'succeeded' });
      expect(updated).toEqual(ref);
      expect(server.messages).toHaveLength(1);
      expect(server.messages[0]).toMatchObject({ text: 'succeeded', updates: 1 });
      expect(server.messages[0]).not.toHaveProperty('blocks');
    });

    it('should thread replies under the parent (thread_ts), also when replying to a reply', async () => {
      const n = notifier();
      const parent = await n.post({ text: 'sync started' });
      const reply = await n.post({ text: 'PreSync ok' }, { threadOf: parent });
      await n.post({ text: 'Sync ok' }, { threadOf: reply });
      expect(server.messages.map((m) => m.thread_ts)).toEqual([undefined, parent.kind === 'slack' ? parent.ts : '', parent.kind === 'slack' ? parent.ts : '']);
      expect(reply).toMatchObject({ kind: 'slack', threadTs: parent.kind === 'slack' ? parent.ts : '' });
    });
  });

  describe('when Slack fails transiently', () => {
    it('should wait for Retry-After on a 429 and then post once (the client itself never waits)', async () => {
      server.fail('chat.postMessage', { type: 'rateLimit', retryAfterSec: 1 });
      await notifier().post({ text: 'after the limit' });
      const posts = server.requests.filter((r) => r.endpoint === 'chat.postMessage');
      expect(posts.map((r) => r.status)).toEqual([429, 200]);
      expect((posts[1]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
      expect(server.messages).toHaveLength(1);
      expect(events.find((e) => e.level === 'warn')).toMatchObject({ code: 'rate_limited', delayMs: 1000 });
    });

    it('should retry a 500 and a transient platform error, then succeed', async () => {
      server.fail('chat.postMessage', { type: 'status', status: 500 }, { type: 'platformError', error: 'internal_error' });
      await notifier().post({ text: 'third time' });
      expect(calls('chat.postMessage')).toEqual([500, 200, 200]);
      expect(server.messages.map((m) => m.text)).toEqual(['third time']);
    });

    it('should time out a server that never answers and give up after the bounded attempts', async () => {
      server.fail('chat.postMessage', { type: 'hang' }, { type: 'hang' });
      const err = await notifier({ timeoutMs: 150, attempts: 2 }).post({ text: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChatGaveUpError);
      expect(err).toMatchObject({ attempts: 2, code: 'timeout', destination: `#deploys@${server.apiUrl}` });
      expect(calls('chat.postMessage')).toEqual(['hang', 'hang']);
    });
  });

  describe('when the configuration is wrong (permanent, not retried)', () => {
    it.each([
      ['a bad token', { token: 'xoxb-wrong-token-0000' }, 'invalid_auth', 'invalid token'],
      ['an unknown channel', { channel: 'nope' }, 'channel_not_found', 'channel not found'],
      ['a bot not in the channel', { channel: 'ops' }, 'not_in_channel', 'invite it'],
      ['an archived channel', { channel: 'old' }, 'is_archived', 'archived'],
    ])('should fail %s at once with the Slack error code', async (_what, overrides, code, words) => {
      const err = await notifier(overrides).post({ text: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChatPermanentError);
      expect(err).toMatchObject({ permanent: true, code, kind: 'slack' });
      expect((err as Error).message).toContain(words);
      expect((err as Error).message).toMatch(/^slack #\S+@http:\/\/127\.0\.0\.1:\d+\/api\/: cannot post: /);
      expect((err as Error).message).not.toContain('xoxb-');
      expect(calls('chat.postMessage')).toHaveLength(1);
    });

    it('should fail msg_too_long at once', async () => {
      const err = await notifier().post({ text: 'x'.repeat(40_001) }).catch((e: unknown) => e);
      expect(err).toMatchObject({ permanent: true, code: 'msg_too_long' });
    });

    it('should refuse a reference from another provider, naming the field', async () => {
      await expect(notifier().update({ kind: 'mattermost', postId: 'p', channelId: 'c' }, { text: 'x' })).rejects.toThrow('ref: is a mattermost message reference; this notifier posts to slack');
    });
  });

  describe('check()', () => {
    it('should check the token and, for a channel ID, that the bot is in it and it is not archived', async () => {
      await expect(notifier({ channel: server.channelId('deploys') }).check()).resolves.toBeUndefined();
      await expect(notifier({ channel: server.channelId('ops') }).check()).rejects.toMatchObject({ code: 'not_in_channel' });
      await expect(notifier({ channel: server.channelId('old') }).check()).rejects.toMatchObject({ code: 'is_archived' });
      await expect(notifier({ token: 'xoxb-bad-0000' }).check()).rejects.toMatchObject({ permanent: true, code: 'invalid_auth' });
      server.fail('conversations.info', { type: 'platformError', error: 'missing_scope' });
      await expect(notifier({ channel: server.channelId('ops') }).check()).resolves.toBeUndefined(); // no channels:read: token only
      expect(server.messages).toEqual([]);
    });
  });

  describe('idempotency', () => {
    it('should post once per key', async () => {
      const n = notifier({ idempotency: createMemoryIdempotencyStore() });
      const refs = await Promise.all([1, 2, 3].map(() => n.post({ text: 'SyncFail' }, { idempotencyKey: 'op-9:SyncFail' })));
      expect(new Set(refs.map((r) => JSON.stringify(r))).size).toBe(1);
      expect(server.messages).toHaveLength(1);
    });
  });

  describe('per-channel rate limit (about 1 message/s per channel with a small burst)', () => {
    it('should default to 1/s with a burst of 3, shared by the notifiers of a destination', async () => {
      const first = notifier({ rateLimiter: undefined });
      const second = notifier({ rateLimiter: undefined });
      await Promise.all([first.post({ text: 'a' }), second.post({ text: 'b' }), first.post({ text: 'c' })]);
      expect(sharedRateLimiter(slackRateLimitKey({ apiUrl: server.apiUrl, channel: '#deploys', token: TOKEN })).stats).toEqual({ acquired: 3, delayed: 0 });
      expect(server.messages.map((m) => m.text).sort()).toEqual(['a', 'b', 'c']);
    });

    it('should give another workspace\'s token its own bucket for a channel of the same name (C8: keyed by channel name only)', async () => {
      // One post empties the first workspace's bucket for a very long time.
      const rate = { ratePerSec: 0.001, burst: 1 };
      await notifier({ rateLimiter: undefined, rate, attempts: 1 }).post({ text: 'first workspace' });
      // The test server knows one token: the other workspace's post reaching it (invalid_auth) shows it did not queue behind the first.
      const other = notifier({ rateLimiter: undefined, rate, attempts: 1, maxElapsedMs: 1_000, token: 'xoxb-9999-other-workspace' });
      const err = await other.post({ text: 'second workspace' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChatPermanentError);
      expect((err as ChatPermanentError).code).toBe('invalid_auth');
      expect(calls('chat.postMessage')).toHaveLength(2);
      expect(slackRateLimitKey({ apiUrl: 'https://slack.com/api/', channel: '#deploys', token: TOKEN })).not.toContain(TOKEN);
    });

    it('should space posts beyond the burst', async () => {
      const limiter = createTokenBucket({ ratePerSec: 20, burst: 1 });
      const n = notifier({ rateLimiter: limiter });
      await Promise.all(['1', '2', '3', '4'].map((text) => n.post({ text })));
      expect(limiter.stats).toEqual({ acquired: 4, delayed: 3 });
      expect(server.messages).toHaveLength(4);
    });
  });
});
