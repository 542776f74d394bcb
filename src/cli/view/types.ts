import type { ApiOperationDocument } from '../../api/index.js';

/** Something text is written to. */
export interface TextSink {
  write(text: string): unknown;
}

/** stdout as the view reads it: a terminal has a size and tells when it changes. */
export interface TerminalStream extends TextSink {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

/** How a command shows an operation while it runs and once it ended. */
export interface OperationView {
  /**
   * Where everything else that writes to stderr writes while the view is up (log notifiers,
   * warnings): on a terminal each line goes above the live frame instead of into it.
   */
  readonly stderr: TextSink;
  /** The operation changed. */
  update(doc: ApiOperationDocument): void;
  /** Take the live frame down and print the final result once (stdout). */
  finish(doc: ApiOperationDocument): void;
  /** Take the live frame down without a result (an error ends the command). Idempotent. */
  close(): void;
}
