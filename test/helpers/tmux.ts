/**
 * A real terminal for tests: a detached tmux session of a fixed size, on a private server
 * (`tmux -L <unique socket>`, no user configuration), whose pane keeps its whole history. Debian's
 * `tmux` is a prerequisite (test/setup/prereqs.ts checks it before the first test of a run that
 * uses this helper).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tmuxPath } from '../setup/prereqs.js';

const exec = promisify(execFile);

export interface TmuxOptions {
  /** The shell command run in the pane (by `sh`). */
  command: string;
  /** Where the command's script is written and the command starts. */
  dir: string;
  /** Terminal size. @defaultValue 80 × 24 */
  columns?: number;
  rows?: number;
}

export interface TmuxSession {
  /** Wait until the command ended; its exit code. */
  exited(timeoutMs: number): Promise<number>;
  /** The pane's history and screen, wrapped rows joined back into their lines (`capture-pane -J`). */
  capture(): Promise<string[]>;
  /** Everything the command wrote to the terminal, escape sequences included (`pipe-pane`). */
  output(): Promise<string>;
  /** Stop the private tmux server (and the pane with it). */
  kill(): Promise<void>;
}

const EXIT = /^\[hookrunner-test exit (\d+)\]$/;

/** Start `command` in a new detached session of its own tmux server; the pane stays after the command ends. */
export async function startTmux(options: TmuxOptions): Promise<TmuxSession> {
  const { command, dir, columns = 80, rows = 24 } = options;
  const tmux = tmuxPath();
  const socket = `hookrunner-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  const script = join(dir, `${socket}.sh`);
  const go = join(dir, `${socket}.go`);
  const recording = join(dir, `${socket}.out`);
  // The command waits until its output is recorded; the marker tells it ended; the pane then
  // stays open (sleep) until the server is killed.
  await writeFile(script, `while [ ! -e ${go} ]; do sleep 0.05; done\n${command}\nprintf '\\n[hookrunner-test exit %s]\\n' "$?"\nexec sleep 600\n`);
  const run = (...args: string[]) => exec(tmux, ['-L', socket, '-f', '/dev/null', ...args], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  // history-limit is taken when a pane is made: set it on the new server before the session.
  await run('start-server', ';', 'set-option', '-g', 'history-limit', '50000', ';', 'new-session', '-d', '-x', String(columns), '-y', String(rows), '-s', 'test', '-c', dir, `sh ${script}`);
  await run('pipe-pane', '-o', '-t', 'test', `cat >> ${recording}`);
  await writeFile(go, '');
  const capture = async (): Promise<string[]> => {
    const { stdout } = await run('capture-pane', '-p', '-J', '-S', '-', '-t', 'test');
    return stdout.replace(/\n+$/, '').split('\n');
  };
  return {
    capture,
    output: () => readFile(recording, 'utf8').catch(() => ''),
    async exited(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const code = (await capture()).map((l) => EXIT.exec(l.trim())).find((m) => m)?.[1];
        if (code !== undefined) return Number(code);
        if (Date.now() > deadline) throw new Error(`the command in tmux did not end within ${timeoutMs} ms; the pane shows:\n${(await capture()).join('\n')}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async kill() {
      await run('kill-server').catch(() => undefined);
    },
  };
}
