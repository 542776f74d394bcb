/**
 * The operation's tasks grouped as they run: phase (PreSync, Sync, PostSync, SyncFail; PreDelete,
 * Delete, PostDelete for a deletion), then wave, then the tasks in the order they ran. Planned
 * tasks with no result yet (the document's `pending`) are shown greyed in their group, in plan
 * order; each task has its start and end time and its duration. Hook logs open inline.
 */
import { badge, fill, formatDuration, h, isDone, toDate, zoneOffset } from '../dom.js';

export const PHASE_ORDER = ['PreSync', 'Sync', 'PostSync', 'SyncFail', 'PreDelete', 'Delete', 'PostDelete'];

const PHASE_NOTE = {
  SyncFail: 'runs only when the sync fails',
  PreDelete: 'before anything is deleted',
  Delete: 'the highest wave first',
  PostDelete: 'once everything is deleted',
};

export const COLUMNS = ['KIND', 'NAMESPACE', 'NAME', 'STATUS', 'HEALTH', 'HOOK', 'STARTED', 'FINISHED', 'DURATION', 'MESSAGE', ''];

/** §12.2 KIND: group/version/kind, version/kind for the core group (a pending task has no version). */
const kindOf = (r) => [r.group, r.version, r.kind].filter(Boolean).join('/');

/**
 * Phases in their order, waves in the order they run (first seen among the results, then the
 * pending tasks in plan order: a deletion runs its highest wave first), tasks in order.
 * @returns [{ phase, waves: [{ wave, items: [{ row } | { task }] }] }]
 */
export function groupTasks(resources = [], pending = []) {
  const phases = new Map();
  const add = (phase, wave, item) => {
    if (!phases.has(phase)) phases.set(phase, new Map());
    const waves = phases.get(phase);
    if (!waves.has(wave)) waves.set(wave, []);
    waves.get(wave).push(item);
  };
  const seen = new Set();
  for (const row of resources) {
    seen.add(row.key);
    add(row.syncPhase, row.wave, { row });
  }
  for (const task of pending) if (!seen.has(task.key)) add(task.syncPhase, task.wave, { task });
  const rank = (p) => (PHASE_ORDER.includes(p) ? PHASE_ORDER.indexOf(p) : PHASE_ORDER.length);
  return [...phases.entries()]
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([phase, waves]) => ({ phase, waves: [...waves.entries()].map(([wave, items]) => ({ wave, items })) }));
}

/** `14:05:09` (with the date before it when another day than `day`); the zone is in the column head. */
function clock(d, day) {
  const p = (n) => String(n).padStart(2, '0');
  const time = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  const date = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  return day && date !== day ? `${date} ${time}` : time;
}

const dayOf = (d) => (d ? `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}` : undefined);

/** A task's time: `<time>` with the full date, the offset and UTC in its title. */
function taskTime(value, day) {
  const d = toDate(value);
  if (!d) return h('span', { class: 'muted' }, '-');
  return h('time', { datetime: d.toISOString(), title: `${dayOf(d)} ${clock(d)} ${zoneOffset(d)} (${d.toISOString()})` }, clock(d, day));
}

/** The duration cell: ticking (data-since) while the task runs. */
function taskDuration(row) {
  const start = toDate(row.startedAt);
  const end = toDate(row.finishedAt);
  if (!start) return h('span', { class: 'muted' }, '-');
  if (end) return h('span', {}, formatDuration(end - start));
  return h('span', { class: 'ticking', dataset: { since: String(start.getTime()) } }, formatDuration(Date.now() - start));
}

/** The span of a wave: its first start to its last end (or now while a task runs). */
function waveSpan(items, day) {
  const rows = items.map((i) => i.row).filter(Boolean);
  const starts = rows.map((r) => toDate(r.startedAt)).filter(Boolean);
  if (!starts.length) return null;
  const first = new Date(Math.min(...starts.map((d) => d.getTime())));
  const running = rows.some((r) => toDate(r.startedAt) && !toDate(r.finishedAt));
  const ends = rows.map((r) => toDate(r.finishedAt)).filter(Boolean);
  const last = running || !ends.length ? undefined : new Date(Math.max(...ends.map((d) => d.getTime())));
  return h('span', { class: 'span muted' }, taskTime(first, day), ' → ', last ? taskTime(last, day) : 'running', last ? ` · ${formatDuration(last - first)}` : '');
}

function logBlock(log) {
  const facts = [`pod ${log.pod}`, `container ${log.container}`, log.exitCode !== undefined ? `exit code ${log.exitCode}` : null, log.reason || null, log.truncated ? 'last 64 KiB' : null].filter(Boolean);
  return h(
    'div',
    { class: 'log' },
    h('div', { class: 'log-head' }, facts.join(' · ')),
    log.terminationMessage ? h('div', { class: 'log-term' }, `termination message: ${log.terminationMessage}`) : null,
    h('pre', {}, log.log || '(no output)'),
  );
}

/**
 * The result table, grouped. `draw(doc)` redraws it; hook logs stay open across redraws.
 * @returns { element, draw(doc) }
 */
