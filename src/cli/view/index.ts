/**
 * The terminal view of an operation, for `hookrunner sync` and every command that follows an
 * operation: fed with the API's operation document (`apiOperationDocument`, or
 * `GET /api/v1/operations/:id` for a client of the API), it redraws a live frame on a terminal
 * and prints plain lines otherwise, then the final result once.
 */
import { createLiveView } from './live-view.js';
import { createPlainView } from './plain-view.js';
import type { OperationView, TerminalStream, TextSink } from './types.js';

export { renderFrame, renderResult } from './frame.js';
export type { FrameOptions, ResultOptions } from './frame.js';
export type { OperationView, TerminalStream, TextSink } from './types.js';

export interface OperationViewOptions {
  stdout: TerminalStream;
  stderr: TextSink;
  /** Draw a live frame (else plain lines). @defaultValue stdout.isTTY === true */
  isTTY?: boolean;
  /** A fixed terminal width. @defaultValue stdout.columns at each frame, else 80 */
  columns?: number;
  /** ANSI colour (tasks still to come dim, failures red). @defaultValue isTTY and no NO_COLOR in env */
  color?: boolean;
  /** Looked at for NO_COLOR (https://no-color.org). @defaultValue {} */
  env?: Readonly<Record<string, string | undefined>>;
  /** Last lines of each failed hook's container logs. @defaultValue 5 */
  logLines?: number;
}

/** Colour when writing to a terminal, unless NO_COLOR is set to something. */
export function colorEnabled(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  return isTTY && !env['NO_COLOR'];
}

export function createOperationView(options: OperationViewOptions): OperationView {
  const { stdout, stderr, isTTY = stdout.isTTY === true, env = {}, logLines } = options;
  const extra = logLines === undefined ? {} : { logLines };
  if (!isTTY) return createPlainView({ stdout, stderr, ...extra });
  const color = options.color ?? colorEnabled(isTTY, env);
  return createLiveView({ stdout, stderr, color, ...(options.columns === undefined ? {} : { columns: options.columns }), ...extra });
}
