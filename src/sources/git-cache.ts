/**
 * The git source cache: one bare mirror per repository, one extracted checkout per commit, a
 * lock per repository so concurrent requests never collide. `load()` is what a sync needs:
 * the commit sha (the operation's revision) and the manifests at the Application's path.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { ManifestError, loadManifests } from '../manifests/index.js';
import type { LoadOptions, Manifest, ManifestLimits, Warning } from '../manifests/index.js';
import { silentLogger } from '../util/index.js';
import type { BackoffOptions, Logger } from '../util/index.js';
import { SourcePathError, UnsupportedRepositoryUrlError } from './errors.js';
import { createKeyedLock } from './keyed-lock.js';
import { openMirror } from './mirror.js';
import type { ResolvedRevision } from './mirror.js';
import { TRANSPORT_HELPER_MESSAGE, isTransportHelperForm, normalizeRepoUrl, redactUrl } from './repo-url.js';

export interface GitCacheOptions {
  /** The cache folder. @defaultValue a new folder under the OS temp dir, removed by `close()` */
  dir?: string;
  /** Deadline of one clone or fetch. @defaultValue 120_000 */
  networkTimeoutMs?: number;
  /** Deadline of one local git command. @defaultValue 30_000 */
  localTimeoutMs?: number;
  /** Attempts of a clone or fetch that fails for a network reason (a missing repository fails at once). @defaultValue 3 */
  networkAttempts?: number;
  /** Backoff between those attempts. @defaultValue `{ initialMs: 500, maxMs: 5_000 }` */
  backoff?: BackoffOptions;
  /** Checkouts kept per repository; the least recently used go first. @defaultValue 20 */
  maxCheckoutsPerRepository?: number;
  /** The git executable. @defaultValue 'git' */
  git?: string;
  /** @defaultValue silent */
  logger?: Logger;
  /** Size limits of an application's manifests (issue 14), whatever the Application's `directory` says. @defaultValue DEFAULT_SIZE_LIMITS */
  limits?: Partial<ManifestLimits>;
}

/** Where to read an Application's manifests from (its `spec.source`). */
export interface SourceRequest {
  repoURL: string;
  /** Branch, tag, commit sha, or `HEAD` (the default branch). @defaultValue 'HEAD' */
  targetRevision?: string;
  /** Folder (or file) inside the repository. @defaultValue '.' */
  path?: string;
  /** Argo CD `directory` options. @defaultValue not recursive, every manifest file */
  directory?: LoadOptions;
}

/** The manifests of one commit; file names in them are relative to the repository root. */
export interface LoadedSource {
  /** The full commit sha. */
  revision: string;
  ref: string;
  manifests: Manifest[];
  warnings: Warning[];
}

export interface GitCache {
  /** The cache folder (known after the first call when it is a temp folder). */
  readonly dir: string | undefined;
  /**
   * Fetch and resolve a revision to a commit.
   * @throws UnknownRepositoryError, UnknownRevisionError, GitCommandError
   */
  resolve(request: { repoURL: string; targetRevision?: string }): Promise<ResolvedRevision>;
  /**
   * Fetch, resolve, check out and load the manifests at `path`.
   * @throws UnknownRepositoryError, UnknownRevisionError, SourcePathError, ManifestError (file names relative to the repository), GitCommandError
   */
  load(request: SourceRequest): Promise<LoadedSource>;
  /** Wait for work in progress; remove the folder when it was a temp folder. */
  close(): Promise<void>;
}

