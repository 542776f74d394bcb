/**
 * The application's resources as a tree (`GET /api/v1/applications/<name>/resource-tree`): its
 * own resources at the top, what they own below them by owner references (Deployment →
 * ReplicaSet → Pod, Job → Pod, CronJob → Job → Pod), each with its kind, name, sync status (the
 * application's own resources) and health.
 */
import { ApiError } from '../api.js';
import { fill, h, timeEl } from '../dom.js';
import { healthBadge, syncBadge } from './status.js';

const KIND_ORDER = ['Namespace', 'ServiceAccount', 'Secret', 'ConfigMap', 'PersistentVolumeClaim', 'Service', 'Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job', 'ReplicaSet', 'Pod'];
const rank = (kind) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);
const identity = (r) => `${r.group ?? ''}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

/** Nodes → roots with `children`, each list sorted by kind then name; a node whose parents are all unknown is a root. */
export function buildTree(nodes) {
  const byUid = new Map();
  const byIdentity = new Map();
  const entries = nodes.map((node) => ({ node, children: [] }));
  for (const e of entries) {
    if (e.node.uid) byUid.set(e.node.uid, e);
    byIdentity.set(identity(e.node), e);
  }
  const roots = [];
  for (const e of entries) {
    const parents = (e.node.parentRefs ?? []).map((p) => (p.uid && byUid.get(p.uid)) || byIdentity.get(identity(p))).filter((p) => p && p !== e);
    if (parents.length) for (const p of parents) p.children.push(e);
    else roots.push(e);
  }
  const sort = (list) => {
    list.sort((a, b) => rank(a.node.kind) - rank(b.node.kind) || a.node.kind.localeCompare(b.node.kind) || a.node.name.localeCompare(b.node.name));
    for (const e of list) sort(e.children);
    return list;
  };
  return sort(roots);
}

function item(entry, depth, seen) {
  const { node, children } = entry;
  // A cycle in owner references (never from a real cluster) is drawn once.
  const loop = seen.has(entry);
  const next = new Set(seen).add(entry);
  return h(
    'li',
    { class: 'tree-item', dataset: { kind: node.kind, name: node.name, namespace: node.namespace ?? '', depth: String(depth) } },
    h(
      'div',
      { class: `tree-node${depth === 0 ? ' top' : ''}` },
      h('span', { class: 'tree-kind' }, node.kind),
      h('span', { class: 'tree-name mono' }, node.name),
      node.namespace ? h('span', { class: 'muted tree-ns' }, node.namespace) : null,
      h('span', { class: 'tree-badges' }, node.status ? syncBadge({ status: node.status }) : null, node.health ? healthBadge(node.health) : null),
      node.createdAt ? h('span', { class: 'tree-created muted' }, 'created ', timeEl(node.createdAt)) : null,
    ),
    children.length && !loop ? h('ul', { class: 'tree-children', 'aria-label': `owned by ${node.kind} ${node.name}` }, children.map((c) => item(c, depth + 1, next))) : null,
  );
}

/** @returns { element, load() } */
export function resourceTree(ctx, name) {
  const body = h('div', { class: 'tree-body' });
  const count = h('span', { class: 'muted' });
  const element = h('section', { id: 'tree', class: 'panel', 'aria-labelledby': 'tree-title' }, h('div', { class: 'toolbar' }, h('h2', { id: 'tree-title' }, 'Resource tree'), count), body);
  let shown = '';

  async function load() {
    let nodes;
    try {
      nodes = (await ctx.call(`/applications/${encodeURIComponent(name)}/resource-tree`)).nodes ?? [];
    } catch (err) {
      shown = '';
      count.textContent = '';
      const text = err instanceof ApiError && err.status === 503 ? 'No cluster connection: the tree cannot be read.' : err instanceof ApiError && err.problem.type === 'urn:hookrunner:problem:no-route' ? 'This server does not serve resource trees.' : `Cannot read the resource tree: ${err.message}`;
      fill(body, h('p', { class: 'muted', role: 'status' }, text));
      return;
    }
    // Redraw only what changed, so a long tree does not jump on every event.
    const next = JSON.stringify(nodes);
    if (next === shown) return;
    shown = next;
    const roots = buildTree(nodes);
    count.textContent = `${nodes.length} resource${nodes.length === 1 ? '' : 's'}`;
    fill(
      body,
      roots.length
        ? h('ul', { class: 'tree', 'aria-label': `resources of ${name}` }, roots.map((r) => item(r, 0, new Set())))
        : h('p', { class: 'muted' }, 'No resources in the cluster yet: sync the application to create them.'),
    );
  }
  return { element, load };
}
