/** The last output lines of a failed hook, as shown under its row (D4 keeps the logs). */
import type { ApiResourceDocument } from '../../api/index.js';
import { printable } from './text.js';
import type { Style } from './text.js';

/** Default number of a container log's last lines shown under a failed hook. */
export const DEFAULT_LOG_LINES = 5;

export interface StyledLine {
  text: string;
  style?: Style;
}

type Row = Pick<ApiResourceDocument, 'hookType' | 'hookPhase' | 'status' | 'logs'>;

/** A hook that failed (its Job failed, errored, or could not be applied). */
export function isFailedHook(r: Row): boolean {
  return r.hookType !== null && (r.hookPhase === 'Failed' || r.hookPhase === 'Error' || r.status === 'SyncFailed');
}

function lastLines(log: string, count: number): string[] {
  const lines = log.split(/\r?\n/).map((l) => printable(l).trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-count);
}

/**
 * For a failed hook: per container log one line naming pod, container and exit, then its last
 * `count` lines, indented. Nothing for other rows, or when `count` is 0.
 */
export function failedHookLines(r: Row, count: number): StyledLine[] {
  if (count <= 0 || !isFailedHook(r)) return [];
  const out: StyledLine[] = [];
  for (const log of r.logs ?? []) {
    const exit = [log.exitCode !== undefined ? `exit ${log.exitCode}` : '', log.reason && log.reason !== 'Error' ? log.reason : ''].filter(Boolean).join(', ');
    const lines = lastLines(log.log, count);
    const what = `${log.pod}/${log.container}${exit ? ` (${exit})` : ''}`;
    out.push({ text: `    ↳ ${what}${lines.length > 0 ? `, last ${lines.length === 1 ? 'line' : `${lines.length} lines`}:` : ': no output'}`, style: 'dim' });
    for (const line of lines) out.push({ text: `      ${line}` });
  }
  return out;
}
