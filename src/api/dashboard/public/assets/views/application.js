/* global setTimeout, clearTimeout */
/**
 * #/applications/<name> — the application's source, policy, sync status and health, a Sync form,
 * Edit, Delete… (confirmed inline), its resource tree and diff, the resources of its last
 * operation for a selective sync, and its operations, live.
 */
import { liveEvents } from '../api.js';
import { badge, duration, fill, h, notice, shortSha, timeEl } from '../dom.js';
import { deletePanel } from './delete.js';
import { diffPanel } from './diff.js';
import { resourcePicker } from './select.js';
import { healthBadge, syncBadge } from './status.js';
import { startSync } from './sync.js';
import { resourceTree } from './tree.js';

export function renderApplication(ctx, name) {
  ctx.setCrumbs(h('a', { href: '#/' }, 'Applications'), h('span', {}, name));
  const messages = h('div', { class: 'messages' });
  const details = h('dl', { class: 'facts' });
  const history = h('tbody');
  const revision = h('input', { id: 'sync-revision', name: 'revision', placeholder: 'target revision', class: 'mono' });
  const prune = h('input', { id: 'sync-prune', type: 'checkbox', name: 'prune' });
  const dryRun = h('input', { id: 'sync-dry-run', type: 'checkbox', name: 'dryRun' });
  const syncButton = h('button', { type: 'submit', class: 'primary', id: 'sync' }, 'Sync');
  const form = h(
    'form',
    {
      class: 'syncform',
      onsubmit: async (event) => {
        event.preventDefault();
        syncButton.disabled = true;
        const options = { ...(revision.value.trim() ? { revision: revision.value.trim() } : {}), ...(prune.checked ? { prune: true } : {}), ...(dryRun.checked ? { dryRun: true } : {}) };
        await startSync(ctx, name, options, messages);
        syncButton.disabled = false;
      },
    },
    h('label', { for: 'sync-revision' }, 'Revision'),
    revision,
    h('label', { class: 'check' }, prune, 'Prune'),
    h('label', { class: 'check' }, dryRun, 'Dry run'),
    syncButton,
  );
  const deleteButton = h('button', { type: 'button', class: 'danger', id: 'delete', 'aria-expanded': 'false', 'aria-controls': 'delete-panel', dataset: { testid: 'delete' } }, 'Delete…');
  const removal = deletePanel(ctx, name, {
    onClose: () => {
      deleteButton.setAttribute('aria-expanded', 'false');
      deleteButton.focus();
    },
  });
  deleteButton.addEventListener('click', () => {
    if (removal.isOpen()) removal.close();
    else removal.open();
    deleteButton.setAttribute('aria-expanded', String(removal.isOpen()));
  });
  const editLink = h('a', { class: 'button', id: 'edit', href: `#/applications/${encodeURIComponent(name)}/edit` }, 'Edit');
  const picker = resourcePicker(ctx, name, messages);
  const tree = resourceTree(ctx, name);
  const diff = diffPanel(ctx, name);
  const status = h('dl', { class: 'facts status-facts', id: 'app-status' });
  fill(
    ctx.main,
    h('div', { class: 'toolbar' }, h('h1', {}, name), h('div', { class: 'buttons' }, form, editLink, deleteButton)),
    messages,
    removal.element,
    h('div', { class: 'app-cards' }, h('section', { class: 'card' }, details), h('section', { class: 'card', 'aria-label': 'status' }, status)),
    tree.element,
    diff.element,
    picker.element,
    h('h2', {}, 'Operations'),
    h('table', { class: 'grid', id: 'history' }, h('thead', {}, h('tr', {}, ['OPERATION', 'PHASE', 'MESSAGE', 'REVISION', 'STARTED', 'DURATION', 'INITIATED BY'].map((c) => h('th', {}, c)))), history),
  );
  let refetch;
  let refresh;
  let opened = false;

  const fact = (label, ...value) => [h('dt', {}, label), h('dd', { dataset: { fact: label } }, ...value)];
  const drawStatus = (app) => {
    const st = app.status;
    fill(
      status,
      fact('SYNC STATUS', syncBadge(st), st?.sync?.revision ? h('span', { class: 'mono muted' }, ` to ${shortSha(st.sync.revision)}`) : null),
      fact('HEALTH', healthBadge(st?.health), st?.health?.message ? h('span', { class: 'muted' }, ` ${st.health.message}`) : null),
      fact('RECONCILED AT', timeEl(st?.reconciledAt)),
      st?.conditions?.length ? fact('CONDITIONS', h('ul', { class: 'conditions' }, st.conditions.map((c) => h('li', {}, h('strong', {}, c.type), ` ${c.message} `, timeEl(c.lastTransitionTime))))) : null,
    );
  };
  /** The tree and the diff, after the status changed (not on every operation event: a diff reads the cluster). */
  const loadStatusPanels = () => Promise.all([tree.load(), diff.load()]);
  const load = async () => {
    try {
      const [app, ops] = await Promise.all([ctx.call(`/applications/${encodeURIComponent(name)}`), ctx.call(`/applications/${encodeURIComponent(name)}/operations?limit=50`)]);
      revision.placeholder = app.source.targetRevision;
      drawStatus(app);
      const policy = app.syncPolicy;
      fill(
        details,
        fact('PROJECT', app.project ?? 'default'),
        fact('REPOSITORY', h('span', { class: 'mono' }, app.source.repoURL)),
        fact('PATH', h('span', { class: 'mono' }, app.source.path)),
        fact('TARGET REVISION', h('span', { class: 'mono' }, app.source.targetRevision)),
        fact('DESTINATION', app.destination.namespace, app.destination.server ? h('span', { class: 'muted' }, ` (${app.destination.server})`) : null),
        fact('CREATED', timeEl(app.createdAt), h('span', { class: 'muted' }, ' · updated '), h('span', { dataset: { fact: 'UPDATED' } }, timeEl(app.updatedAt))),
        fact('SYNC POLICY', policy.automated ? `automated${policy.automated.prune ? ', prune' : ''}` : 'manual', policy.syncOptions.length ? ` · ${policy.syncOptions.join(', ')}` : '', policy.retry ? ` · retry ${policy.retry.limit}` : ''),
      );
      fill(
        history,
        ops.items.length
          ? ops.items.map((op) =>
              h(
                'tr',
                { dataset: { operation: op.id } },
                h('td', { class: 'mono' }, h('a', { href: `#/operations/${encodeURIComponent(op.id)}` }, op.id)),
                h('td', {}, badge(op.phase)),
                h('td', { class: 'message' }, op.message),
                h('td', { class: 'mono', title: op.revision }, shortSha(op.revision)),
                h('td', {}, timeEl(op.startedAt)),
                h('td', {}, duration(op)),
                h('td', {}, op.initiatedBy),
              ),
            )
          : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No operations yet.')),
      );
      const lastId = app.lastOperation?.id ?? ops.items[0]?.id;
      picker.show(lastId ? await ctx.call(`/operations/${encodeURIComponent(lastId)}`) : null);
    } catch (err) {
      messages.append(notice(`Cannot load ${name}: ${err.message}`));
    }
  };
  const stop = liveEvents({
    query: `app=${encodeURIComponent(name)}`,
    onState: ctx.setLive,
    onOpen: () => {
      void load();
      // Read again after a reconnection (the first load is below).
      if (opened) void loadStatusPanels();
      opened = true;
    },
    onEvent: ({ event, data }) => {
      if (event === 'application') {
        if (data.name !== name) return;
        clearTimeout(refresh);
        refresh = setTimeout(() => {
          void load();
          void loadStatusPanels();
        }, 250);
        return;
      }
      if (event !== 'operation') return;
      clearTimeout(refetch);
      refetch = setTimeout(load, 250);
    },
  });
  void load();
  void loadStatusPanels();
  return () => {
    stop();
    clearTimeout(refetch);
    clearTimeout(refresh);
  };
}
