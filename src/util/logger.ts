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
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** One JSON line per entry on the given stream (stderr by default). */
export function jsonLogger(options: { level?: LogLevel; stream?: { write(s: string): unknown }; base?: Record<string, unknown> } = {}): Logger {
  const { level = 'info', stream = process.stderr, base = {} } = options;
  const at = (lvl: Exclude<LogLevel, 'silent'>) => (message: string, fields: Record<string, unknown> = {}) => {
    if (RANK[lvl] < RANK[level]) return;
    stream.write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg: message, ...base, ...fields }) + '\n');
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
