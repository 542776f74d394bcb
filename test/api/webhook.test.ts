import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePush, pushMatches, verifyWebhook } from '../../src/api/index.js';
import type { PushEvent } from '../../src/api/index.js';

const SECRET = 'webhook-secret-1234';
const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main' }));
const sign = (raw: Buffer, secret = SECRET): string => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

describe('when a webhook is verified', () => {
  it('should accept a GitHub HMAC-SHA256 signature of the raw body', () => {
    expect(verifyWebhook({ headers: { 'x-github-event': 'push', 'x-hub-signature-256': sign(body) }, rawBody: body, secret: SECRET })).toEqual({ ok: true, provider: 'github', event: 'push' });
  });

  it('should refuse a signature of another body, another secret, or none', () => {
    const other = Buffer.from(JSON.stringify({ ref: 'refs/heads/evil' }));
    expect(verifyWebhook({ headers: { 'x-github-event': 'push', 'x-hub-signature-256': sign(other) }, rawBody: body, secret: SECRET }).ok).toBe(false);
    expect(verifyWebhook({ headers: { 'x-github-event': 'push', 'x-hub-signature-256': sign(body, 'wrong-secret') }, rawBody: body, secret: SECRET }).ok).toBe(false);
    expect(verifyWebhook({ headers: { 'x-github-event': 'push' }, rawBody: body, secret: SECRET })).toEqual({ ok: false, reason: 'X-Hub-Signature-256 is missing' });
  });

  it('should accept a GitLab token equal to the secret and refuse another', () => {
    expect(verifyWebhook({ headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET }, rawBody: body, secret: SECRET }).ok).toBe(true);
    expect(verifyWebhook({ headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'nope' }, rawBody: body, secret: SECRET }).ok).toBe(false);
  });

  it('should refuse a request from neither provider', () => {
    expect(verifyWebhook({ headers: {}, rawBody: body, secret: SECRET }).ok).toBe(false);
  });
});

describe('when a push payload is read', () => {
  it('should take every URL form and the branch of a GitHub push', () => {
    const parsed = parsePush('github', {
      ref: 'refs/heads/main',
      after: 'a'.repeat(40),
      repository: { clone_url: 'https://github.com/Org/Repo.git', ssh_url: 'git@github.com:Org/Repo.git', html_url: 'https://github.com/Org/Repo', default_branch: 'main' },
    });
    expect(parsed).toEqual({ push: { repoUrls: ['https://github.com/Org/Repo.git', 'git@github.com:Org/Repo.git', 'https://github.com/Org/Repo'], ref: 'refs/heads/main', branch: 'main', defaultBranch: 'main', after: 'a'.repeat(40), deleted: false } });
  });

  it('should read a GitLab push and see a branch deletion', () => {
    const parsed = parsePush('gitlab', { ref: 'refs/heads/dev', after: '0'.repeat(40), project: { git_http_url: 'https://gitlab.com/g/p.git', git_ssh_url: 'git@gitlab.com:g/p.git', default_branch: 'main' } });
    expect('push' in parsed && parsed.push.deleted).toBe(true);
    expect('push' in parsed && parsed.push.branch).toBe('dev');
  });

  it('should name the missing field', () => {
    expect(parsePush('github', { repository: {} })).toEqual({ error: { field: 'ref', message: 'is required in a push event' } });
    expect(parsePush('github', { ref: 'refs/heads/main', repository: {} })).toEqual({ error: { field: 'repository.clone_url', message: 'is required in a push event' } });
  });
});

describe('when a push is matched against an application', () => {
  const push: PushEvent = { repoUrls: ['https://github.com/org/repo.git', 'git@github.com:org/repo.git'], ref: 'refs/heads/main', branch: 'main', defaultBranch: 'main', deleted: false };
  const app = (repoURL: string, targetRevision: string) => ({ source: { repoURL, path: '.', targetRevision } });

  it('should match the same repository spelled differently, on the same branch', () => {
    expect(pushMatches(app('ssh://git@github.com/Org/Repo', 'main'), push)).toBe(true);
    expect(pushMatches(app('https://github.com/org/repo', 'refs/heads/main'), push)).toBe(true);
  });

  it('should match HEAD to the default branch only', () => {
    expect(pushMatches(app('https://github.com/org/repo', 'HEAD'), push)).toBe(true);
    expect(pushMatches(app('https://github.com/org/repo', 'HEAD'), { ...push, ref: 'refs/heads/dev', branch: 'dev' })).toBe(false);
  });

  it('should match a pushed tag to an application that follows it', () => {
    const tagPush: PushEvent = { ...push, ref: 'refs/tags/v1.2.0', tag: 'v1.2.0' };
    delete tagPush.branch;
    expect(pushMatches(app('https://github.com/org/repo', 'v1.2.0'), tagPush)).toBe(true);
    expect(pushMatches(app('https://github.com/org/repo', 'main'), tagPush)).toBe(false);
  });

  it('should not match another branch, a sha or another repository', () => {
    expect(pushMatches(app('https://github.com/org/repo', 'dev'), push)).toBe(false);
    expect(pushMatches(app('https://github.com/org/repo', 'a'.repeat(40)), push)).toBe(false);
    expect(pushMatches(app('https://github.com/org/other', 'main'), push)).toBe(false);
  });
});
