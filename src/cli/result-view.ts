/** The result table as Argo CD's RESULT view shows it (§12.2), for the terminal. */
import { displayStatus, orderedResults } from '../sync/index.js';
import type { Operation } from '../sync/index.js';
import { formatMs } from '../util/index.js';
import { cell, renderTable } from './table.js';

const MESSAGE_WIDTH = 100;

function oneLine(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ').trim();
  return flat.length > MESSAGE_WIDTH ? `${flat.slice(0, MESSAGE_WIDTH - 1)}…` : flat;
}

export function renderOperation(op: Operation): string {
  const end = op.finishedAt ? Date.parse(op.finishedAt) : Date.now();
  const header = [
    `OPERATION:  ${op.id}`,
    `APP:        ${op.app}`,
    `PHASE:      ${op.phase}`,
    `MESSAGE:    ${op.message}`,
    `REVISION:   ${op.revision}`,
    `DURATION:   ${formatMs(end - Date.parse(op.startedAt))}`,
    '',
  ].join('\n');
  const rows = orderedResults(op).map((r) => [String(r.wave), r.syncPhase, r.kind, cell(r.namespace), r.name, cell(displayStatus(r)), cell(r.hookType), oneLine(r.message)]);
  // No task has a result yet (or the operation ended before any ran): the header only, no empty table.
  if (rows.length === 0) return header;
  return `${header}\n${renderTable(['SYNC WAVE', 'PHASE', 'KIND', 'NAMESPACE', 'NAME', 'STATUS', 'HOOK', 'MESSAGE'], rows)}`;
}
