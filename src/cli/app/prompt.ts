/** Questions on a terminal (`app delete` asks before it deletes), and Ctrl-C while following an operation. */
import { createInterface } from 'node:readline/promises';
import type { CliIO } from '../io.js';

export interface Prompter {
  /** Whether someone can answer: stdin is a terminal. */
  readonly interactive: boolean;
  /** Ask a yes/no question; only `y` or `yes` (any case) is yes. */
  confirm(question: string): Promise<boolean>;
}

/** Questions on this process's stdin, written to stderr (stdout stays the command's output). */
export function terminalPrompter(): Prompter {
  return {
    get interactive() {
      return process.stdin.isTTY === true;
    },
    async confirm(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await rl.question(`${question} [y/N] `);
        return /^(y|yes)$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
  };
}

/**
 * A signal that aborts on Ctrl-C (SIGINT) or SIGTERM of this process, or when `io.shutdown`
 * aborts (in-process runs). While it is armed the process does not die on SIGINT: the command
 * stops following and exits by itself.
 */
export function interruptSignal(io: CliIO): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (io.shutdown) {
    const onAbort = (): void => controller.abort();
    io.shutdown.addEventListener('abort', onAbort, { once: true });
    if (io.shutdown.aborted) controller.abort();
    return { signal: controller.signal, dispose: () => io.shutdown?.removeEventListener('abort', onAbort) };
  }
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
