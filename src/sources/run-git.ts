/** Run the `git` CLI: no shell, a timeout on every call, no prompts, credentials kept out of errors. */
import { execFile } from 'node:child_process';
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

/**
 * Run git and resolve with its output.
 * @throws GitExitError when git exits non-zero (stderr redacted).
 * @throws GitCommandError (caused by a DeadlineExceededError) when it runs past `timeoutMs`, or git cannot be started.
 */
export function runGit(options: RunGitOptions): Promise<GitOutput> {
  const { args, cwd, timeoutMs = 30_000, env = {}, git = 'git' } = options;
  const command = describeCommand(args);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      git,
      [...args],
      {
        cwd,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 32 * 1024 * 1024,
        encoding: 'utf8',
        env: {
          ...gitEnvironment(),
          GIT_TERMINAL_PROMPT: '0',
          GIT_ASKPASS: '',
          SSH_ASKPASS: '',
          GIT_SSH_COMMAND: process.env['GIT_SSH_COMMAND'] ?? 'ssh -o BatchMode=yes -o ConnectTimeout=20',
          GIT_CONFIG_NOSYSTEM: '1',
          LC_ALL: 'C',
          ...env,
        },
      },
      (err, stdout, stderr) => {
        if (!err) {
          resolve({ stdout, stderr });
          return;
        }
        const safeStderr = redactText(stderr ?? '');
        const failure = err as NodeJS.ErrnoException & { killed?: boolean; signal?: NodeJS.Signals | null; code?: number | string | null };
        if (failure.killed || (failure.signal === 'SIGKILL' && Date.now() - started >= timeoutMs)) {
          const deadline = new DeadlineExceededError(command, Date.now() - started, lastLines(safeStderr));
          reject(new GitCommandError(`${command} did not finish within ${formatMs(timeoutMs)}`, { command, stderr: safeStderr, timedOut: true }, { cause: deadline }));
          return;
        }
        if (typeof failure.code === 'string') {
          reject(new GitCommandError(`cannot run ${git}: ${failure.code} (is git installed?)`, { command, stderr: '', timedOut: false }, { cause: err }));
          return;
        }
        reject(new GitExitError(command, typeof failure.code === 'number' ? failure.code : null, safeStderr));
      },
    );
  });
}
