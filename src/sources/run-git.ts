/** Run the `git` CLI: no shell, a timeout on every call, no prompts, credentials kept out of errors. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { DeadlineExceededError, formatMs } from '../util/index.js';
import { GitCommandError } from './errors.js';
import { redactText } from './repo-url.js';

export interface RunGitOptions {
  args: readonly string[];
  /** Working directory. @defaultValue the process's */
  cwd?: string;
  /** Kill git after this long. @defaultValue 30_000 */
  timeoutMs?: number;
  /** Extra environment (e.g. `GIT_INDEX_FILE`). @defaultValue none */
  env?: Readonly<Record<string, string>>;
  /** The `git` executable. @defaultValue 'git' */
  git?: string;
}

export interface GitOutput {
  stdout: string;
  stderr: string;
}

/** A failed git run that exited by itself (not a timeout): the caller decides what it means. */
export class GitExitError extends Error {
  override readonly name = 'GitExitError';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${command} exited with code ${exitCode}: ${lastLines(stderr)}`);
  }
}

/** The process environment without hookrunner's own settings (tokens, secrets, the Redis URL): git and its helpers never see them. */
function gitEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('HOOKRUNNER_') && key !== 'REDIS_URL'));
}

/** `git fetch --prune origin` out of the full argument list: global options left out, URLs redacted. */
function describeCommand(args: readonly string[]): string {
  let i = 0;
  while (i < args.length && (args[i] ?? '').startsWith('-')) i += args[i] === '-c' || args[i] === '-C' ? 2 : 1;
  return redactText(`git ${args.slice(i, i + 3).join(' ')}`);
}

/** The last non-empty lines of git's stderr, for messages. */
export function lastLines(text: string, count = 3): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('hint:'));
  return lines.slice(-count).join(' / ') || '(no output)';
}

/** Largest stdout or stderr kept from one git run. */
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

/**
 * The only transports git may use (`GIT_ALLOW_PROTOCOL`): no `ext::`/`fd::` remote helpers, which
 * run programs, nor the unauthenticated `git://`.
 */
export const ALLOWED_GIT_PROTOCOLS = 'https:http:ssh:file';

/**
 * Run git and resolve with its output. Git runs in its own process group, and a timeout kills the
 * whole group: its helpers (`git-remote-http`, `ssh`) die with it.
 * @throws GitExitError when git exits non-zero (stderr redacted).
 * @throws GitCommandError (caused by a DeadlineExceededError) when it runs past `timeoutMs`, or git cannot be started.
 */
export function runGit(options: RunGitOptions): Promise<GitOutput> {
  const { args, cwd, timeoutMs = 30_000, env = {}, git = 'git' } = options;
  const command = describeCommand(args);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(git, [...args], {
        cwd,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...gitEnvironment(),
          GIT_TERMINAL_PROMPT: '0',
          GIT_ASKPASS: '',
          SSH_ASKPASS: '',
          GIT_SSH_COMMAND: process.env['GIT_SSH_COMMAND'] ?? 'ssh -o BatchMode=yes -o ConnectTimeout=20',
          GIT_CONFIG_NOSYSTEM: '1',
          LC_ALL: 'C',
          ...env,
          GIT_ALLOW_PROTOCOL: ALLOWED_GIT_PROTOCOLS,
        },
      });
    } catch (err) {
      reject(new GitCommandError(`cannot run ${git}: ${err instanceof Error ? err.message : String(err)}`, { command, stderr: '', timedOut: false }, { cause: err }));
      return;
    }
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    let timedOut = false;
    let overflow = false;
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const onOverflow = (): void => {
      if (overflow) return;
      overflow = true;
      killGroup();
    };
    stdout.onOverflow = onOverflow;
    stderr.onOverflow = onOverflow;
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new GitCommandError(`cannot run ${git}: ${err.code ?? err.message} (is git installed?)`, { command, stderr: '', timedOut: false }, { cause: err }));
    });
    child.once('exit', (code) => {
      // Helpers that outlive a failed git (and hold its output pipes open) go with it.
      if (code !== 0) killGroup();
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const safeStderr = redactText(stderr.text());
      if (timedOut) {
        const deadline = new DeadlineExceededError(command, Date.now() - started, lastLines(safeStderr));
        reject(new GitCommandError(`${command} did not finish within ${formatMs(timeoutMs)}`, { command, stderr: safeStderr, timedOut: true }, { cause: deadline }));
        return;
      }
      if (overflow) {
        reject(new GitCommandError(`${command} wrote more than ${MAX_OUTPUT_BYTES} bytes of output`, { command, stderr: safeStderr, timedOut: false }));
        return;
      }
      if (code === 0) {
        resolve({ stdout: stdout.text(), stderr: stderr.text() });
        return;
      }
      reject(new GitExitError(command, code ?? null, signal ? `${safeStderr}\nkilled by ${signal}` : safeStderr));
    });
  });
}

/** Gather a stream's bytes up to {@link MAX_OUTPUT_BYTES}; past that, `onOverflow` is called once and the rest dropped. */
function collect(stream: Readable | null): { text(): string; onOverflow?: () => void } {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink: { text(): string; onOverflow?: () => void } = { text: () => Buffer.concat(chunks).toString('utf8') };
  stream?.on('data', (chunk: Buffer) => {
    if (size + chunk.length > MAX_OUTPUT_BYTES) {
      sink.onOverflow?.();
      return;
    }
    size += chunk.length;
    chunks.push(chunk);
  });
  return sink;
}
