/**
 * Counting from the outside: the dev cluster's audit log (Jobs created) and the dev chat
 * server's posts; never hookrunner's own records. Pure functions.
 */
import type { AuditEntry } from '../../src/devcluster/index.js';
import type { MattermostPost } from '../../src/devchat/index.js';

/** Jobs created more than once in a namespace (a 201 to a create or server-side-apply patch), summed over namespaces: each extra creation counts one. */
export function duplicateJobs(audit: AuditEntry[], namespaces: Set<string>): number {
  const created = new Map<string, number>();
  for (const e of audit) {
    if (e.source !== 'api' || e.kind !== 'Job' || e.code !== 201 || (e.verb !== 'create' && e.verb !== 'patch') || e.subresource) continue;
    if (!e.namespace || !namespaces.has(e.namespace)) continue;
    const key = `${e.namespace}/${e.name ?? ''}`;
    created.set(key, (created.get(key) ?? 0) + 1);
  }
  let extra = 0;
  for (const n of created.values()) extra += n - 1;
  return extra;
}

/** The kind of a post: `thread` for the root post, else its first line without counts and details (`PreSync done`, `✅ app: sync succeeded`). */
export function postKind(post: MattermostPost): string {
  if (post.root_id === '') return 'thread';
  const first = post.message.split('\n')[0] ?? '';
  return first.split(' · ')[0]!.replace(/\s*\(\d+ tasks?\)/, '').replace(/ for \S+$/, '').trim();
}

/** The first line of a post without its details (`✅ app: sync succeeded`). */
function headline(post: MattermostPost): string {
  return (post.message.split('\n')[0] ?? '').split(' · ')[0]!.trim();
}

/** The application a post is about: the name (from `apps`) it mentions, longest first. */
function appOf(post: MattermostPost, apps: string[]): string | undefined {
  return apps.find((a) => new RegExp(`\\b${a}\\b`).test(post.message));
}

export interface PostCounts {
  /** Extra posts for the same (application's operation, kind). */
  duplicatePosts: number;
  /** Succeeded operations whose thread lacks one of the expected kinds. */
  missingPosts: number;
  /** `app: kind, kind` for each operation counted in `missingPosts`. */
  missing: string[];
}

/** Each application is synced once, so (application, kind) is (operation, kind). Replies are attributed to their thread's application. */
export function countPosts(posts: MattermostPost[], apps: string[], succeededApps: Set<string>, expectedKinds: (app: string) => string[]): PostCounts {
  const sorted = [...apps].sort((a, b) => b.length - a.length);
  const threadApp = new Map<string, string>();
  for (const p of posts) if (p.root_id === '') {
    const app = appOf(p, sorted);
    if (app) threadApp.set(p.id, app);
  }
  const seen = new Map<string, number>();
  for (const p of posts) {
    const app = p.root_id === '' ? appOf(p, sorted) : threadApp.get(p.root_id);
    if (!app) continue;
    const key = `${app}\u0000${postKind(p)}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  // A thread first posted when the operation had ended already shows the outcome; the delivery
  // rules (notifications/triggers.ts) send no outcome reply then, since the post itself notified.
  for (const p of posts) {
    if (p.root_id !== '' || p.patches > 0) continue;
    const app = appOf(p, sorted);
    const key = app ? `${app}\u0000${headline(p)}` : undefined;
    if (key) seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  let duplicatePosts = 0;
  for (const n of seen.values()) duplicatePosts += n - 1;
  const missing: string[] = [];
  for (const app of succeededApps) {
    const lacking = expectedKinds(app).filter((k) => !seen.has(`${app}\u0000${k}`));
    if (lacking.length > 0) missing.push(`${app}: ${lacking.join(', ')}`);
  }
  return { duplicatePosts, missingPosts: missing.length, missing };
}

/**
 * Recovery of one fault: for each operation still running at `faultAt`, the time to its next
 * progress — its first cluster write by hookrunner (audit: a server-side apply with field manager
 * `hookrunner`, or a delete, in its namespace; not the dev cluster's own status updates) answered after
 * `resumeFrom`, or its end if that comes first; the longest of them, from `faultAt`.
 */
export function recoveryMs(faultAt: number, resumeFrom: number, affected: { namespace: string; finishedAt: number | undefined }[], audit: AuditEntry[]): number | undefined {
  let worst: number | undefined;
  for (const op of affected) {
    const write = audit.find((e) => e.source === 'api' && e.namespace === op.namespace && e.time > resumeFrom && (e.fieldManager === 'hookrunner' || e.verb === 'delete'));
    const candidates = [write?.time, op.finishedAt].filter((t): t is number => t !== undefined && t > resumeFrom);
    if (candidates.length === 0) continue;
    const ms = Math.min(...candidates) - faultAt;
    worst = worst === undefined ? ms : Math.max(worst, ms);
  }
  return worst;
}
