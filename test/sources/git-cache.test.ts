import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManifestError } from '../../src/manifests/index.js';
import { createGitCache, GitCommandError, SourcePathError, UnknownRepositoryError, UnknownRevisionError, UnsupportedRepositoryUrlError } from '../../src/sources/index.js';
import type { GitCache } from '../../src/sources/index.js';
import { createTestRepo } from './git-fixture.js';
import type { TestRepo } from './git-fixture.js';

const configMap = (name: string, data = 'v1'): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: ${data}\n`;

describe('git source cache', () => {
  let repo: TestRepo;
  let cache: GitCache;

  beforeEach(async () => {
    repo = await createTestRepo({ 'apps/demo/cm.yaml': configMap('demo'), 'apps/demo/nested/deep.yaml': configMap('deep'), 'README.md': '# demo\n' });
    cache = createGitCache({ networkAttempts: 2, backoff: { initialMs: 10, maxMs: 20 } });
  });

  afterEach(async () => {
    const dir = cache.dir;
    await cache.close();
    await repo.remove();
    if (dir) await expect(stat(dir)).rejects.toThrow();
  });

  describe('when a branch is loaded', () => {
    it('should resolve it to the commit sha and load the manifests at the path, named relative to the repository', async () => {
      const head = await cache.resolve({ repoURL: repo.url, targetRevision: 'main' });
      const loaded = await cache.load({ repoURL: repo.url, targetRevision: 'main', path: 'apps/demo' });
      expect(loaded.revision).toBe(head.sha);
      expect(loaded.revision).toMatch(/^[0-9a-f]{40}$/);
      expect(loaded.ref).toBe('refs/heads/main');
      expect(loaded.manifests.map((m) => m.object.metadata.name)).toEqual(['demo']);
      expect(loaded.manifests[0]?.source.file).toBe('apps/demo/cm.yaml');
    });

    it('should read sub-folders with directory.recurse and filter with include/exclude', async () => {
      const all = await cache.load({ repoURL: repo.url, path: 'apps/demo', directory: { recurse: true } });
      expect(all.manifests.map((m) => m.object.metadata.name)).toEqual(['demo', 'deep']);
      const some = await cache.load({ repoURL: repo.url, path: 'apps/demo', directory: { recurse: true, exclude: ['nested/**'] } });
      expect(some.manifests.map((m) => m.object.metadata.name)).toEqual(['demo']);
    });
  });

  describe('when the revision is HEAD, a tag or a sha', () => {
    it('should resolve HEAD to the default branch', async () => {
      const resolved = await cache.resolve({ repoURL: repo.url, targetRevision: 'HEAD' });
      expect(resolved.ref).toBe('refs/heads/main');
    });

    it('should resolve a tag and a full or abbreviated sha to that commit', async () => {
      const first = (await cache.resolve({ repoURL: repo.url })).sha;
      await repo.tag('v1');
      const second = await repo.commit({ 'apps/demo/cm.yaml': configMap('demo', 'v2') });
      expect((await cache.resolve({ repoURL: repo.url, targetRevision: 'v1' })).sha).toBe(first);
      expect((await cache.resolve({ repoURL: repo.url, targetRevision: first })).sha).toBe(first);
      expect((await cache.resolve({ repoURL: repo.url, targetRevision: second.slice(0, 10) })).sha).toBe(second);
      const old = await cache.load({ repoURL: repo.url, targetRevision: first, path: 'apps/demo' });
      expect(old.manifests[0]?.object['data']).toEqual({ value: 'v1' });
    });
  });

  describe('when a new commit is pushed', () => {
    it('should fetch it and check it out beside the older commit', async () => {
      const before = await cache.load({ repoURL: repo.url, targetRevision: 'main', path: 'apps/demo' });
      const pushed = await repo.commit({ 'apps/demo/cm.yaml': configMap('demo', 'v2'), 'apps/demo/extra.yaml': configMap('extra') });
      const after = await cache.load({ repoURL: repo.url, targetRevision: 'main', path: 'apps/demo' });
      expect(after.revision).toBe(pushed);
      expect(after.revision).not.toBe(before.revision);
      expect(after.manifests.map((m) => [m.object.metadata.name, m.object['data']])).toEqual([
        ['demo', { value: 'v2' }],
        ['extra', { value: 'v1' }],
      ]);
      const repos = await readdir(join(cache.dir ?? '', 'repos'));
      expect(repos).toHaveLength(1);
      const [key] = repos;
      const checkouts = await readdir(join(cache.dir ?? '', 'checkouts', (key ?? '').replace(/\.git$/, '')));
      expect(checkouts.sort()).toEqual([before.revision, after.revision].sort());
    });
  });

  describe('when requests for one repository arrive at once', () => {
    it('should serialise them so clones and checkouts do not collide', async () => {
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => cache.load({ repoURL: repo.url, targetRevision: i % 2 ? 'main' : 'HEAD', path: 'apps/demo' })));
      expect(new Set(results.map((r) => r.revision)).size).toBe(1);
      expect(results.every((r) => r.manifests.length === 1)).toBe(true);
    });
  });

  describe('when the input is wrong', () => {
    it('should name the repository when it does not exist', async () => {
      const missing = `${repo.url.replace(/remote\.git$/, '')}nope.git`;
      const err = await cache.load({ repoURL: missing, path: '.' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnknownRepositoryError);
      expect((err as UnknownRepositoryError).field).toBe('repoURL');
      expect((err as Error).message).toContain('nope.git');
    });

    it('should refuse git\'s <helper>::<address> form before running git, naming repoURL (S3)', async () => {
      const err = await cache.load({ repoURL: 'ext::/tmp/evil-helper', path: '.' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedRepositoryUrlError);
      expect((err as UnsupportedRepositoryUrlError).field).toBe('repoURL');
      expect((err as Error).message).toContain('must not use git\'s "<transport>::<address>" form');
    });

    it('should list the branches when the revision is unknown', async () => {
      const err = await cache.load({ repoURL: repo.url, targetRevision: 'no-such-branch', path: '.' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnknownRevisionError);
      expect((err as UnknownRevisionError).field).toBe('targetRevision');
      expect((err as Error).message).toMatch(/revision "no-such-branch" not found .*branches: main/);
    });

    it('should refuse a missing path and a path that leaves the repository', async () => {
      const missing = await cache.load({ repoURL: repo.url, path: 'apps/nope' }).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(SourcePathError);
      expect((missing as Error).message).toMatch(/path "apps\/nope" does not exist/);
      const escape = await cache.load({ repoURL: repo.url, path: '../../etc' }).catch((e: unknown) => e);
      expect(escape).toBeInstanceOf(SourcePathError);
      expect((escape as Error).message).toContain('leaves the repository');
    });

    it('should report an invalid manifest with its file relative to the repository and its line', async () => {
      await repo.commit({ 'apps/demo/bad.yaml': 'apiVersion: v1\nmetadata:\n  name: x\n' });
      const err = await cache.load({ repoURL: repo.url, path: 'apps/demo' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ManifestError);
      expect((err as ManifestError).issues[0]?.file).toBe('apps/demo/bad.yaml');
    });

    it('should check symlinks out as plain files, so a link cannot read outside the repository', async () => {
      // Commit a symlink through a second clone of the bare repository.
      const work = await mkdtemp(join(tmpdir(), 'hookrunner-link-'));
      try {
        const run = (...args: string[]) => promisify(execFile)('git', args, { cwd: work, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } });
        await run('clone', '--quiet', repo.url, '.');
        await symlink('/etc/hostname', join(work, 'apps/demo/link.yaml'));
        await run('add', '--all');
        await run('commit', '--quiet', '-m', 'link');
        await run('push', '--quiet', 'origin', 'main');
      } finally {
        await rm(work, { recursive: true, force: true });
      }
      const err = await cache.load({ repoURL: repo.url, path: 'apps/demo' }).catch((e: unknown) => e);
      // The link is a file holding the text "/etc/hostname": not a manifest, and not the host's file.
      expect(err).toBeInstanceOf(ManifestError);
      expect((err as ManifestError).message).toContain('apps/demo/link.yaml');
    });
  });

  describe('when git cannot reach the repository', () => {
    it('should retry a bounded number of times and say what failed, without credentials', async () => {
      const err = await cache.resolve({ repoURL: 'https://user:hunter2@127.0.0.1:1/org/repo.git' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitCommandError);
      expect((err as Error).message).toMatch(/cannot clone https:\/\/\*\*\*@127\.0\.0\.1:1\/org\/repo\.git \(2 attempts\)/);
      expect((err as Error).message).not.toContain('hunter2');
    });
  });

  describe('when a manifest file or the application is over a size limit (issue 14)', () => {
    it('should refuse the oversized file by its repository path, size and limit, and load nothing', async () => {
      await repo.commit({ 'apps/demo/big.yaml': `${configMap('big')}data:\n  blob: "${'x'.repeat(2 * 1024 * 1024)}"\n` });
      const err: unknown = await cache.load({ repoURL: repo.url, path: 'apps/demo' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ManifestError);
      expect((err as ManifestError).issues).toHaveLength(1);
      expect((err as ManifestError).message).toMatch(/^apps\/demo\/big\.yaml: 2 MiB \(\d+ bytes\), over the manifest file limit of 1 MiB \(HOOKRUNNER_MAX_MANIFEST_FILE_SIZE/);
    });

    it('should refuse an application whose files are over the total or the file count', async () => {
      const limited = createGitCache({ limits: { maxTotalBytes: 100, maxFiles: 5 } });
      try {
        const total: unknown = await limited.load({ repoURL: repo.url, path: 'apps/demo', directory: { recurse: true } }).catch((e: unknown) => e);
        expect((total as ManifestError).message).toMatch(/^apps\/demo\/nested\/deep\.yaml: the manifest files up to this one hold \d+ B \(\d+ bytes\), over the limit of 100 B for one application \(HOOKRUNNER_MAX_MANIFESTS_SIZE\)/);
        await repo.commit(Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`apps/demo/cm${i}.yaml`, configMap(`cm${i}`)])));
        const count: unknown = await limited.load({ repoURL: repo.url, path: 'apps/demo' }).catch((e: unknown) => e);
        expect((count as ManifestError).message).toMatch(/6 manifest files, over the limit of 5 files \(HOOKRUNNER_MAX_MANIFEST_FILES\)/);
      } finally {
        await limited.close();
      }
    });
  });
});
