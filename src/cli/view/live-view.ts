/**
 * The operation view on a terminal: one frame (header, result rows, tasks still to come) redrawn
 * in place by log-update, which counts the screen rows a frame takes, wrapped ones included.
 * Lines written to the view's `stderr` (log notifiers write there) are put above the frame: the
 * frame is erased, the lines written, the frame drawn again below them. So the terminal's
 * scrollback keeps every log line and, once {@link OperationView.finish} ran, one final result.
 */
import { Writable } from 'node:stream';
import { createLogUpdate } from 'log-update';
import type { ApiOperationDocument } from '../../api/index.js';
import { renderFrame, renderResult } from './frame.js';
import type { OperationView, TerminalStream, TextSink } from './types.js';

export interface LiveViewOptions {
  /** A terminal. */
  stdout: TerminalStream;
  /** The real stderr (usually the same terminal). */
  stderr: TextSink;
  /** A fixed width. @defaultValue stdout.columns at each frame (follows resizes), else 80 */
  columns?: number;
  /** ANSI colour. @defaultValue false */
  color?: boolean;
  /** Last lines of each failed hook's container logs. @defaultValue 5 */
  logLines?: number;
  /** Redraw this often, so a running operation's DURATION counts; 0 never. @defaultValue 1000 */
  tickMs?: number;
  /** The clock for DURATION. @defaultValue Date.now */
  now?: () => number;
}

const DEFAULT_ROWS = 24;
/** Rows left free below the frame, so it never reaches the top of the screen and scrolls away. */
const SPARE_ROWS = 2;

/** A stream for log-update that writes through to `out` synchronously and reports its size. */
function terminalSink(out: TextSink, columns: () => number, rows: () => number): Writable {
  const sink = new Writable({
    decodeStrings: false,
    write(chunk: unknown, _encoding, done) {
      out.write(String(chunk));
      done();
    },
  });
  Object.defineProperties(sink, { columns: { get: columns }, rows: { get: rows } });
  return sink;
}

export function createLiveView(options: LiveViewOptions): OperationView {
  const { stdout, stderr, color = false, logLines, tickMs = 1000, now = Date.now } = options;
  const columns = (): number => Math.max(20, options.columns ?? stdout.columns ?? 80);
  const rows = (): number => Math.max(3, stdout.rows ?? DEFAULT_ROWS);
  const logUpdate = createLogUpdate(terminalSink(stdout, columns, rows));
  let latest: ApiOperationDocument | undefined;
  let live = true;
  let partial = '';
  let timer: NodeJS.Timeout | undefined;

  const draw = (): void => {
    if (!live || !latest) return;
    const frame = renderFrame(latest, { columns: columns(), maxLines: rows() - SPARE_ROWS, color, now: now(), ...(logLines === undefined ? {} : { logLines }) });
    logUpdate(frame.replace(/\n$/, ''));
  };
  const onResize = (): void => draw();
  stdout.on?.('resize', onResize);

  const flushPartial = (): void => {
    if (partial === '') return;
    stderr.write(partial);
    partial = '';
  };
  // Whole lines only: a partial line under the frame would be erased with it.
  const wrapped: TextSink = {
    write(text: string) {
      if (!live) return stderr.write(text);
      partial += text;
      const cut = partial.lastIndexOf('\n');
      if (cut < 0) return true;
      const lines = partial.slice(0, cut + 1);
      partial = partial.slice(cut + 1);
      if (latest) logUpdate.clear();
      stderr.write(lines);
      draw();
      return true;
    },
  };

  const stop = (): void => {
    if (!live) return;
    if (timer) clearInterval(timer);
    stdout.off?.('resize', onResize);
    if (latest) logUpdate.clear();
    logUpdate.done();
    live = false;
    flushPartial();
  };

  return {
    stderr: wrapped,
    update(doc) {
      if (!live) return;
      latest = doc;
      draw();
      if (!timer && tickMs > 0) {
        timer = setInterval(draw, tickMs);
        timer.unref();
      }
    },
    finish(doc) {
      if (!live) return;
      stop();
      stdout.write(renderResult(doc, { columns: columns(), color, now: now(), ...(logLines === undefined ? {} : { logLines }) }));
    },
    close: stop,
  };
}
