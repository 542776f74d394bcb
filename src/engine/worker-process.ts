import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { redisTargetEnv } from '../queue/index.js';
import type { RedisTarget } from '../queue/index.js';

/**
 * Step workers in processes of their own: `hookrunner worker` as a child process of this one, on
 * the same Redis and prefix (benches and crash tests kill and restart them). Runs the built
 * binary: `npm run build` first.
 */

/** `bin/hookrunner`, from `src/engine` and from `dist/engine` alike. */
const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'hookrunner');

export interface WorkerProcess {
  proc: ChildProcess;
  /** stderr lines (JSON logs). */
  lines: string[];
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Start `hookrunner worker --concurrency <n>` with only PATH, HOME and the given settings in its
 * environment; `execArgv`: node flags before the script (e.g. `--cpu-prof`, which Node 20 refuses
 * in NODE_OPTIONS). @defaultValue concurrency 4, no node flags
 */
export function spawnWorker(options: { redisUrl: RedisTarget; prefix: string; kubeconfig: string; concurrency?: number; env?: Record<string, string>; execArgv?: string[] }): WorkerProcess {
  const proc = spawn(process.execPath, [...(options.execArgv ?? []), BIN, 'worker', '--concurrency', String(options.concurrency ?? 4)], {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? '/tmp',
      ...redisTargetEnv(options.redisUrl),
      KUBECONFIG: options.kubeconfig,
      HOOKRUNNER_PREFIX: options.prefix,
      HOOKRUNNER_LOG_LEVEL: 'info',
      ...(options.env ?? {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: string[] = [];
  let buffer = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc,
    lines,
    exited,
    kill(signal = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
  };
}
