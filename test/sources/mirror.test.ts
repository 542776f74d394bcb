import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMirror } from '../../src/sources/mirror.js';
import { silentLogger } from '../../src/util/index.js';
import { createFakeGit } from './fake-git.js';
import type { FakeGit } from './fake-git.js';
import { createTestRepo } from './git-fixture.js';
import type { TestRepo } from './git-fixture.js';

describe('when a clone times out and is retried', () => {
  let repo: TestRepo;
  let fake: FakeGit;
  let root: string;
  beforeEach(async () => {
    repo = await createTestRepo({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n' });
    // The first clone stalls after creating its target folder (as a real one does); later calls are real git.
    fake = await createFakeGit(['if [ ! -e "$NOTES/stalled" ]; then', '  touch "$NOTES/stalled"', '  for target; do :; done', '  mkdir -p "$target" && echo stale > "$target/HEAD"', '  sleep 30', 'fi', 'exec git "$@"'].join('\n'));
    root = await mkdtemp(join(tmpdir(), 'hookrunner-mirror-test-'));
  });
  afterEach(async () => {
    await repo.remove();
    await fake.remove();
    await rm(root, { recursive: true, force: true });
  });

  it('should clone into a fresh folder on each attempt (C3: the retry failed with "already exists"), with the low-speed limits set', async () => {
    const mirror = openMirror({
      repoURL: repo.url,
      dir: join(root, 'repos', 'lab.git'),
      networkTimeoutMs: 400,
      localTimeoutMs: 10_000,
      networkAttempts: 2,
      backoff: { initialMs: 10, maxMs: 20 },
      logger: silentLogger,
      git: fake.path,
    });
    const resolved = await mirror.update('main');
    expect(resolved.ref).toBe('refs/heads/main');
    expect(resolved.sha).toMatch(/^[0-9a-f]{40}$/);
    const clones = (await fake.calls()).filter((c) => c.includes(' clone '));
    expect(clones).toHaveLength(2);
    for (const call of clones) expect(call.startsWith('-c http.lowSpeedLimit=1000 -c http.lowSpeedTime=30 clone --mirror --quiet -- ')).toBe(true);
    const targets = clones.map((c) => c.split(' ').at(-1));
    expect(new Set(targets).size).toBe(2);
    // Only the mirror is left: the stalled attempt's folder was removed.
    expect(await readdir(join(root, 'repos'))).toEqual(['lab.git']);
  });
});
