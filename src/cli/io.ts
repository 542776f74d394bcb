import type { TerminalStream } from './view/types.js';

/** Where a command writes, so commands run the same in-process (tests) and as a process. */
export interface CliIO {
  /** A terminal also has a size and reports resizes (the live view of `sync` follows them). */
  stdout: TerminalStream;
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Stops long-running commands (`worker`, `serve`, `dev-cluster`). As a process, SIGINT and
   * SIGTERM abort it.
   */
  shutdown?: AbortSignal;
  /**
   * End the process at once with `code` (a `worker` or `serve` whose shutdown deadline passed: no
   * step code may run on). Absent in-process, where the command returns instead.
   */
  exitNow?: (code: number) => never;
}

export const processIO: CliIO = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  exitNow: (code) => process.exit(code),
};

/** Resolve when the command should stop: the IO's signal, or SIGINT/SIGTERM of this process. */
export function untilShutdown(io: CliIO): Promise<string> {
  return new Promise((resolve) => {
    if (io.shutdown) {
      if (io.shutdown.aborted) resolve('aborted');
      io.shutdown.addEventListener('abort', () => resolve('aborted'), { once: true });
      return;
    }
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
