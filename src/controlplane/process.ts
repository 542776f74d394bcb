/**
 * One control-plane component as a child process: output to a log file, readiness by probe with a
 * deadline, an `exited` promise, and a stop with SIGTERM then SIGKILL.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { ComponentFailedError } from './errors.js';

export interface ComponentSpec {
  name: string;
  argv: readonly string[];
  logFile: string;
  env?: Record<string, string>;
}

export interface ComponentExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

const LOG_TAIL_BYTES = 4096;

/**
 * Components run in their own process group (a terminal's Ctrl-C reaches only us, and we stop
 * them in order); whatever is still running when this process exits is killed on the way out.
 */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The last bytes of a log file (for error messages). */
export function logTail(file: string, bytes = LOG_TAIL_BYTES): string {
  try {
    const size = statSync(file).size;
    const text = readFileSync(file);
    return text.subarray(Math.max(0, size - bytes)).toString('utf8').trim();
  } catch {
    return '';
  }
}

export class ComponentProcess {
  readonly exited: Promise<ComponentExit>;
  private readonly child: ChildProcess;
  private done = false;

  constructor(readonly spec: ComponentSpec) {
    const fd = openSync(spec.logFile, 'a');
    const [command, ...args] = spec.argv;
    try {
      this.child = spawn(command ?? '', args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...(spec.env ?? {}) }, detached: true });
    } finally {
      closeSync(fd);
    }
    live.add(this.child);
    this.exited = new Promise((resolve) => {
      this.child.once('error', () => {
        live.delete(this.child);
        this.done = true;
        resolve({ name: spec.name, code: 127, signal: null });
      });
      this.child.once('exit', (code, signal) => {
        live.delete(this.child);
        this.done = true;
        resolve({ name: spec.name, code, signal });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  /** The error for an exit that was not asked for. */
  failure(exit: ComponentExit): ComponentFailedError {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const tail = logTail(this.spec.logFile);
    return new ComponentFailedError(this.spec.name, `${this.spec.name} ${how} (log: ${this.spec.logFile})${tail ? `\n${lastLines(tail, 15)}` : ''}`, tail);
  }

  /** SIGTERM, SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.done) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function lastLines(text: string, n: number): string {
  return text.split('\n').slice(-n).join('\n');
}

export interface ReadyOptions {
  /** What is awaited, for the error. */
  description: string;
  timeoutMs: number;
  intervalMs?: number;
}

/**
 * Probe until `probe` resolves true, the deadline passes, or the process exits.
 * @throws ComponentFailedError naming the component, what was awaited and the log's tail.
 */
export async function waitReady(component: ComponentProcess, probe: () => Promise<boolean>, options: ReadyOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  let exit: ComponentExit | undefined;
  void component.exited.then((e) => (exit = e));
  for (;;) {
    if (exit) throw component.failure(exit);
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (exit) throw component.failure(exit);
    if (Date.now() > deadline) {
      const tail = logTail(component.spec.logFile);
      throw new ComponentFailedError(component.spec.name, `${component.spec.name}: ${options.description} did not happen within ${options.timeoutMs} ms${lastError ? ` (last probe: ${lastError})` : ''} (log: ${component.spec.logFile})${tail ? `\n${lastLines(tail, 15)}` : ''}`, tail);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}
