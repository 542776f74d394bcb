/**
 * Run the built CLI (`node bin/hookrunner app …`) as a process, the way a user does: its own
 * environment only (no HOOKRUNNER_* of the test process), HOME in a temp folder so no real config
 * file is read, TZ=UTC for stable timestamps.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface AppRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnAppOptions {
  /** The whole environment of the process (PATH is added). */
  env: Record<string, string>;
  /** Kill it after this long. @defaultValue 90_000 */
  timeoutMs?: number;
  /** Called with the process and its output so far on every chunk (e.g. to send SIGINT). */
  onOutput?: (child: ChildProcess, out: { stdout: string; stderr: string }) => void;
}

const BIN = join(process.cwd(), 'bin', 'hookrunner');

export function spawnApp(args: string[], options: SpawnAppOptions): Promise<AppRun> {
  const { env, timeoutMs = 90_000, onOutput } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'app', ...args], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      out.stdout += chunk.toString();
      onOutput?.(child, out);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out.stderr += chunk.toString();
      onOutput?.(child, out);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ...out });
    });
  });
}
