/**
 * What the terminal shows of an operation, rendered from the API's operation document (so
 * `hookrunner sync` and a client of the HTTP API show the same): the header (operation, app,
 * phase, message, revision, duration) and the RESULT table (§12.2) in execution order, with each
 * failed hook's last output lines under its row. The live frame adds the tasks still to come,
 * greyed out, and stays within a number of lines by collapsing finished waves. Every line fits
 * the given width; at an unlimited width the table is exactly `renderTable`'s.
 *
 * Pure: no I/O, no clock unless none is given.
 */
import type { ApiOperationDocument, ApiResourceDocument, PendingTask } from '../../api/index.js';
import { isCompleted } from '../../manifests/index.js';
import { formatMs } from '../../util/index.js';
import { fitColumns, tableLine } from './columns.js';
import type { Column } from './columns.js';
import { DEFAULT_LOG_LINES, failedHookLines } from './hook-logs.js';
import type { StyledLine } from './hook-logs.js';
import { oneLine, paint, truncate } from './text.js';

export interface ResultOptions {
  /** Terminal width: every line fits it. @defaultValue Infinity (nothing is cut: pipes and files) */
  columns?: number;
  /** ANSI colour: failures red, tasks still to come dim. @defaultValue false */
  color?: boolean;
  /** Last lines of each container log shown under a failed hook; 0 for none. @defaultValue 5 */
  logLines?: number;
  /** Epoch ms, for a running operation's DURATION. @defaultValue Date.now() */
  now?: number;
}

export interface FrameOptions extends ResultOptions {
  /** The most lines the frame takes (the live view: terminal rows − 2). @defaultValue Infinity */
  maxLines?: number;
}

/** A message cell is cut at this many columns even on a wide terminal, as before. */
const MESSAGE_WIDTH = 100;

const COLUMNS: readonly Column[] = [
  { title: 'SYNC WAVE', short: 'WAVE', min: 4 },
  { title: 'PHASE', min: 8 },
  { title: 'KIND', min: 8 },
  { title: 'NAMESPACE', min: 8 },
  { title: 'NAME', min: 12 },
  { title: 'STATUS', min: 9 },
  { title: 'HOOK', min: 4, dropOrder: 1 },
  { title: 'MESSAGE', min: 16, comfortable: 40 },
];
const NAMESPACE_COLUMN = 3;

interface Entry {
  cells: string[];
  /** A line of its own instead of table cells. */
  text?: string;
  style?: StyledLine['style'];
  below: StyledLine[];
}

interface Group {
  entries: Entry[];
  /** Every row has its final result. */
  finished: boolean;
  /** The line shown instead of the group when it is collapsed. */
  summary: Entry;
}

const dash = (v: string | number | null | undefined): string => (v === undefined || v === null || v === '' ? '-' : String(v));
const message = (text: string): string => truncate(oneLine(text), MESSAGE_WIDTH);

function isFailure(r: Pick<ApiResourceDocument, 'hookPhase' | 'status'>): boolean {
  return r.hookPhase === 'Failed' || r.hookPhase === 'Error' || r.status === 'SyncFailed';
}

function resultEntry(r: ApiResourceDocument, logLines: number): Entry {
  const cells = [String(r.wave), r.syncPhase, r.kind, dash(r.namespace), r.name, dash(r.displayStatus), dash(r.hookType), message(r.message)];
  return { cells, ...(isFailure(r) ? { style: 'fail' as const } : {}), below: failedHookLines(r, logLines) };
}

function pendingEntry(t: PendingTask): Entry {
  const note = t.syncPhase === 'SyncFail' ? 'runs if the sync fails' : t.prune ? (t.syncPhase === 'Delete' ? 'to delete' : 'to prune') : '';
  return { cells: [String(t.wave), t.syncPhase, t.kind, dash(t.namespace), t.name, 'Pending', dash(t.hookType), note], style: 'dim', below: [] };
}

function isFinished(r: ApiResourceDocument): boolean {
  return r.hookPhase ? isCompleted(r.hookPhase) : r.status !== null;
}

/** Rows grouped by (phase, wave) as they ran, each with its collapsed form. */
function groupsOf(resources: readonly ApiResourceDocument[], logLines: number): Group[] {
  const groups: { rows: ApiResourceDocument[] }[] = [];
  let last: ApiResourceDocument | undefined;
  for (const r of resources) {
    if (last && last.syncPhase === r.syncPhase && last.wave === r.wave) groups[groups.length - 1]?.rows.push(r);
    else groups.push({ rows: [r] });
    last = r;
  }
  return groups.map(({ rows }) => {
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(dash(r.displayStatus), (counts.get(dash(r.displayStatus)) ?? 0) + 1);
    const first = rows[0] as ApiResourceDocument;
    const summary: Entry = {
      cells: [String(first.wave), first.syncPhase, `${rows.length} ${rows.length === 1 ? 'task' : 'tasks'}`, '', '', '', '', `done: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`],
      style: rows.some(isFailure) ? 'fail' : 'dim',
      below: [],
    };
    return { entries: rows.map((r) => resultEntry(r, logLines)), finished: rows.every(isFinished), summary };
  });
}

