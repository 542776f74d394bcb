/* global setTimeout, clearTimeout */
/**
 * #/ — every application with its sync status and health (Argo CD's badges), its last operation,
 * updated live (`operation` and `application` events); a Sync button per row; New application.
 */
import { liveEvents } from '../api.js';
import { badge, duration, fill, h, notice, shortSha, timeEl } from '../dom.js';
import { healthBadge, syncBadge } from './status.js';
import { startSync } from './sync.js';

export function renderApplications(ctx) {
  ctx.setCrumbs(h('span', {}, 'Applications'));
  const messages = h('div', { class: 'messages' });
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'grid', id: 'applications' },
    h('thead', {}, h('tr', {}, ['NAME', 'SYNC STATUS', 'HEALTH', 'SOURCE', 'DESTINATION', 'LAST OPERATION', 'STARTED', 'DURATION', ''].map((c) => h('th', {}, c)))),
    body,
  );
  const empty = h('p', { class: 'empty', hidden: true }, 'No applications yet. ', h('a', { href: '#/new' }, 'Create one'), ' from an Argo CD Application manifest (or POST it to /api/v1/applications, YAML or JSON).');
  const create = h('a', { class: 'button primary', href: '#/new', id: 'new-application' }, 'New application');
  fill(ctx.main, h('div', { class: 'toolbar' }, h('h1', {}, 'Applications'), h('div', { class: 'buttons' }, create)), messages, table, empty);
  let apps = [];
  let refetch;

  const row = (app) => {
    const last = app.lastOperation;
    const syncButton = h('button', { type: 'button', class: 'small', 'data-action': 'sync', onclick: () => startSync(ctx, app.name, {}, messages) }, 'Sync');
    return h(
      'tr',
      { dataset: { app: app.name } },
      h('td', { class: 'nowrap' }, h('a', { href: `#/applications/${encodeURIComponent(app.name)}` }, app.name)),
      h('td', { dataset: { col: 'sync' } }, syncBadge(app.status)),
      h('td', { dataset: { col: 'health' } }, healthBadge(app.status?.health)),
      h(
        'td',
        { class: 'source' },
        h('div', { class: 'mono clip', title: app.source.repoURL }, app.source.repoURL),
        h('div', { class: 'mono muted clip', title: `${app.source.path} at ${app.source.targetRevision}` }, app.source.path, ' @ ', app.source.targetRevision),
      ),
      h('td', {}, app.destination.namespace),
      h('td', { class: 'nowrap' }, last ? h('a', { href: `#/operations/${encodeURIComponent(last.id)}` }, badge(last.phase), ' ', h('span', { class: 'mono muted' }, shortSha(last.revision))) : h('span', { class: 'muted' }, 'never synced')),
      h('td', {}, last ? timeEl(last.startedAt) : '-'),
      h('td', {}, last ? duration(last) : '-'),
      h('td', { class: 'actions' }, syncButton),
    );
  };
  const draw = () => {
    fill(body, apps.map(row));
    empty.hidden = apps.length > 0;
  };
  const load = async () => {
    try {
      apps = (await ctx.call('/applications')).items;
      draw();
    } catch (err) {
      messages.append(notice(`Cannot load the applications: ${err.message}`));
    }
  };
  const stop = liveEvents({
    onState: ctx.setLive,
    onOpen: load,
    onEvent: ({ event, data }) => {
      if (event === 'application') {
        const app = apps.find((a) => a.name === data.name);
        if (app) {
          app.status = data.status;
          draw();
        } else {
          clearTimeout(refetch);
          refetch = setTimeout(load, 300);
        }
        return;
      }
      if (event !== 'operation') return;
      const app = apps.find((a) => a.name === data.operation.app);
      if (!app) return;
      if (app.lastOperation?.id === data.operation.id) {
        Object.assign(app.lastOperation, { phase: data.operation.phase, message: data.operation.message });
        draw();
      }
      clearTimeout(refetch);
      refetch = setTimeout(load, 300);
    },
  });
  void load();
  return () => {
    stop();
    clearTimeout(refetch);
  };
}
