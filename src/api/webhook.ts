/**
 * Git push webhooks from GitHub and GitLab: verify them, read the repository and branch, and find
 * the automated applications they concern.
 * - GitHub: `X-Hub-Signature-256: sha256=<hex>` = HMAC-SHA256 of the raw body with the secret.
 * - GitLab: `X-Gitlab-Token` equal to the secret.
 * Both compared in constant time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { normalizeRepoUrl } from '../sources/index.js';
import type { ApplicationRecord } from '../store/index.js';

export type WebhookProvider = 'github' | 'gitlab';

export type WebhookVerdict = { ok: true; provider: WebhookProvider; event: string } | { ok: false; reason: string };

const equalDigests = (a: string | Buffer, b: string | Buffer): boolean => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/** Check a webhook's signature (GitHub) or token (GitLab) against the secret. */
export function verifyWebhook(input: { headers: Readonly<Record<string, string | string[] | undefined>>; rawBody: Buffer; secret: string }): WebhookVerdict {
  const header = (name: string): string | undefined => {
    const v = input.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const githubEvent = header('x-github-event');
  const gitlabEvent = header('x-gitlab-event');
  if (githubEvent !== undefined) {
    const signature = header('x-hub-signature-256');
    if (!signature) return { ok: false, reason: 'X-Hub-Signature-256 is missing' };
    const expected = `sha256=${createHmac('sha256', input.secret).update(input.rawBody).digest('hex')}`;
    return equalDigests(signature.toLowerCase(), expected) ? { ok: true, provider: 'github', event: githubEvent } : { ok: false, reason: 'X-Hub-Signature-256 does not match the body' };
  }
  if (gitlabEvent !== undefined) {
    const token = header('x-gitlab-token');
    if (!token) return { ok: false, reason: 'X-Gitlab-Token is missing' };
    return equalDigests(token, input.secret) ? { ok: true, provider: 'gitlab', event: gitlabEvent } : { ok: false, reason: 'X-Gitlab-Token does not match' };
  }
  return { ok: false, reason: 'neither X-GitHub-Event nor X-Gitlab-Event is present' };
}

/** What a push says. */
export interface PushEvent {
  /** Every URL form of the repository the payload gives (https, ssh, web). */
  repoUrls: string[];
  /** `refs/heads/main` → `main` for branches; tags keep `refs/tags/…`. */
  ref: string;
  branch?: string;
  tag?: string;
  defaultBranch?: string;
  /** The pushed commit, when not a deletion. */
  after?: string;
  deleted: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Read a push payload, or say which field is missing. `event` is the provider's event header. */
export function parsePush(provider: WebhookProvider, payload: Record<string, unknown>): { push: PushEvent } | { error: { field: string; message: string } } {
  const ref = str(payload['ref']);
  if (!ref) return { error: { field: 'ref', message: 'is required in a push event' } };
  const after = str(payload['after']);
  let urls: (string | undefined)[];
  let defaultBranch: string | undefined;
  if (provider === 'github') {
    const repo = obj(payload['repository']);
    urls = [repo['clone_url'], repo['ssh_url'], repo['git_url'], repo['html_url'], repo['url']].map(str);
    defaultBranch = str(repo['default_branch']) ?? str(repo['master_branch']);
  } else {
    const project = obj(payload['project']);
    const repo = obj(payload['repository']);
    urls = [project['git_http_url'], project['git_ssh_url'], project['web_url'], repo['git_http_url'], repo['git_ssh_url'], repo['homepage'], repo['url']].map(str);
    defaultBranch = str(project['default_branch']);
  }
  const repoUrls = [...new Set(urls.filter((u): u is string => u !== undefined))];
  if (repoUrls.length === 0) return { error: { field: provider === 'github' ? 'repository.clone_url' : 'project.git_http_url', message: 'is required in a push event' } };
  const deleted = payload['deleted'] === true || (after !== undefined && /^0+$/.test(after));
  return {
    push: {
      repoUrls,
      ref,
      ...(ref.startsWith('refs/heads/') ? { branch: ref.slice('refs/heads/'.length) } : {}),
      ...(ref.startsWith('refs/tags/') ? { tag: ref.slice('refs/tags/'.length) } : {}),
      ...(defaultBranch ? { defaultBranch } : {}),
      ...(after && !deleted ? { after } : {}),
      deleted,
    },
  };
}

/** Does a push concern this application's source: same repository, and its target revision is the pushed branch or tag (`HEAD` = the default branch)? */
export function pushMatches(app: Pick<ApplicationRecord, 'source'>, push: PushEvent): boolean {
  const repo = normalizeRepoUrl(app.source.repoURL);
  if (!push.repoUrls.some((u) => normalizeRepoUrl(u) === repo)) return false;
  const target = app.source.targetRevision || 'HEAD';
  if (push.branch !== undefined) {
    if (target === 'HEAD') return push.defaultBranch !== undefined && push.branch === push.defaultBranch;
    return target === push.branch || target === push.ref;
  }
  if (push.tag !== undefined) return target === push.tag || target === push.ref;
  return false;
}
