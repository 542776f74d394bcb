import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registerNotify } from '../../src/cli/notify.js';
import { startMattermostServer, startSlackServer } from '../helpers/chat-servers.js';
import type { MattermostServer, SlackServer } from '../helpers/chat-servers.js';
import { REDIS_URL } from '../helpers/redis.js';

/** The lab's token, as it stands in examples/sync-phases/*.yaml. */
const TOKEN = 'ot3edzrgw7yrzxtoaxpi7hu4dw';
const SLACK_TOKEN = 'xoxb-1111-2222-cli-test';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `hookrunner notify …` in-process, wired the way src/cli/main.ts wires commands. */
async function notify(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  let stdout = '';
  let stderr = '';
  let code = 0;
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env };
  const program = new Command('hookrunner').exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  registerNotify(program, io, (c) => (code = c));
  try {
    await program.parseAsync(['notify', ...args], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    code = 2;
  }
  return { code, stdout, stderr };
}

/** The `env` of the Job's first container, as name → value. */
async function jobEnv(file: string): Promise<Record<string, string>> {
  const job = parse(await readFile(file, 'utf8')) as { spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } } };
  return Object.fromEntries((job.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
}

describe('hookrunner notify', () => {
  let mm: MattermostServer;
  let lab: Record<string, string>;

  beforeEach(async () => {
    mm = await startMattermostServer({ token: TOKEN, teams: { argocdorg: ['argocd-test-phases', 'locked'] }, notMemberOf: ['argocdorg/locked'] });
    // The lab's environment unchanged, except that url/port point at the test server.
    lab = { ...(await jobEnv('examples/sync-phases/post-job.yaml')), url: mm.host, port: String(mm.port) };
  });
  afterEach(async () => {
    await mm.close();
  });

  describe('with the lab notifier environment (examples/sync-phases)', () => {
    it('should post the PostSync message once to argocdorg/argocd-test-phases and print one line (exit 0)', async () => {
      expect(Object.keys(lab).sort()).toEqual(['channel_name', 'message', 'port', 'scheme', 'team_name', 'token', 'url']);
      const run = await notify([], lab);
      expect(run).toEqual({ code: 0, stdout: `hookrunner notify: sent to mattermost argocdorg/argocd-test-phases@${mm.url} (post ${mm.posts[0]?.id})\n`, stderr: '' });
      expect(mm.posts.map((p) => [p.channel, p.message])).toEqual([['argocdorg/argocd-test-phases', 'MESSAGE FROM ARGOCD: The last sync is: ✅ Sync OK']]);
    });

    it('should post the SyncFail message of fail-job.yaml', async () => {
      const env = { ...(await jobEnv('examples/sync-phases/fail-job.yaml')), url: mm.host, port: String(mm.port) };
      expect((await notify([], env)).code).toBe(0);
      expect(mm.posts.map((p) => p.message)).toEqual(['MESSAGE FROM ARGOCD: The last sync is: ❌ Sync Failed']);
    });

    it('should let --message override $message', async () => {
      expect((await notify(['--message', 'custom'], lab)).code).toBe(0);
      expect(mm.posts.map((p) => p.message)).toEqual(['custom']);
    });
  });

  describe('exit codes', () => {
    it('should exit 1 on a bad token, naming the destination and the reason on one line', async () => {
      const run = await notify([], { ...lab, token: 'not-the-right-token-0123' });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        `hookrunner notify: failed: mattermost argocdorg/argocd-test-phases@${mm.url}: cannot look up the channel: invalid or expired token (401 api.context.session_expired.app_error): Invalid or expired session, please login again.\n`,
      );
    });

    it('should exit 1 when the bot may not post in the channel', async () => {
      const run = await notify([], { ...lab, channel_name: 'locked' });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('the bot may not post in this channel (not a member, or missing the create_post permission) (403 api.context.permissions.app_error)');
    });

    it.each([
      ['a missing channel', { channel_name: undefined }, [], 'MATTERMOST_CHANNEL or channel_name: is required'],
      ['a bad port', { port: 'eighty' }, [], 'port: must be a port number 1-65535, got "eighty"'],
      ['no chat service', { url: undefined }, [], 'service: no chat service configured'],
      ['two chat services', { SLACK_TOKEN, SLACK_CHANNEL: 'deploys' }, [], 'service: both Mattermost (MATTERMOST_URL or url) and Slack (SLACK_*) are configured'],
      ['no message and no sync context', { message: undefined }, [], 'message: no message: pass --message, set message, or run as a hook'],
      ['a bad Redis URL', { REDIS_URL: 'localhost:6379' }, [], 'REDIS_URL: must be a redis:// or rediss:// URL'],
    ])('should exit 2 on %s, naming the variable', async (_what, change, args, words) => {
      const run = await notify(args, { ...lab, ...change });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.startsWith(`hookrunner notify: bad configuration: ${words}`)).toBe(true);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(mm.requests).toEqual([]);
    });

    it('should exit 2 on a bad flag', async () => {
      const run = await notify(['--service', 'teams'], lab);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('must be mattermost, slack or log, got "teams"');
    });

    it('should exit 3 after the retries, logging each retry on stderr', async () => {
      mm.fail('posts', { type: 'status', status: 500 }, { type: 'status', status: 502 });
      const run = await notify(['--retries', '1'], lab);
      expect(run.code).toBe(3);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^hookrunner notify: mattermost argocdorg\/argocd-test-phases@\S+: post: attempt 1\/2 failed, retrying in \d+ms: /);
      expect(lines[1]).toMatch(/^hookrunner notify: gave up after 2 attempts in \S+: mattermost argocdorg\/argocd-test-phases@\S+: cannot post: server error \(502 app\.test\.injected_fault\.app_error\): injected fault 502$/);
      expect(mm.posts).toEqual([]);
    });

    it('should exit 3 when the server never answers (each request times out)', async () => {
      mm.fail('channel', { type: 'hang' });
      const run = await notify(['--retries', '0', '--timeout', '200ms'], lab);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/^hookrunner notify: gave up after 1 attempt in \S+: mattermost \S+: cannot look up the channel: no answer within 200 ms\n$/);
    });
  });

  describe('never prints a token', () => {
    it('should keep the token out of stdout, stderr and retry logs in every outcome', async () => {
      mm.fail('posts', { type: 'status', status: 500 }, { type: 'status', status: 500 });
      const runs = [
        await notify(['--retries', '1'], lab),
        await notify([], lab),
        await notify([], { ...lab, channel_name: 'locked' }),
        await notify([], { ...lab, port: 'x' }),
        await notify(['--message', `token is ${TOKEN}`, '--service', 'log'], lab),
        await notify(['--retries', '1'], { ...lab, url: '127.0.0.1', port: '1' }),
      ];
      expect(runs.map((r) => r.code)).toEqual([3, 0, 1, 2, 0, 3]);
      for (const run of runs) expect(`${run.stdout}${run.stderr}`).not.toContain(TOKEN);
      expect(runs[4]?.stdout).toBe('notify #1: token is [REDACTED]\n');
    });
  });

  describe('without a message: composed from the D5 sync context', () => {
    const context = { HOOKRUNNER_APP: 'nginx', HOOKRUNNER_OPERATION_ID: 'op-7', HOOKRUNNER_REVISION: '4f1c2e9a7b3d5f6e8a9b0c1d2e3f4a5b6c7d8e9f' };

    it('should post a PostSync success with revision and operation, and attachments', async () => {
      const env = { MATTERMOST_URL: mm.url, MATTERMOST_TOKEN: TOKEN, MATTERMOST_TEAM: 'argocdorg', MATTERMOST_CHANNEL: 'argocd-test-phases', ...context, HOOKRUNNER_PHASE: 'PostSync' };
      expect((await notify([], env)).code).toBe(0);
      expect(mm.posts[0]?.message).toBe('✅ nginx: sync succeeded · revision `4f1c2e9` · operation `op-7`');
      expect(mm.posts[0]?.props).toMatchObject({ attachments: [{ color: '#2eb886', fields: expect.arrayContaining([{ title: 'Phase', value: 'PostSync', short: true }]) as unknown }] });
    });

    it('should post a SyncFail notice listing HOOKRUNNER_FAILURE', async () => {
      const failure = JSON.stringify([{ name: 'Pod/quick-fail-pod', phase: 'Sync', message: 'Pod "quick-fail-pod" is invalid: spec.containers[0].resources.limits: Invalid value' }]);
      const env = { ...lab, message: undefined, ...context, HOOKRUNNER_PHASE: 'SyncFail', HOOKRUNNER_FAILURE: failure };
      expect((await notify([], env)).code).toBe(0);
      expect(mm.posts[0]?.message).toBe(
        '❌ nginx: sync failed · revision `4f1c2e9` · operation `op-7`\n• Pod/quick-fail-pod (Sync): Pod "quick-fail-pod" is invalid: spec.containers[0].resources.limits: Invalid value',
      );
    });
  });

  describe('idempotency across runs (HOOKRUNNER_IDEMPOTENCY_REDIS_URL)', () => {
    let redis: Redis;
    let operation: string;
    beforeAll(() => {
      redis = new Redis(REDIS_URL, { commandTimeout: 2000, maxRetriesPerRequest: 1 });
    });
    afterEach(async () => {
      const keys = await redis.keys(`hookrunner:notify:sent:*${operation}*`);
      if (keys.length > 0) await redis.del(...keys);
    });
    afterAll(async () => {
      await redis.quit();
    });

    it('should post once per operation and phase when run twice (a re-run hook Job)', async () => {
      operation = `op-${randomUUID()}`;
      const env = { ...lab, HOOKRUNNER_OPERATION_ID: operation, HOOKRUNNER_PHASE: 'PostSync', HOOKRUNNER_IDEMPOTENCY_REDIS_URL: REDIS_URL };
      const first = await notify([], env);
      const second = await notify([], env);
      expect([first.code, second.code]).toEqual([0, 0]);
      expect(second.stdout).toBe(`hookrunner notify: already sent to mattermost argocdorg/argocd-test-phases@${mm.url} (post ${mm.posts[0]?.id}); not posting again\n`);
      expect(mm.posts).toHaveLength(1);
      expect(await redis.keys(`hookrunner:notify:sent:mattermost:argocdorg/argocd-test-phases@${mm.url}:${operation}:PostSync`)).toHaveLength(1);
    });

    it('should hold the claim for --max-time plus --timeout and a margin, not a fixed 2 minutes (C6)', async () => {
      operation = `op-${randomUUID()}`;
      const key = `hookrunner:notify:sent:mattermost:argocdorg/argocd-test-phases@${mm.url}:${operation}:PostSync`;
      mm.fail('posts', { type: 'hang' });
      const running = notify(['--max-time', '10m', '--timeout', '1500ms', '--retries', '0'], { ...lab, HOOKRUNNER_OPERATION_ID: operation, HOOKRUNNER_PHASE: 'PostSync', HOOKRUNNER_IDEMPOTENCY_REDIS_URL: REDIS_URL });
      let ttl = -2;
      for (let i = 0; i < 100 && ttl < 0; i++) {
        ttl = await redis.pttl(key);
        if (ttl < 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect((await running).code).toBe(3);
      // 10 min + 1.5 s + 30 s, less what passed before it was read.
      expect(ttl).toBeGreaterThan(600_000);
      expect(ttl).toBeLessThanOrEqual(631_500);
    });

    it('should still post, with a warning, when the Redis is unreachable', async () => {
      operation = `op-${randomUUID()}`;
      const run = await notify([], { ...lab, HOOKRUNNER_OPERATION_ID: operation, HOOKRUNNER_PHASE: 'PostSync', REDIS_URL: 'redis://:pw-secret-1@127.0.0.1:1' });
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/^hookrunner notify: warning: REDIS_URL unreachable \(.*\); deduplicating within this run only\n$/);
      expect(run.stderr).not.toContain('pw-secret-1');
      expect(mm.posts).toHaveLength(1);
    });
  });

  describe('other services', () => {
    let slack: SlackServer;
    beforeAll(async () => {
      slack = await startSlackServer({ token: SLACK_TOKEN, channels: ['deploys'] });
    });
    afterAll(async () => {
      await slack.close();
    });

    it('should post to Slack from SLACK_* with blocks when composed from context', async () => {
      const env = { SLACK_TOKEN, SLACK_CHANNEL: '#deploys', SLACK_API_URL: slack.apiUrl, HOOKRUNNER_APP: 'nginx', HOOKRUNNER_PHASE: 'PostSync' };
      const run = await notify([], env);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`hookrunner notify: sent to slack #deploys@${slack.apiUrl} (channel ${slack.channelId('deploys')}, ts ${slack.messages[0]?.ts})\n`);
      expect(slack.messages[0]).toMatchObject({ text: '✅ nginx: sync succeeded', blocks: expect.arrayContaining([{ type: 'section', text: { type: 'mrkdwn', text: '*✅ nginx: sync succeeded*' } }]) as unknown });
      expect(`${run.stdout}${run.stderr}`).not.toContain(SLACK_TOKEN);
    });

    it('should exit 1 on a Slack channel that does not exist', async () => {
      const run = await notify(['--message', 'hi'], { SLACK_TOKEN, SLACK_CHANNEL: 'nope', SLACK_API_URL: slack.apiUrl });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`hookrunner notify: failed: slack #nope@${slack.apiUrl}: cannot post: channel not found (or the bot cannot see it) (channel_not_found)\n`);
    });

    it('should write one line with --service log', async () => {
      expect(await notify(['--service', 'log', '--message', 'hello\nworld'], {})).toEqual({ code: 0, stdout: 'notify #1: hello ⏎ world\n', stderr: '' });
    });
  });
});
