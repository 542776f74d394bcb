/** Stand-ins for the `git` executable (shell scripts), to make git hang or leave helpers behind the way a stalled network does. */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeGit {
  /** The script to pass as `git`. */
  path: string;
  /** The folder the script and its notes live in. */
  dir: string;
  /** The argument lists it was called with, one line each. */
  calls(): Promise<string[]>;
  remove(): Promise<void>;
}

/** A script whose body is `body` (POSIX sh); `$NOTES` is its folder, every call is logged to `$NOTES/calls`. */
export async function createFakeGit(body: string): Promise<FakeGit> {
  const dir = await mkdtemp(join(tmpdir(), 'hookrunner-fake-git-'));
  const path = join(dir, 'git');
  await writeFile(path, `#!/bin/sh\nNOTES='${dir}'\necho "$*" >> "$NOTES/calls"\n${body}\n`);
  await chmod(path, 0o755);
  return {
    path,
    dir,
    async calls() {
      const text = await readFile(join(dir, 'calls'), 'utf8').catch(() => '');
      return text.split('\n').filter((l) => l.length > 0);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Whether a process runs (a zombie, killed but not yet reaped by a container's init, counts as gone). */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}
