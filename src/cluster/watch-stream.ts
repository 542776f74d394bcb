/**
 * Reads one watch response to its end: line by line (`parseWatchLine`), with an idle timer that
 * drops a connection that delivers nothing. Works on any readable stream (the HTTP response of a
 * watch, or a `PassThrough` in tests).
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from '../util/index.js';
import { parseWatchLine } from './watch-protocol.js';
import type { CollectionRef, WatchEvent } from './types.js';

export interface WatchStreamOptions {
  /** Aborting it destroys the stream; the idle timer and an ERROR event abort it. */
  controller: AbortController;
  /** Drop the connection after this long without data (not even a bookmark). */
  idleTimeoutMs: number;
  /** Fills in apiVersion and kind of objects that lack them. */
  ref: Pick<CollectionRef, 'apiVersion' | 'kind'>;
  /** Names the watch in log lines. */
  where: string;
  logger: Logger;
  /** An ADDED, MODIFIED or DELETED event, as the server sent it. */
  observe(event: WatchEvent): void;
  /** Each resourceVersion the server reports (bookmarks included): the resume point. */
  onResourceVersion(resourceVersion: string): void;
  /** The idle timer fired (the stream is then aborted). */
  onIdle(): void;
}

/** How a stream ended: `gone` after a 410 ERROR event; `productive` when it delivered an object. */
export interface StreamOutcome {
  gone: boolean;
  productive: boolean;
}

/** Resolves (never rejects) when the stream has ended, been destroyed or been aborted. */
export function consumeWatchStream(stream: Readable, options: WatchStreamOptions): Promise<StreamOutcome> {
  const { controller, logger, where } = options;
  return new Promise((resolve) => {
    let gone = false;
    let productive = false;
    let idle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        options.onIdle();
        controller.abort();
      }, options.idleTimeoutMs);
    };
    arm();
    stream.on('data', arm);
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (text) => {
      let line: ReturnType<typeof parseWatchLine>;
      try {
        line = parseWatchLine(text, options.ref);
      } catch {
        line = { kind: 'malformed' }; // e.g. a literal `null` line
      }
      if (line.kind === 'malformed') {
        logger.warn('watch sent a line that is not JSON', { watch: where, length: text.length });
      } else if (line.kind === 'error') {
        if (line.gone) gone = true;
        else logger.warn('watch error event', { watch: where, reason: line.status.reason, code: line.status.code, message: line.status.message });
        controller.abort();
      } else if (line.kind === 'progress') {
        if (line.resourceVersion) options.onResourceVersion(line.resourceVersion);
        productive = true;
        if (line.event) options.observe(line.event);
      }
    });
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(idle);
      lines.close();
      resolve({ gone, productive });
    };
    lines.on('close', finish);
    stream.on('close', finish);
    // A reset connection (`aborted`, ECONNRESET) just ends the stream; the loop reconnects. readline
    // re-emits the input's error on the interface, where an unhandled one would crash the process.
    stream.on('error', finish);
    lines.on('error', finish);
    controller.signal.addEventListener('abort', () => stream.destroy(), { once: true });
  });
}
