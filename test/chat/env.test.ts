import { describe, expect, it } from 'vitest';
import { ChatConfigError, notifierConfigFromEnv, redactSecrets, secretsFromEnv, syncContextFromEnv } from '../../src/chat/index.js';

/** The lab's notifier environment (examples/sync-phases/post-job.yaml). */
const LAB = { url: 'host.docker.internal', token: 'ot3edzrgw7yrzxtoaxpi7hu4dw', scheme: 'http', port: '8065', channel_name: 'argocd-test-phases', team_name: 'argocdorg' };

describe('chat configuration from the environment', () => {
  it('should read the lab notifier contract unchanged', () => {
    expect(notifierConfigFromEnv(LAB)).toEqual({ service: 'mattermost', url: 'http://host.docker.internal:8065', token: LAB.token, team: 'argocdorg', channel: 'argocd-test-phases' });
    expect(notifierConfigFromEnv({ ...LAB, scheme: undefined, port: undefined })).toMatchObject({ url: 'http://host.docker.internal' });
  });

  it('should let the explicit MATTERMOST_* variables win, and read Slack', () => {
    expect(notifierConfigFromEnv({ ...LAB, MATTERMOST_URL: 'https://mm.example/api/v4', MATTERMOST_CHANNEL: 'deploys' }, 'mattermost')).toMatchObject({ url: 'https://mm.example', channel: 'deploys', team: 'argocdorg' });
    expect(notifierConfigFromEnv({ SLACK_TOKEN: 'xoxb-1', SLACK_CHANNEL: '#deploys', SLACK_API_URL: 'http://127.0.0.1:1/api/' })).toEqual({ service: 'slack', token: 'xoxb-1', channel: '#deploys', apiUrl: 'http://127.0.0.1:1/api' });
    expect(notifierConfigFromEnv({}, 'log')).toEqual({ service: 'log' });
  });

  it.each([
    ['nothing configured', {}, undefined, 'service: no chat service configured'],
    ['both configured', { ...LAB, SLACK_TOKEN: 'xoxb-1' }, undefined, 'service: both Mattermost'],
    ['no channel', { ...LAB, channel_name: '' }, undefined, 'MATTERMOST_CHANNEL or channel_name: is required'],
    ['a bad port', { ...LAB, port: '80a' }, undefined, 'port: must be a port number 1-65535, got "80a"'],
    ['a scheme in url', { ...LAB, url: 'http://mm' }, undefined, 'url: must be a host name'],
    ['a bad scheme', { ...LAB, scheme: 'ftp' }, undefined, 'scheme: must be http or https, got "ftp"'],
    ['a bad MATTERMOST_URL', { MATTERMOST_URL: 'mm:8065' }, undefined, 'MATTERMOST_URL: must be an http:// or https:// URL'],
    ['slack without a channel', { SLACK_TOKEN: 'xoxb-1' }, undefined, 'SLACK_CHANNEL: is required'],
    ['slack chosen without a token', { ...LAB }, 'slack' as const, 'SLACK_TOKEN: is required'],
  ])('should reject %s naming the variable', (_what, env, service, message) => {
    const attempt = (): unknown => notifierConfigFromEnv(env, service);
    expect(attempt).toThrow(ChatConfigError);
    expect(attempt).toThrow(message);
  });

  it.each([
    ['url', { ...LAB, url: 'bot:hunter2-pw@mm.example' }],
    ['url', { ...LAB, url: 'http://bot:hunter2-pw@mm.example' }],
    ['MATTERMOST_URL', { MATTERMOST_URL: 'ftp://bot:hunter2-pw@mm.example', MATTERMOST_TOKEN: 't', MATTERMOST_TEAM: 'a', MATTERMOST_CHANNEL: 'b' }],
    ['MATTERMOST_URL', { MATTERMOST_URL: 'bot:hunter2-pw@mm example', MATTERMOST_TOKEN: 't', MATTERMOST_TEAM: 'a', MATTERMOST_CHANNEL: 'b' }],
  ])('should reject credentials in %s without echoing the password (S4)', (variable, env) => {
    const err = ((): unknown => {
      try {
        return notifierConfigFromEnv(env);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ChatConfigError);
    expect((err as Error).message.startsWith(`${variable}: `)).toBe(true);
    expect((err as Error).message).not.toContain('hunter2-pw');
  });

  it('should list the secrets to redact, including Redis URL passwords', () => {
    const secrets = secretsFromEnv({ ...LAB, SLACK_TOKEN: 'xoxb-9', REDIS_URL: 'redis://:s3cr3t-pass@redis:6379/0' });
    expect(secrets).toEqual([LAB.token, 'xoxb-9', 's3cr3t-pass']);
    expect(redactSecrets(`token ${LAB.token} and redis://:s3cr3t-pass@redis`, secrets)).toBe('token [REDACTED] and redis://:[REDACTED]@redis');
  });
});

describe('sync context from the hook environment (docs/semantics.md D5)', () => {
  it('should read app, operation, revision and phase; PostSync means the sync succeeded', () => {
    expect(syncContextFromEnv({ HOOKRUNNER_APP: 'nginx', HOOKRUNNER_OPERATION_ID: 'op-1', HOOKRUNNER_REVISION: 'abc', HOOKRUNNER_PHASE: 'PostSync' })).toEqual({
      app: 'nginx',
      operationId: 'op-1',
      revision: 'abc',
      phase: 'PostSync',
      outcome: 'Succeeded',
    });
  });

  it('should read HOOKRUNNER_FAILURE as a JSON task list, or as a message otherwise', () => {
    const failure = JSON.stringify([{ name: 'Pod/quick-fail-pod', phase: 'Sync', message: 'admission webhook denied' }, { nope: 1 }]);
    expect(syncContextFromEnv({ HOOKRUNNER_APP: 'nginx', HOOKRUNNER_PHASE: 'SyncFail', HOOKRUNNER_FAILURE: failure })).toEqual({
      app: 'nginx',
      phase: 'SyncFail',
      outcome: 'Failed',
      failedTasks: [{ name: 'Pod/quick-fail-pod', phase: 'Sync', message: 'admission webhook denied' }],
    });
    expect(syncContextFromEnv({ HOOKRUNNER_APP: 'nginx', HOOKRUNNER_FAILURE: 'Job/pre-job: BackoffLimitExceeded' })).toEqual({
      app: 'nginx',
      outcome: 'Failed',
      message: 'Job/pre-job: BackoffLimitExceeded',
    });
  });

  it('should be undefined without app and operation', () => {
    expect(syncContextFromEnv({ HOOKRUNNER_PHASE: 'PostSync' })).toBeUndefined();
  });
});