export function createGitCache(options: GitCacheOptions = {}): GitCache {
  const {
    networkTimeoutMs = 120_000,
    localTimeoutMs = 30_000,
    networkAttempts = 3,
    backoff = { initialMs: 500, maxMs: 5_000 },
    maxCheckoutsPerRepository = 20,
    git = 'git',
    logger = silentLogger,
  } = options;
  const lock = createKeyedLock();
  let root: string | undefined = options.dir;
  let rootReady: Promise<string> | undefined;
  const pending = new Set<Promise<unknown>>();

  function ensureRoot(): Promise<string> {
    rootReady ??= (async () => {
      if (options.dir) await mkdir(options.dir, { recursive: true });
      else root = await mkdtemp(join(tmpdir(), 'hookrunner-git-'));
      return root as string;
    })();
    return rootReady;
  }

  function repoKey(repoURL: string): string {
    const slug = normalizeRepoUrl(redactUrl(repoURL))
      .replace(/^file:\/\//, '')
      .replace(/[^a-z0-9._-]+/gi, '-')
      .replace(/^-+|-+$/g, '')
      .slice(-40);
    return `${slug}-${createHash('sha256').update(repoURL).digest('hex').slice(0, 12)}`;
  }

  /** Run `fn` holding the repository's lock, with its mirror opened. */
  function withRepository<T>(repoURL: string, fn: (ctx: { mirror: ReturnType<typeof openMirror>; checkouts: string }) => Promise<T>): Promise<T> {
    if (isTransportHelperForm(repoURL)) return Promise.reject(new UnsupportedRepositoryUrlError(redactUrl(repoURL), TRANSPORT_HELPER_MESSAGE));
    const key = repoKey(repoURL);
    const work = lock.run(key, async () => {
      const base = await ensureRoot();
      const mirror = openMirror({ repoURL, dir: join(base, 'repos', `${key}.git`), networkTimeoutMs, localTimeoutMs, networkAttempts, backoff, logger, git });
      return fn({ mirror, checkouts: join(base, 'checkouts', key) });
    });
    pending.add(work);
    void work.then(
      () => pending.delete(work),
      () => pending.delete(work),
    );
    return work;
  }

  async function checkout(mirror: ReturnType<typeof openMirror>, checkouts: string, sha: string): Promise<string> {
    const target = join(checkouts, sha);
    const now = new Date();
    if (await exists(target)) {
      await utimes(target, now, now);
      return target;
    }
    await mkdir(checkouts, { recursive: true });
    const tmp = join(checkouts, `.tmp-${sha}-${randomBytes(4).toString('hex')}`);
    try {
      await mirror.extract(sha, tmp);
      await rename(tmp, target);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    await pruneCheckouts(checkouts, sha);
    return target;
  }

  async function pruneCheckouts(checkouts: string, keep: string): Promise<void> {
    const entries = (await readdir(checkouts)).filter((e) => !e.startsWith('.') && e !== keep);
    if (entries.length < maxCheckoutsPerRepository) return;
    const aged = await Promise.all(entries.map(async (e) => ({ e, t: (await stat(join(checkouts, e))).mtimeMs })));
    aged.sort((a, b) => a.t - b.t);
    for (const { e } of aged.slice(0, entries.length - maxCheckoutsPerRepository + 1)) {
      await rm(join(checkouts, e), { recursive: true, force: true });
    }
  }

  return {
    get dir() {
      return root;
    },
    resolve(request) {
      return withRepository(request.repoURL, ({ mirror }) => mirror.update(request.targetRevision ?? 'HEAD'));
    },
    load(request) {
      return withRepository(request.repoURL, async ({ mirror, checkouts }) => {
        const resolved = await mirror.update(request.targetRevision ?? 'HEAD');
        const tree = await checkout(mirror, checkouts, resolved.sha);
        const path = request.path ?? '.';
        const target = sourcePath({ tree, path, repoURL: redactUrl(request.repoURL), sha: resolved.sha });
        if (!(await exists(target))) throw new SourcePathError(redactUrl(request.repoURL), resolved.sha, path, 'does not exist');
        const loaded = await loadRelative(tree, target, { ...request.directory, ...(options.limits ? { limits: options.limits } : {}) });
        return { revision: resolved.sha, ref: resolved.ref, ...loaded };
      });
    },
    async close() {
      await Promise.allSettled([...pending]);
      if (!options.dir && root) await rm(root, { recursive: true, force: true });
    },
  };
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The absolute folder of `path` inside the checkout; a path that leaves the repository is refused. */
function sourcePath(input: { tree: string; path: string; repoURL: string; sha: string }): string {
  const normal = posix.normalize(input.path.replace(/\\/g, '/'));
  if (isAbsolute(input.path) || normal === '..' || normal.startsWith('../')) {
    throw new SourcePathError(input.repoURL, input.sha, input.path, 'leaves the repository');
  }
  return join(input.tree, normal);
}

/** Load manifests with file names relative to the repository root (`examples/app/job.yaml`). */
async function loadRelative(tree: string, target: string, directory: LoadOptions): Promise<{ manifests: Manifest[]; warnings: Warning[] }> {
  const rel = (file: string): string => {
    const r = relative(tree, file);
    return r.startsWith('..') ? file : r.split(sep).join('/') || '.';
  };
  try {
    const loaded = await loadManifests([target], directory);
    return {
      manifests: loaded.manifests.map((m) => ({ ...m, source: { ...m.source, file: rel(m.source.file) } })),
      warnings: loaded.warnings.map((w) => ({ ...w, file: rel(w.file) })),
    };
  } catch (err) {
    if (err instanceof ManifestError) throw new ManifestError(err.issues.map((i) => ({ ...i, file: rel(i.file) })), { cause: err });
    throw err;
  }
}
