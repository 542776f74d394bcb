/**
 * Local git repositories for tests: a bare repository (the "remote", reached by a `file://`
 * URL) and a working clone that commits and pushes to it, both made with the git CLI.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, env: GIT_ENV, timeout: 20_000 });
  return stdout.trim();
}

export interface TestRepo {
  /** `file:///…/remote.git` */
  url: string;
  bareDir: string;
  /**
   * Write (or, with `null`, delete) files in the working clone, commit on `branch` and push.
   * Returns the new commit's sha.
   */
  commit(files: Record<string, string | null>, options?: { message?: string; branch?: string }): Promise<string>;
  tag(name: string, ref?: string): Promise<void>;
  remove(): Promise<void>;
}

/** A bare repository with a first commit of `files` on `branch` (its default branch). */
export async function createTestRepo(files: Record<string, string>, options: { branch?: string } = {}): Promise<TestRepo> {
  const branch = options.branch ?? 'main';
  const root = await mkdtemp(join(tmpdir(), 'hookrunner-test-repo-'));
  const bareDir = join(root, 'remote.git');
  const work = join(root, 'work');
  await git(root, 'init', '--quiet', '--bare', `--initial-branch=${branch}`, bareDir);
  await git(root, 'init', '--quiet', `--initial-branch=${branch}`, work);
  await git(work, 'remote', 'add', 'origin', bareDir);
  let current = branch;

  const repo: TestRepo = {
    url: `file://${bareDir}`,
    bareDir,
    async commit(changes, commitOptions = {}) {
      const target = commitOptions.branch ?? branch;
      if (target !== current) {
        const exists = await git(work, 'branch', '--list', target);
        await git(work, 'checkout', '--quiet', ...(exists ? [target] : ['-b', target]));
        current = target;
      }
      for (const [path, content] of Object.entries(changes)) {
        const full = join(work, path);
        if (content === null) {
          await rm(full, { force: true });
        } else {
          await mkdir(dirname(full), { recursive: true });
          await writeFile(full, content);
        }
      }
      await git(work, 'add', '--all');
      await git(work, 'commit', '--quiet', '--allow-empty', '-m', commitOptions.message ?? 'change');
      await git(work, 'push', '--quiet', 'origin', target);
      return git(work, 'rev-parse', 'HEAD');
    },
    async tag(name, ref = 'HEAD') {
      await git(work, 'tag', name, ref);
      await git(work, 'push', '--quiet', 'origin', name);
    },
    async remove() {
      await rm(root, { recursive: true, force: true });
    },
  };
  await repo.commit(files, { message: 'initial' });
  return repo;
}
