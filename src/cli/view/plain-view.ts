/**
 * The operation view when stdout is not a terminal (a pipe, a file, CI logs): no escape
 * sequences and no redraws, one line per change of the operation's phase or of a task's status,
 *
 *     10:31:02  PreSync  wave 0  Job app/pre-job  Running
 *
 * then the final result once.
 */
import type { ApiOperationDocument, ApiResourceDocument } from '../../api/index.js';
import { renderResult } from './frame.js';
import { oneLine } from './text.js';
import type { OperationView } from './types.js';

export interface PlainViewOptions {
  stdout: { write(text: string): unknown };
  /** Passed through: nothing on stdout is redrawn, so stderr needs no care. */
  stderr: { write(text: string): unknown };
  /** Last lines of each failed hook's container logs in the final result. @defaultValue 5 */
  logLines?: number;
  /** The time printed on each line (local time). @defaultValue () => new Date() */
  clock?: () => Date;
}

const two = (n: number): string => String(n).padStart(2, '0');
const timeOf = (d: Date): string => `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;

function isFailure(r: ApiResourceDocument): boolean {
  return r.hookPhase === 'Failed' || r.hookPhase === 'Error' || r.status === 'SyncFailed';
}

/** The line for a task whose status changed. */
export function taskLine(time: string, r: ApiResourceDocument): string {
  const ref = r.namespace ? `${r.namespace}/${r.name}` : r.name;
  const status = r.displayStatus || '-';
  const message = isFailure(r) && r.message ? `  ${oneLine(r.message)}` : '';
  return `${time}  ${r.syncPhase}  wave ${r.wave}  ${r.kind} ${ref}  ${status}${message}`;
}

export function createPlainView(options: PlainViewOptions): OperationView {
  const { stdout, stderr, logLines, clock = () => new Date() } = options;
  const seen = new Map<string, string>();
  let phase: string | undefined;
  let printed = false;
  let done = false;

  const update = (doc: ApiOperationDocument): void => {
    if (done) return;
    const time = timeOf(clock());
    const out: string[] = [];
    if (doc.operation.phase !== phase) {
      phase = doc.operation.phase;
      out.push(`${time}  ${doc.operation.id}  ${doc.operation.phase}  ${oneLine(doc.operation.message)}`.trimEnd());
    }
    for (const r of doc.resources) {
      const status = r.displayStatus || '-';
      if (seen.get(r.key) === status) continue;
      seen.set(r.key, status);
      out.push(taskLine(time, r));
    }
    if (out.length === 0) return;
    stdout.write(out.join('\n') + '\n');
    printed = true;
  };

  return {
    stderr,
    update,
    finish(doc) {
      if (done) return;
      update(doc);
      done = true;
      stdout.write((printed ? '\n' : '') + renderResult(doc, logLines === undefined ? {} : { logLines }));
    },
    close() {
      done = true;
    },
  };
}