export function taskTable() {
  const logs = new Map();
  const expanded = new Set();
  const head = h('tr', {}, COLUMNS.map((c) => h('th', { scope: 'col' }, c)));
  const table = h('table', { class: 'grid results', id: 'results' }, h('thead', {}, head));
  let last;

  const resultRow = (r, day) => {
    const rowLogs = logs.get(r.key) ?? [];
    const open = expanded.has(r.key);
    const toggle = rowLogs.length
      ? h(
          'button',
          {
            type: 'button',
            class: 'small link',
            'aria-expanded': String(open),
            onclick: () => {
              if (open) expanded.delete(r.key);
              else expanded.add(r.key);
              draw(last);
            },
          },
          open ? 'Hide logs' : 'Logs',
        )
      : null;
    const status = r.displayStatus;
    return [
      h(
        'tr',
        { class: `task${r.hookType ? ' hook' : ''}`, dataset: { key: r.key, kind: r.kind, name: r.name, status, phase: r.syncPhase, wave: String(r.wave), state: 'result' } },
        h('td', { class: 'mono' }, r.hookType ? h('span', { class: 'anchor', title: 'hook' }, '⚓ ') : null, kindOf(r)),
        h('td', { class: 'nowrap' }, r.namespace || '-'),
        h('td', { class: 'nowrap' }, r.name),
        h('td', {}, badge(status)),
        h('td', {}, badge(r.health?.status, r.health?.message ? { title: r.health.message } : {})),
        h('td', {}, r.hookType ?? ''),
        h('td', { class: 'nowrap', dataset: { col: 'started' } }, taskTime(r.startedAt, day)),
        h('td', { class: 'nowrap', dataset: { col: 'finished' } }, taskTime(r.finishedAt, day)),
        h('td', { class: 'nowrap', dataset: { col: 'duration' } }, taskDuration(r)),
        h('td', { class: 'message' }, r.message),
        h('td', { class: 'actions' }, toggle),
      ),
      open ? h('tr', { class: 'logs' }, h('td', { colspan: COLUMNS.length }, rowLogs.map(logBlock))) : null,
    ];
  };

  const pendingRow = (t, done) =>
    h(
      'tr',
      { class: `task pending${t.hookType ? ' hook' : ''}`, dataset: { key: t.key, kind: t.kind, name: t.name, phase: t.syncPhase, wave: String(t.wave), state: 'pending' } },
      h('td', { class: 'mono' }, t.hookType ? h('span', { class: 'anchor', title: 'hook' }, '⚓ ') : null, kindOf(t)),
      h('td', { class: 'nowrap' }, t.namespace || '-'),
      h('td', { class: 'nowrap' }, t.name),
      h('td', {}, h('span', { class: 'badge tone-pending' }, done ? 'Not run' : 'Pending')),
      h('td', {}, h('span', { class: 'muted' }, '-')),
      h('td', {}, t.hookType ?? ''),
      h('td', { colspan: 3, class: 'muted' }, done ? 'did not run' : 'still to come'),
      h('td', { class: 'message muted' }, t.prune ? (t.syncPhase === 'Delete' ? 'to delete' : 'to prune') : ''),
      h('td', {}),
    );

  function draw(doc) {
    last = doc;
    for (const r of doc.resources) if (r.logs?.length) logs.set(r.key, r.logs);
    const start = toDate(doc.operation.startedAt) ?? new Date();
    const day = dayOf(start);
    const zone = zoneOffset(start);
    fill(head, COLUMNS.map((c) => h('th', { scope: 'col' }, c === 'STARTED' || c === 'FINISHED' ? [c, ' ', h('span', { class: 'zone' }, zone)] : c)));
    const done = isDone(doc.operation.phase);
    const groups = groupTasks(doc.resources, doc.pending ?? []);
    if (!groups.length) {
      fill(table, table.tHead, h('tbody', {}, h('tr', {}, h('td', { colspan: COLUMNS.length, class: 'muted' }, done ? 'No resources.' : 'Preparing…'))));
      return;
    }
    const bodies = groups.map(({ phase, waves }) => {
      const tasks = waves.flatMap((w) => w.items);
      const toCome = tasks.filter((i) => i.task).length;
      const summary = `${tasks.length} task${tasks.length === 1 ? '' : 's'}${toCome ? ` · ${toCome} ${done ? 'not run' : 'to come'}` : ''}`;
      const note = PHASE_NOTE[phase];
      return h(
        'tbody',
        { class: 'phase-group', dataset: { phase } },
        h('tr', { class: 'phase-head' }, h('th', { colspan: COLUMNS.length, scope: 'rowgroup', id: `phase-${phase}` }, h('span', { class: 'phase-name' }, phase), h('span', { class: 'muted' }, ` · ${summary}`), note ? h('span', { class: 'muted' }, ` · ${note}`) : null)),
        waves.flatMap(({ wave, items }) => [
          h('tr', { class: 'wave-head', dataset: { phase, wave: String(wave) } }, h('th', { colspan: COLUMNS.length, scope: 'rowgroup' }, h('span', { class: 'wave-name' }, `Wave ${wave}`), ' ', waveSpan(items, day))),
          items.flatMap((i) => (i.row ? resultRow(i.row, day) : pendingRow(i.task, done))),
        ]),
      );
    });
    fill(table, table.tHead, bodies);
  }

  /** Running tasks' durations, every second. */
  function tick() {
    for (const el of table.querySelectorAll('.ticking')) el.textContent = formatDuration(Date.now() - Number(el.dataset.since));
  }
  return { element: table, draw, tick };
}