function headerLines(doc: ApiOperationDocument, now: number, namespace: string | undefined): string[] {
  const op = doc.operation;
  const end = op.finishedAt ? Date.parse(op.finishedAt) : now;
  return [
    `OPERATION:  ${op.id}`,
    `APP:        ${op.app}`,
    ...(namespace ? [`NAMESPACE:  ${namespace}`] : []),
    `PHASE:      ${op.phase}`,
    `MESSAGE:    ${oneLine(op.message)}`,
    `REVISION:   ${op.revision}`,
    `DURATION:   ${formatMs(Math.max(0, end - Date.parse(op.startedAt)))}`,
  ];
}

const size = (e: Entry): number => 1 + e.below.length;

/**
 * The entries that fit `budget` lines: finished groups collapse to one line, oldest first; then
 * the tasks still to come are cut, with a line saying how many more.
 */
function fitHeight(groups: readonly Group[], pending: readonly Entry[], budget: number): Entry[] {
  const collapsed = new Set<number>();
  const groupLines = (): number => groups.reduce((n, g, i) => n + (collapsed.has(i) ? 1 : g.entries.reduce((m, e) => m + size(e), 0)), 0);
  for (let i = 0; i < groups.length && groupLines() + pending.length > budget; i++) if (groups[i]?.finished) collapsed.add(i);
  const room = budget - groupLines();
  const shown = pending.length <= room ? pending.length : Math.max(0, room - 1);
  const rest = pending.length - shown;
  const more: Entry[] = rest > 0 ? [{ cells: [], text: `… ${rest} more to come`, style: 'dim', below: [] }] : [];
  return [...groups.flatMap((g, i) => (collapsed.has(i) ? [g.summary] : g.entries)), ...pending.slice(0, shown), ...more];
}

/**
 * The planned tasks that may still run: none once the operation ended; once SyncFail hooks run
 * (a failure, §4), only those, as the later waves never will.
 */
function stillToCome(doc: ApiOperationDocument): PendingTask[] {
  if (isCompleted(doc.operation.phase)) return [];
  const failing = doc.resources.some((r) => r.syncPhase === 'SyncFail');
  return failing ? doc.pending.filter((t) => t.syncPhase === 'SyncFail') : doc.pending;
}

/** One namespace for every row (or none): the column can go, the header names it. */
function soleNamespace(entries: readonly Entry[]): string | undefined | false {
  const names = new Set(entries.map((e) => e.cells[NAMESPACE_COLUMN]).filter((n) => n !== undefined && n !== '' && n !== '-'));
  return names.size > 1 ? false : [...names][0];
}

function compose(doc: ApiOperationDocument, options: FrameOptions, withPending: boolean): string {
  const { columns = Infinity, color = false, logLines = DEFAULT_LOG_LINES, now = Date.now(), maxLines = Infinity } = options;
  const groups = groupsOf(doc.resources, logLines);
  const pending = withPending ? stillToCome(doc).map(pendingEntry) : [];
  // Collapsed waves' lines count for the widths only when the frame may need them.
  const all = [...groups.flatMap((g) => (Number.isFinite(maxLines) ? [...g.entries, g.summary] : g.entries)), ...pending];
  const sole = soleNamespace(all);
  const columnSet = sole === false ? COLUMNS : COLUMNS.map((c, i) => (i === NAMESPACE_COLUMN ? { ...c, dropOrder: 2 } : c));
  const layout = fitColumns(columnSet, all.map((e) => e.cells), columns);
  const dropped = !layout.shown.includes(NAMESPACE_COLUMN);
  const header = headerLines(doc, now, dropped && sole ? sole : undefined);
  const budget = maxLines - header.length - 2;
  const entries = all.length === 0 ? [] : fitHeight(groups, pending, budget);
  const failed = doc.operation.phase === 'Failed' || doc.operation.phase === 'Error';
  const lines: StyledLine[] = header.map((text) => ({ text, ...(failed && text.startsWith('PHASE:') ? { style: 'fail' as const } : {}) }));
  if (entries.length > 0) {
    lines.push({ text: '' }, { text: tableLine(layout.titles, layout, false) });
    for (const e of entries) lines.push({ text: e.text ?? tableLine(e.cells, layout), ...(e.style ? { style: e.style } : {}) }, ...e.below);
  }
  const bounded = lines.length > maxLines ? [...lines.slice(0, Math.max(0, maxLines - 1)), { text: `… ${lines.length - maxLines + 1} more lines`, style: 'dim' as const }] : lines;
  return bounded.map((l) => paint(truncate(l.text, columns), l.style, color) + '\n').join('');
}

/** The final result: header and RESULT table with failed hooks' last lines, no tasks to come. */
export function renderResult(doc: ApiOperationDocument, options: ResultOptions = {}): string {
  return compose(doc, options, false);
}

/** The live frame: the result so far, then the tasks still to come, within `maxLines`. */
export function renderFrame(doc: ApiOperationDocument, options: FrameOptions = {}): string {
  return compose(doc, options, true);
}
