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
export function jsonLogger(options: { level?: LogLevel; stream?: { write(s: string): unknown }; base?: Record<string, unknown>; coalesce?: boolean } = {}): FlushableLogger {
  const { level = 'info', stream = process.stderr, base } = options;
  const out = options.coalesce ? coalescingWriter(stream) : { write: (line: string) => void stream.write(line), flush: () => undefined };
  const log = pino({ level, ...(base ? { base } : {}) }, { write: (line: string) => out.write(line) });
  return {
    debug: (message, fields) => (fields ? log.debug(fields, message) : log.debug(message)),
    info: (message, fields) => (fields ? log.info(fields, message) : log.info(message)),
    warn: (message, fields) => (fields ? log.warn(fields, message) : log.warn(message)),
    error: (message, fields) => (fields ? log.error(fields, message) : log.error(message)),
    flush: () => out.flush(),
  };
}

/** A logger whose lines may wait for the end of the event loop's turn (`coalesce`): `flush` writes them now. */
export interface FlushableLogger extends Logger {
  flush(): void;
}

/** Writers with lines waiting, flushed at process exit (one listener for all of them). */
const waiting = new Set<{ flush(): void }>();
let exitHook = false;

/**
 * Lines written in one turn of the event loop go out in one write: stderr on a pipe or file is a
 * synchronous system call per write, and a busy worker's ~2,400 lines a second cost it ~5 % of its
 * CPU (issue 13). Written at the next `setImmediate`, once 64 KiB wait, on `flush()`, and when the
 * process exits (`process.exit` included); a SIGKILL loses at most the current turn's lines.
 */
export function coalescingWriter(stream: { write(s: string): unknown }, maxBytes = 65_536): { write(line: string): void; flush(): void } {
  let lines: string[] = [];
  let bytes = 0;
  let scheduled: NodeJS.Immediate | undefined;
  const writer = {
    write(line: string): void {
      lines.push(line);
      bytes += line.length;
      if (bytes >= maxBytes) writer.flush();
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
      bytes = 0;
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
