/**
 * One bare mirror clone of one repository: clone, fetch, resolve a revision to a commit, and
 * extract a commit's files. Callers serialise calls per repository (see `createKeyedLock`).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { backoffDelay, sleep } from '../util/index.js';
import type { BackoffOptions, Logger } from '../util/index.js';
import { GitCommandError, UnknownRepositoryError, UnknownRevisionError } from './errors.js';
import { redactUrl } from './repo-url.js';
import { GitExitError, lastLines, runGit } from './run-git.js';

export interface MirrorOptions {
  repoURL: string;
  /** Where the bare mirror lives. */
  dir: string;
  networkTimeoutMs: number;
  localTimeoutMs: number;
  networkAttempts: number;
  backoff: BackoffOptions;
  logger: Logger;
  git: string;
}

export interface ResolvedRevision {
  /** The full commit sha: the operation's revision (§7 hook names use it). */
  sha: string;
  /** What the revision named: `refs/heads/main`, `refs/tags/v1`, or the sha itself. */
  ref: string;
}

const NETWORK = /could not resolve host|could not resolve hostname|connection timed out|connection refused|network is unreachable|operation timed out|failed to connect|connection reset|early eof|remote end hung up|gnutls|ssl|tls|temporarily unavailable|http 5\d\d|error: 5\d\d/i;
const UNKNOWN_REPO = /does not appear to be a git repository|repository .*not found|not found|could not read from remote repository|authentication failed|could not read username|permission denied|does not exist|access denied|invalid username or password|http 40[134]/i;
const FULL_SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/i;
/** Abort an http(s) transfer slower than 1000 bytes/s for 30 s (git's own stall detection). */
const LOW_SPEED_ARGS = ['-c', 'http.lowSpeedLimit=1000', '-c', 'http.lowSpeedTime=30'] as const;

function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

export interface Mirror {
  /** Clone when missing, else fetch (skipped when `revision` is a full sha already present). Then resolve. */
  update(revision: string): Promise<ResolvedRevision>;
  /** Write the files of commit `sha` into the (new) folder `target`; symlinks become plain files. */
  extract(sha: string, target: string): Promise<void>;
  /** Branch names, for messages. */
  branches(): Promise<string[]>;
}

export function openMirror(options: MirrorOptions): Mirror {
  const { repoURL, dir, networkTimeoutMs, localTimeoutMs, networkAttempts, backoff, logger, git } = options;
  const safeUrl = redactUrl(repoURL);
  const local = (args: string[], env?: Record<string, string>) => runGit({ args: [`--git-dir=${dir}`, ...args], timeoutMs: localTimeoutMs, git, ...(env ? { env } : {}) });

  /**
   * Run `attempt` (one clone or fetch) with bounded retries on network failures; a refused or
   * missing repository fails at once. Network commands give up on a stalled transfer by
   * themselves (below 1000 B/s for 30 s) besides the timeout.
   */
  async function network<T>(what: 'clone' | 'fetch', attempt: (networkArgs: readonly string[]) => Promise<T>): Promise<T> {
    for (let made = 0; ; made++) {
      const started = Date.now();
      try {
        const result = await attempt(LOW_SPEED_ARGS);
        logger.debug(`git ${what} done`, { repo: safeUrl, ms: Date.now() - started });
        return result;
      } catch (err) {
        const stderr = err instanceof GitExitError ? err.stderr : '';
        if (err instanceof GitExitError && !NETWORK.test(stderr) && UNKNOWN_REPO.test(stderr)) {
          throw new UnknownRepositoryError(safeUrl, lastLines(stderr, 2), { cause: err });
        }
        if (made + 1 >= networkAttempts) {
          const reason = err instanceof GitExitError ? lastLines(stderr, 2) : err instanceof Error ? err.message : String(err);
          throw new GitCommandError(`cannot ${what} ${safeUrl} (${made + 1} attempts): ${reason}`, { command: `git ${what}`, stderr, timedOut: err instanceof GitCommandError && err.details.timedOut }, { cause: err });
        }
        const delay = backoffDelay(made, backoff);
        logger.warn(`git ${what} failed, retrying`, { repo: safeUrl, attempt: made + 1, delayMs: delay, error: err instanceof Error ? err.message : String(err) });
        await sleep(delay);
      }
    }
  }

  /** Clone into a fresh temp folder per attempt (a killed clone leaves a half-made one behind), then move it in place. */
  async function clone(): Promise<void> {
    await mkdir(dirname(dir), { recursive: true });
    const tmp = await network('clone', async (networkArgs) => {
      const attemptDir = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
      try {
        await runGit({ args: [...networkArgs, 'clone', '--mirror', '--quiet', '--', repoURL, attemptDir], timeoutMs: networkTimeoutMs, git });
        return attemptDir;
      } catch (err) {
        await rm(attemptDir, { recursive: true, force: true });
        throw err;
      }
    });
    try {
      await rename(tmp, dir);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  async function commitExists(rev: string): Promise<string | undefined> {
    try {
      const { stdout } = await local(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
      return stdout.trim() || undefined;
    } catch (err) {
      if (err instanceof GitExitError) return undefined;
      throw err;
    }
  }

  async function branches(): Promise<string[]> {
    const { stdout } = await local(['for-each-ref', '--format=%(refname:short)', 'refs/heads']);
    return stdout.split('\n').filter((b) => b.length > 0);
  }

  async function resolve(revision: string): Promise<ResolvedRevision> {
    if (revision === 'HEAD' || revision === '') {
      const sha = await commitExists('HEAD');
      if (sha) {
        const { stdout } = await local(['symbolic-ref', '--quiet', 'HEAD']).catch(() => ({ stdout: 'HEAD' }));
        return { sha, ref: stdout.trim() || 'HEAD' };
      }
    } else {
      const candidates = revision.startsWith('refs/') ? [revision] : [`refs/heads/${revision}`, `refs/tags/${revision}`];
      for (const ref of candidates) {
        const sha = await commitExists(ref);
        if (sha) return { sha, ref };
      }
      if (/^[0-9a-f]{4,64}$/i.test(revision)) {
        const sha = await commitExists(revision);
        if (sha) return { sha, ref: sha };
      }
    }
    throw new UnknownRevisionError(safeUrl, revision || 'HEAD', await branches());
  }

  return {
    async update(revision) {
      if (!(await isDirectory(dir))) {
        logger.info('cloning repository', { repo: safeUrl });
        await clone();
        return resolve(revision);
      }
      if (FULL_SHA.test(revision)) {
        const sha = await commitExists(revision);
        if (sha) return { sha, ref: sha };
      }
      await network('fetch', (networkArgs) => runGit({ args: [...networkArgs, `--git-dir=${dir}`, 'fetch', '--prune', '--quiet', 'origin'], timeoutMs: networkTimeoutMs, git }));
      return resolve(revision);
    },
    async extract(sha, target) {
      await mkdir(target, { recursive: true });
      const env = { GIT_INDEX_FILE: `${target}.index` };
      try {
        await local(['read-tree', sha], env);
        await local([`--work-tree=${target}`, '-c', 'core.symlinks=false', 'checkout-index', '--all', '--force'], env);
      } finally {
        await rm(`${target}.index`, { force: true });
      }
    },
    branches,
  };
}
