/**
 * What a project permits, with Argo CD's semantics (`pkg/apis/application/v1alpha1`
 * `IsSourcePermitted`, `IsDestinationPermitted`, `IsGroupKindNamePermitted`, `IsResourcePermitted`).
 * One difference of ours: a `sourceRepos` pattern reaches a `file://` URL only when the pattern
 * itself starts with `file://` (so `*` never reaches the server's own paths).
 */
import { argoGlobMatch, isDenyPattern, pathMatch } from './glob.js';
import { IN_CLUSTER } from './types.js';
import type { ClusterResourceItem, GroupKind, ProjectSpec, ResourceRef, ResourceViolation } from './types.js';

/** Argo CD's `git.NormalizeGitURL`: lower case, no `.git`, `git@host:path` → `git@host/path`, no `ssh://`. */
export function normalizeGitUrl(url: string): string {
  let repo = url.trim().toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*:\/\//.test(repo) && /^[^/:]*@[^@]+$/.test(repo)) repo = `ssh://${repo.replace(':', '/')}`;
  if (repo.endsWith('.git')) repo = repo.slice(0, -4);
  return repo.startsWith('ssh://') ? repo.slice('ssh://'.length) : repo;
}

const isFileUrl = (url: string): boolean => /^file:\/\//i.test(url.trim());

/** `IsSourcePermitted`: some non-deny pattern matches and no deny pattern excludes it (`/` separates path segments). */
export function isSourcePermitted(spec: Pick<ProjectSpec, 'sourceRepos'>, repoURL: string): boolean {
  const src = normalizeGitUrl(repoURL);
  const fileSource = isFileUrl(repoURL);
  let anyMatched = false;
  for (const pattern of spec.sourceRepos) {
    const deny = isDenyPattern(pattern);
    const bare = deny ? pattern.slice(1) : pattern;
    // Ours: only a file:// pattern reaches a file:// URL (a deny pattern still denies).
    if (fileSource && !isFileUrl(bare) && !deny) continue;
    const normalized = deny ? `!${normalizeGitUrl(bare)}` : normalizeGitUrl(bare);
    const matched = argoGlobMatch(normalized, src, '/');
    if (matched) anyMatched = true;
    else if (deny) return false;
  }
  return anyMatched;
}

/** `isDestinationMatched` for our one cluster (server `https://kubernetes.default.svc`, name `in-cluster` unless given). */
export function isDestinationPermitted(spec: Pick<ProjectSpec, 'destinations'>, namespace: string, cluster: { server?: string; name?: string } = IN_CLUSTER): boolean {
  const server = cluster.server ?? '';
  const name = cluster.name ?? '';
  let anyMatched = false;
  for (const item of spec.destinations) {
    const itemName = item.name ?? '';
    const itemServer = item.server ?? '';
    const nameMatched = name !== '' && argoGlobMatch(itemName, name);
    const serverMatched = server !== '' && argoGlobMatch(itemServer, server);
    const namespaceMatched = argoGlobMatch(item.namespace, namespace);
    if ((serverMatched || nameMatched) && namespaceMatched) anyMatched = true;
    else if ((!nameMatched && isDenyPattern(itemName)) || (!serverMatched && isDenyPattern(itemServer) && namespaceMatched)) return false;
    else if (!namespaceMatched && isDenyPattern(item.namespace) && serverMatched) return false;
  }
  return anyMatched;
}

function inList(res: GroupKind, list: readonly GroupKind[]): boolean {
  return list.some((item) => pathMatch(item.kind, res.kind) && pathMatch(item.group, res.group));
}

function inNamedList(res: GroupKind, name: string, list: readonly ClusterResourceItem[]): boolean {
  return list.some((item) => pathMatch(item.kind, res.kind) && pathMatch(item.group, res.group) && (!item.name || pathMatch(item.name, name)));
}

/** `IsGroupKindNamePermitted`: namespaced kinds by the namespace lists (no whitelist = all), cluster kinds only when whitelisted. */
export function isGroupKindPermitted(spec: ProjectSpec, gk: GroupKind, name: string, namespaced: boolean): boolean {
  if (namespaced) {
    const white = spec.namespaceResourceWhitelist;
    const whiteListed = white === undefined || (white.length !== 0 && inList(gk, white));
    return whiteListed && !inList(gk, spec.namespaceResourceBlacklist);
  }
  return inNamedList(gk, name, spec.clusterResourceWhitelist) && !inNamedList(gk, name, spec.clusterResourceBlacklist);
}

/** `IsResourcePermitted`: the kind, and for a namespaced resource its namespace as a destination. */
export function isResourcePermitted(spec: ProjectSpec, res: ResourceRef): boolean {
  const namespaced = res.namespace !== undefined && res.namespace !== '';
  if (!isGroupKindPermitted(spec, res, res.name, namespaced)) return false;
  return namespaced ? isDestinationPermitted(spec, res.namespace as string) : true;
}

/** `group:Kind` as Argo CD prints a GroupKind in messages. */
export const groupKindText = (gk: GroupKind): string => `${gk.group}:${gk.kind}`;

/** Every resource the project refuses, each with Argo CD's message. */
export function resourceViolations(project: { name: string; spec: ProjectSpec }, resources: readonly ResourceRef[]): ResourceViolation[] {
  const out: ResourceViolation[] = [];
  for (const res of resources) {
    const namespaced = res.namespace !== undefined && res.namespace !== '';
    if (!isGroupKindPermitted(project.spec, res, res.name, namespaced)) {
      out.push({ resource: res, message: `resource ${groupKindText(res)} is not permitted in project ${project.name}` });
    } else if (namespaced && !isDestinationPermitted(project.spec, res.namespace as string)) {
      out.push({ resource: res, message: `namespace ${res.namespace as string} is not permitted in project '${project.name}'` });
    }
  }
  return out;
}
