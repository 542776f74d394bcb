/**
 * An application's sync status and health as Argo CD draws them: Synced green, OutOfSync yellow;
 * Healthy green, Progressing blue (turning), Degraded red, Suspended and Unknown grey, Missing
 * yellow. The word is always written out; the glyph before it is decoration.
 */
import { h, shortSha } from '../dom.js';

const SYNC = {
  Synced: { tone: 'synced', glyph: '✓' },
  OutOfSync: { tone: 'outofsync', glyph: '↑' },
  Unknown: { tone: 'unknown', glyph: '?' },
};

const HEALTH = {
  Healthy: { tone: 'healthy', glyph: '♥' },
  Progressing: { tone: 'progressing', glyph: '◔' },
  Degraded: { tone: 'degraded', glyph: '✕' },
  Suspended: { tone: 'suspended', glyph: '❚❚' },
  Missing: { tone: 'missing', glyph: '◌' },
  Unknown: { tone: 'unknown', glyph: '?' },
};

function statusBadge(kind, table, value, title) {
  const text = value || 'Unknown';
  const look = table[text] ?? table.Unknown;
  return h(
    'span',
    { class: `status ${kind} st-${look.tone}`, dataset: { [kind]: text }, title: title || undefined },
    h('span', { class: 'glyph', 'aria-hidden': 'true' }, look.glyph),
    h('span', { class: 'word' }, text),
  );
}

/** From an application's `status` (or a resource): its sync status, with the compared revision in the title. */
export function syncBadge(status) {
  const sync = typeof status?.sync === 'object' ? status.sync : { status: status?.status };
  const revision = sync?.revision ? `compared with ${shortSha(sync.revision)}` : '';
  return statusBadge('sync', SYNC, sync?.status, revision);
}

/** `{ status, message }` → the health badge, the message as its title. */
export function healthBadge(health) {
  return statusBadge('health', HEALTH, health?.status, health?.message);
}

/** A resource's `group/kind/namespace/name` (the key the tree, the diff and the status list share). */
export const resourceKey = (r) => `${r.group ?? ''}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
