/**
 * How `app sync --wait` and `app delete --wait` show an operation while it runs. The follow loop
 * (follow.ts) only calls an {@link OperationView}; this file has the plain one: a line per change
 * of the operation or of a row's status, then the result table (or the document). A live
 * terminal view can take its place through `registerApp`'s `createView`.
 */
import type { ApiOperationDocument } from '../../api/index.js';
import { cell, renderTable } from '../table.js';
import { duration, oneLine, renderDocument } from './format.js';
import type { OutputFormat } from './format.js';

export interface OperationView {
  /** A newer version of the running operation (the first call: the operation as started). */
  onUpdate(doc: ApiOperationDocument): void;
  /** Once: the finished operation, or the last version seen when following stops early. */
  onDone(doc: ApiOperationDocument): void;
}

export interface Writer {
  write(text: string): unknown;
}

export interface PlainViewOptions {
  /** Where the final table or document goes (stdout). */
  out: Writer;
  /** Where progress lines go. @defaultValue `out` (give stderr when `out` must stay a clean document) */
  progress?: Writer;
  /** What `onDone` prints: the result table (`table`, `wide`) or the document. */
  format: OutputFormat;
  /** The clock of progress lines. @defaultValue () => new Date() */
  now?: () => Date;
}

/** The result table of an operation document, as `hookrunner sync` prints it (§12.2). */
export function renderOperationDocument(doc: ApiOperationDocument, wide = false): string {
  const op = doc.operation;
  const header = [
    `OPERATION:  ${op.id}`,
    `APP:        ${op.app}`,
    `PHASE:      ${op.phase}`,
    `MESSAGE:    ${op.message}`,
    `REVISION:   ${op.revision}`,
    `DURATION:   ${duration(op.startedAt, op.finishedAt)}`,
    '',
  ].join('\n');
  const rows = doc.resources.map((r) => {
    const base = [String(r.wave), r.syncPhase, r.kind, cell(r.namespace), r.name, cell(r.displayStatus), cell(r.hookType), oneLine(r.message)];
    return wide ? [...base.slice(0, 6), cell(r.health?.status), ...base.slice(6)] : base;
  });
  if (rows.length === 0) return header;
  const headers = ['SYNC WAVE', 'PHASE', 'KIND', 'NAMESPACE', 'NAME', 'STATUS', 'HOOK', 'MESSAGE'];
  return `${header}\n${renderTable(wide ? [...headers.slice(0, 6), 'HEALTH', ...headers.slice(6)] : headers, rows)}`;
}

function clock(d: Date): string {
  return d.toTimeString().slice(0, 8);
}

/** Plain progress: one line when the operation's phase or message changes, one when a row's status or health does. */
export function plainOperationView(options: PlainViewOptions): OperationView {
  const { out, format, now = () => new Date() } = options;
  const progress = options.progress ?? out;
  const rows = new Map<string, string>();
  let header = '';
  let awaiting = '';
  /** Lines for what changed since the last document seen. */
  function report(doc: ApiOperationDocument): void {
    const op = doc.operation;
    const time = clock(now());
    const nextHeader = `${op.phase}\u0000${op.message}`;
    if (nextHeader !== header) {
      progress.write(`${time}  operation ${op.id}: ${op.phase}${op.message ? ` — ${oneLine(op.message)}` : ''}\n`);
      header = nextHeader;
    }
    for (const r of doc.resources) {
      const state = `${r.displayStatus}\u0000${r.health?.status ?? ''}`;
      if (rows.get(r.key) === state) continue;
      rows.set(r.key, state);
      const health = r.health ? ` (${r.health.status})` : '';
      progress.write(`${time}  ${r.syncPhase.padEnd(8)}  ${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}: ${r.displayStatus || '-'}${health}${r.message ? ` — ${oneLine(r.message)}` : ''}\n`);
    }
    const waiting = op.awaitingConfirmation;
    const nextAwaiting = waiting ? `${waiting.kind}:${waiting.resources.join(',')}` : '';
    if (waiting && nextAwaiting !== awaiting) {
      progress.write(`${time}  operation ${op.id} waits for a confirmation of ${waiting.kind}: ${waiting.resources.join(', ')} — confirm it in the dashboard or with POST /api/v1/operations/${op.id}/confirm\n`);
    }
    awaiting = nextAwaiting;
  }

  return {
    onUpdate: report,
    onDone(doc) {
      // The rows that changed since the last update (often the last ones) get their line too.
      const followed = header !== '';
      if (followed) report(doc);
      if (format === 'json' || format === 'yaml') out.write(renderDocument(doc, format));
      else out.write(`${followed && progress === out ? '\n' : ''}${renderOperationDocument(doc, format === 'wide')}`);
    },
  };
}
