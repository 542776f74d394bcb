/**
 * One container instance as a local process group: spawned detached (its own process group, so
 * `sh -c` children are stopped with it), stdout and stderr into a log buffer, stopped with
 * SIGTERM then SIGKILL. When the main process exits, the rest of its group is killed, as a
 * container's processes end with its PID 1.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import type { LogBuffer } from './log-buffer.js';

export interface ContainerExit {
  exitCode: number;
  signal?: NodeJS.Signals;
}

export type StartResult = { started: ContainerProcess } | { startError: string };

export interface StartOptions {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  log: LogBuffer;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGABRT: 6, SIGSEGV: 11, SIGPIPE: 13 };

function killGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

/** How long to wait for the rest of a killed process group (children re-parented to init) to be reaped. */
const GROUP_GONE_DEADLINE_MS = 2_000;
const GROUP_GONE_STEP_MS = 5;

/**
 * Whether a process group still has a live (non-zombie) member. Zombies count as gone: where PID 1
 * does not reap orphans (some sandboxes), they would otherwise never leave.
 */
function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
  }
  return false;
}

/**
 * Resolve once no process of the group is left. There is no event for the exit of processes
 * that are not our children, so this checks in short steps, bounded by a deadline.
 */
async function groupGone(pid: number): Promise<void> {
  const deadline = Date.now() + GROUP_GONE_DEADLINE_MS;
  while (pid > 0 && groupExists(pid) && Date.now() < deadline) {
    killGroup(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, GROUP_GONE_STEP_MS));
  }
}

/** containerd's wording for an exec that cannot start. */
function startErrorMessage(argv0: string, code: string | undefined): string {
  const base = 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init:';
  if (code === 'ENOENT') {
    return argv0.includes('/')
      ? `${base} exec: "${argv0}": stat ${argv0}: no such file or directory: unknown`
      : `${base} exec: "${argv0}": executable file not found in $PATH: unknown`;
  }
  if (code === 'EACCES') return `${base} exec: "${argv0}": permission denied: unknown`;
  return `${base} exec: "${argv0}": ${code ?? 'unknown error'}: unknown`;
}

export class ContainerProcess {
  readonly pid: number;
  /** Resolves when the process has exited and its output is read. */
  readonly exited: Promise<ContainerExit>;
  private done = false;
  private killTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly child: ChildProcess, log: LogBuffer) {
    this.pid = child.pid ?? -1;
    child.stdout?.on('data', (chunk: Buffer) => log.append(chunk));
    child.stderr?.on('data', (chunk: Buffer) => log.append(chunk));
    child.on('exit', () => killGroup(this.pid, 'SIGKILL'));
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        if (this.killTimer) clearTimeout(this.killTimer);
        log.end();
        void groupGone(this.pid).then(() => {
          this.done = true;
          resolve(code !== null ? { exitCode: code } : { exitCode: 128 + (SIGNALS[signal ?? ''] ?? 1), ...(signal ? { signal } : {}) });
        });
      });
    });
  }

  /** Spawn; resolves once the process runs or failed to start (no such executable, permission). */
  static start(options: StartOptions): Promise<StartResult> {
    const [command, ...args] = options.argv;
    if (!command) return Promise.resolve({ startError: startErrorMessage('', 'ENOENT') });
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      } catch (err) {
        resolve({ startError: startErrorMessage(command, (err as NodeJS.ErrnoException).code) });
        return;
      }
      child.once('error', (err: NodeJS.ErrnoException) => {
        if (child.pid === undefined) resolve({ startError: startErrorMessage(command, err.code) });
      });
      child.once('spawn', () => resolve({ started: new ContainerProcess(child, options.log) }));
    });
  }

  get running(): boolean {
    return !this.done;
  }

  /** SIGTERM the group, SIGKILL after `graceMs` (0 = at once). Resolves on exit. */
  stop(graceMs: number): Promise<ContainerExit> {
    if (this.done) return this.exited;
    if (graceMs <= 0) killGroup(this.pid, 'SIGKILL');
    else {
      killGroup(this.pid, 'SIGTERM');
      if (!this.killTimer) this.killTimer = setTimeout(() => killGroup(this.pid, 'SIGKILL'), graceMs);
    }
    return this.exited;
  }
}
