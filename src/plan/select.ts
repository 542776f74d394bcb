/**
 * Selective sync (docs/semantics.md §9.9): which planned tasks a list of resources selects, and the
 * `GROUP:KIND:[NAMESPACE/]NAME` form Argo CD's `argocd app sync --resource` takes. Pure.
 */
import type { SyncTask } from './types.js';

/**
 * One resource of a selective sync, as Argo CD's `SyncOperationResource`: group, kind and name
 * match exactly, an empty or absent namespace matches any namespace, the version is ignored.
 */
export interface ResourceSelector {
  /** `''` for the core group. */
  group: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** At most this many resources in one selective sync. */
export const MAX_SELECTED_RESOURCES = 1000;

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;
const GROUP = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/;

/** `group:kind:namespace/name`, the way {@link parseResourceSelector} reads it. */
export function formatSelector(s: ResourceSelector): string {
  return `${s.group}:${s.kind}:${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
}

/** Whether `task` is one of the selected resources. */
export function selects(selector: ResourceSelector, task: Pick<SyncTask, 'group' | 'kind' | 'namespace' | 'name'>): boolean {
  return selector.group === task.group && selector.kind === task.kind && selector.name === task.name && (!selector.namespace || selector.namespace === task.namespace);
}

/** The tasks the selectors select (CreateNamespace's task is kept, as in Argo CD), and the selectors that select none. */
export function selectTasks(tasks: readonly SyncTask[], selectors: readonly ResourceSelector[]): { tasks: SyncTask[]; unmatched: ResourceSelector[] } {
  const kept = tasks.filter((t) => t.createNamespace || selectors.some((s) => selects(s, t)));
  const unmatched = selectors.filter((s) => !tasks.some((t) => selects(s, t)));
  return { tasks: kept, unmatched };
}

/** The problems of a selector, by field (empty when it is valid). */
export function selectorProblems(s: ResourceSelector): { field: keyof ResourceSelector; message: string }[] {
  const problems: { field: keyof ResourceSelector; message: string }[] = [];
  if (!GROUP.test(s.group) || s.group.length > 253) problems.push({ field: 'group', message: `"${s.group}" is not an API group (lower case DNS name, '' for the core group)` });
  if (!KIND.test(s.kind) || s.kind.length > 63) problems.push({ field: 'kind', message: `"${s.kind}" is not a kind (e.g. Deployment)` });
  if (s.namespace !== undefined && s.namespace !== '' && (!NAME.test(s.namespace) || s.namespace.length > 63)) problems.push({ field: 'namespace', message: `"${s.namespace}" is not a namespace name` });
  if (!NAME.test(s.name) || s.name.length > 253) problems.push({ field: 'name', message: `"${s.name}" is not an object name` });
  return problems;
}

/**
 * `GROUP:KIND:NAME` or `GROUP:KIND:NAMESPACE/NAME` (the group empty for the core group:
 * `:ConfigMap:app/settings`), as `argocd app sync --resource`.
 * @throws Error naming what is wrong.
 */
export function parseResourceSelector(text: string): ResourceSelector {
  const parts = text.split(':');
  if (parts.length !== 3) throw new Error(`"${text}" is not GROUP:KIND:[NAMESPACE/]NAME (e.g. apps:Deployment:web, :ConfigMap:app/settings)`);
  const [group = '', kind = '', rest = ''] = parts;
  const slash = rest.indexOf('/');
  const selector: ResourceSelector = slash < 0 ? { group, kind, name: rest } : { group, kind, namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
  const problems = selectorProblems(selector);
  if (problems.length > 0) throw new Error(`"${text}": ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`);
  return selector;
}
