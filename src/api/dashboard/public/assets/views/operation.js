/* global setInterval, clearInterval, setTimeout, clearTimeout */
/**
 * #/operations/<id> — the operation's tasks grouped by phase and wave, with their start and end
 * times and the tasks still to come (views/tasks.js), updated live; hook logs expandable; Sync,
 * Terminate, and the confirmation of held prunes or deletions.
 */
import { ApiError, liveEvents } from '../api.js';
import { badge, duration, fill, h, isDone, notice, timeEl } from '../dom.js';
import { startSync } from './sync.js';
import { taskTable } from './tasks.js';

/** 'deletion', 'dry-run sync' or 'sync'. */
function operationKind(doc) {
  if (doc.operation.kind === 'deletion') return 'deletion';
  return doc.operation.dryRun ? 'dry-run sync' : 'sync';
}

export function renderOperation(ctx, id) {
  const messages = h('div', { class: 'messages' });
  /** §9.1, §11: shown while the operation holds for Prune=confirm / Delete=confirm. */
  const confirmation = h('section', { class: 'card confirm-panel', id: 'confirmation', hidden: true });
  const facts = h('dl', { class: 'facts wide' });
  const warnings = h('div');
  const tasks = taskTable();
  const syncButton = h('button', { type: 'button', id: 'sync', class: 'primary' }, 'Sync');
  const terminateButton = h('button', { type: 'button', id: 'terminate', class: 'danger' }, 'Terminate');
  const title = h('h1', { id: 'title' }, 'Operation');
  fill(
    ctx.main,
    h('div', { class: 'toolbar' }, title, h('div', { class: 'buttons' }, syncButton, terminateButton)),
    messages,
    confirmation,
    h('section', { class: 'card' }, facts),
    warnings,
    h('h2', {}, 'Tasks by phase and wave'),
    tasks.element,
  );
  let doc;
  let refetch;

  const fact = (label, ...value) => [h('dt', {}, label), h('dd', { dataset: { fact: label } }, ...value)];
  const drawHeader = () => {
    const op = doc.operation;
    const kind = operationKind(doc);
    title.textContent = `${op.app} · ${kind}`;
    ctx.setCrumbs(h('a', { href: '#/' }, 'Applications'), h('a', { href: `#/applications/${encodeURIComponent(op.app)}` }, op.app), h('span', { class: 'mono' }, op.id));
    fill(
      facts,
      fact('OPERATION', { deletion: 'Delete', 'dry-run sync': 'Sync (dry run)', sync: 'Sync' }[kind]),
      fact('PHASE', badge(op.phase, { id: 'phase' })),
      fact('MESSAGE', h('span', { id: 'message' }, op.message)),
      fact('STARTED AT', timeEl(op.startedAt)),
      fact('DURATION', h('span', { id: 'duration' }, duration(op))),
      fact('FINISHED AT', timeEl(op.finishedAt)),
      fact('REVISION', h('span', { class: 'mono' }, op.revision)),
      fact('INITIATED BY', op.initiatedBy),
    );
    terminateButton.disabled = isDone(op.phase) || op.phase === 'Terminating';
    // After a deletion succeeded the application is gone: nothing to sync.
    syncButton.hidden = kind === 'deletion' && op.phase === 'Succeeded';
    drawConfirmation(op);
    fill(warnings, doc.warnings?.length ? h('details', { class: 'card warnings' }, h('summary', {}, `${doc.warnings.length} warning(s) (D9)`), h('ul', {}, doc.warnings.map((w) => h('li', {}, `${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`)))) : null);
  };
  const drawConfirmation = (op) => {
    const waiting = op.awaitingConfirmation;
    confirmation.hidden = !waiting;
    if (!waiting) return;
    const confirmButton = h('button', { type: 'button', id: 'confirm', class: 'danger' }, waiting.kind === 'deletion' ? 'Confirm deletion' : 'Confirm pruning');
    confirmButton.addEventListener('click', async () => {
      confirmButton.disabled = true;
      try {
        await ctx.call(`/operations/${encodeURIComponent(id)}/confirm`, { method: 'POST' });
        messages.append(notice(`${waiting.kind === 'deletion' ? 'Deletion' : 'Pruning'} confirmed.`, 'ok'));
      } catch (err) {
        messages.append(notice(`Cannot confirm: ${err.message}`));
        confirmButton.disabled = false;
      }
      void load();
    });
    fill(
      confirmation,
      h('p', {}, `This operation waits for you: ${waiting.kind === 'deletion' ? 'deleting' : 'pruning'} these resources needs a confirmation (${waiting.kind === 'deletion' ? 'Delete=confirm' : 'Prune=confirm'}). Until then it holds, up to its deadline.`),
      h('ul', { class: 'mono' }, waiting.resources.map((r) => h('li', {}, r))),
      h('div', { class: 'buttons' }, confirmButton),
    );
  };
  const drawRows = () => tasks.draw(doc);
  const load = async () => {
    try {
      const full = await ctx.call(`/operations/${encodeURIComponent(id)}`);
      if (doc && full.operation.version < doc.operation.version) return;
      doc = full;
      drawHeader();
      drawRows();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) fill(ctx.main, notice(`Operation ${id} not found.`), h('p', {}, h('a', { href: '#/' }, 'Back to the applications')));
      else messages.append(notice(`Cannot load the operation: ${err.message}`));
    }
  };

  syncButton.addEventListener('click', async () => {
    if (!doc) return;
    syncButton.disabled = true;
    await startSync(ctx, doc.operation.app, {}, messages);
    syncButton.disabled = false;
  });
  terminateButton.addEventListener('click', async () => {
    terminateButton.disabled = true;
    try {
      await ctx.call(`/operations/${encodeURIComponent(id)}/terminate`, { method: 'POST' });
      messages.append(notice('Termination requested: running hooks are stopped (§10.1).', 'ok'));
    } catch (err) {
      messages.append(notice(`Cannot terminate: ${err.message}`));
    }
    void load();
  });

  const tick = setInterval(() => {
    const el = ctx.main.querySelector('#duration');
    if (doc && el && !isDone(doc.operation.phase)) el.textContent = duration(doc.operation);
    tasks.tick();
  }, 1000);
  const stop = liveEvents({
    query: `operation=${encodeURIComponent(id)}`,
    onState: ctx.setLive,
    onOpen: load,
    onEvent: ({ event, data }) => {
      if (event !== 'operation' || !doc || data.operation.version <= doc.operation.version) return;
      Object.assign(doc.operation, { phase: data.operation.phase, message: data.operation.message, version: data.operation.version });
      // The live event says whether it still waits; the resources come with the full document.
      if (!data.operation.awaitingConfirmation) doc.operation.awaitingConfirmation = null;
      // Live rows have no logs (and may lack times): keep what the full document gave until it is read again.
      const before = new Map(doc.resources.map((r) => [r.key, r]));
      doc.resources = data.resources.map((r) => ({ ...before.get(r.key), ...r }));
      // A task leaves the tasks still to come when its first row arrives.
      const started = new Set(doc.resources.map((r) => r.key));
      doc.pending = (doc.pending ?? []).filter((t) => !started.has(t.key));
      drawHeader();
      drawRows();
      // The live event has no logs or end time: read the full document soon after.
      clearTimeout(refetch);
      refetch = setTimeout(load, 300);
    },
  });
  void load();
  return () => {
    stop();
    clearInterval(tick);
    clearTimeout(refetch);
  };
}
