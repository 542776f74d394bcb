import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GitCommandError } from '../../src/sources/index.js';
import { GitExitError, runGit } from '../../src/sources/run-git.js';
import { sleep } from '../../src/util/index.js';
import { createFakeGit, isRunning } from './fake-git.js';
import type { FakeGit } from './fake-git.js';

describe('when git is run', () => {
  let fake: FakeGit | undefined;
  afterEach(async () => {
    await fake?.remove();
    fake = undefined;
  });

  it.each([
    ['fd::5', 'fd'],
    ['git://127.0.0.1:1/org/repo.git', 'git'],
  ])('should refuse the %s transport through GIT_ALLOW_PROTOCOL (S3: remote helpers could run programs)', async (url, transport) => {
    const err = await runGit({ args: ['ls-remote', '--', url], timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitExitError);
    expect((err as GitExitError).stderr).toContain(`transport '${transport}' not allowed`);
  });

  it('should kill the helpers git started when it times out, not git alone (C3: git-remote-http kept running)', async () => {
    // Like git with git-remote-http under it: a child process holding git's output pipes.
    fake = await createFakeGit('sleep 30 &\necho $! > "$NOTES/helper.pid"\nwait');
    const err = await runGit({ args: ['fetch', 'origin'], git: fake.path, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitCommandError);
    expect((err as GitCommandError).details.timedOut).toBe(true);
    expect((err as Error).message).toBe('git fetch origin did not finish within 300ms');
    const helper = Number(await readFile(join(fake.dir, 'helper.pid'), 'utf8'));
    const deadline = Date.now() + 5_000;
    while ((await isRunning(helper)) && Date.now() < deadline) await sleep(20);
    expect(await isRunning(helper), `helper ${helper} still runs`).toBe(false);
  });
});
