import { pino } from 'pino';

/** The small logging interface every module takes (pino fits behind it). Never pass tokens. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * One JSON line per entry on the given stream (stderr by default), written by pino: the same
 * line format as the API's pino logger in `hookrunner serve`, so one process logs one format.
 *
 *     {"level":30,"time":1767225600000,"role":"worker","concurrency":8,"msg":"worker started"}
 *
 * `level` is pino's number (debug 20, info 30, warn 40, error 50), `time` epoch milliseconds,
 * then `base`, then the entry's fields, then `msg`. As with pino, `base` replaces the default
 * `pid` and `hostname`; without it, lines carry those two. An `err` field holding an Error is
 * written as `{type, message, stack}`.
 */
export function jsonLogger(options: { level?: LogLevel; stream?: { write(s: string): unknown }; base?: Record<string, unknown> } = {}): Logger {
  const { level = 'info', stream = process.stderr, base } = options;
  const log = pino({ level, ...(base ? { base } : {}) }, { write: (line: string) => void stream.write(line) });
  return {
    debug: (message, fields) => (fields ? log.debug(fields, message) : log.debug(message)),
    info: (message, fields) => (fields ? log.info(fields, message) : log.info(message)),
    warn: (message, fields) => (fields ? log.warn(fields, message) : log.warn(message)),
    error: (message, fields) => (fields ? log.error(fields, message) : log.error(message)),
  };
}

/** Writers with lines waiting, flushed at process exit (one listener for all of them). */
const waiting = new Set<{ flush(): void }>();
let exitHook = false;

/**
 * Text written in one turn of the event loop goes out in one write, in the order written: stderr
 * on a pipe or file is a synchronous system call per write, and a busy worker's ~2,400 lines a
 * second cost it ~5 % of its CPU (issue 13). Written at the next `setImmediate`, once `maxChars`
 * (UTF-16 code units, default 65,536) wait, on `flush()`, and when the process exits
 * (`process.exit` included); a SIGKILL or a native crash loses at most the current turn's text.
 */
export function coalescingWriter(stream: { write(s: string): unknown }, maxChars = 65_536): { write(text: string): void; flush(): void } {
  let lines: string[] = [];
  let chars = 0;
  let scheduled: NodeJS.Immediate | undefined;
  const writer = {
    write(text: string): void {
      lines.push(text);
      chars += text.length;
      if (chars >= maxChars) writer.flush();
      else if (!scheduled) {
        scheduled = setImmediate(() => writer.flush());
        waiting.add(writer);
      }
    },
    flush(): void {
      if (scheduled) clearImmediate(scheduled);
      scheduled = undefined;
      waiting.delete(writer);
      if (lines.length === 0) return;
      const text = lines.length === 1 ? (lines[0] ?? '') : lines.join('');
      lines = [];
      chars = 0;
      stream.write(text);
    },
  };
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const w of [...waiting]) w.flush();
    });
  }
  return writer;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
