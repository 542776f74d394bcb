/**
 * How `app sync --wait` and `app delete --wait` show an operation while it runs: the terminal
 * view of src/cli/view (a live frame on a terminal, a line per change otherwise, then the result
 * table), fed with `GET /api/v1/operations/:id` documents by the follow loop (follow.ts). With
 * `-o json|yaml` stdout must stay one document: the change lines go to stderr and the view prints
 * no table.
 */
import type { CliIO } from '../io.js';
import { createOperationView } from '../view/index.js';
import type { OperationView } from '../view/index.js';
import type { OperationOutput } from './format.js';

export type { OperationView } from '../view/index.js';

export interface ViewRequest {
  io: CliIO;
  format: OperationOutput;
}

/** The default view: the terminal view on stdout for the table; plain lines on stderr for a document. */
export function defaultView({ io, format }: ViewRequest): OperationView {
  if (format === 'table') return createOperationView({ stdout: io.stdout, stderr: io.stderr, env: io.env });
  return createOperationView({ stdout: io.stderr, stderr: io.stderr, isTTY: false });
}
