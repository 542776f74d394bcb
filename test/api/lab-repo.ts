/** The lab's manifests (test/helpers/lab.ts: shell-command hooks) committed into a local bare git repository. */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeLab } from '../helpers/lab.js';
import type { LabOptions } from '../helpers/lab.js';
import { createTestRepo } from '../sources/git-fixture.js';
import type { TestRepo } from '../sources/git-fixture.js';

export const LAB_PATH = 'apps/sync-phases';

/** The lab's files as `<path>/<file>` → text. */
export async function labFiles(options: LabOptions = {}, path = LAB_PATH): Promise<Record<string, string>> {
  const lab = await writeLab(options);
  try {
    const files: Record<string, string> = {};
    for (const name of await readdir(lab.dir)) files[`${path}/${name}`] = await readFile(join(lab.dir, name), 'utf8');
    return files;
  } finally {
    await lab.cleanup();
  }
}

export async function createLabRepo(options: LabOptions = {}, extra: Record<string, string> = {}): Promise<TestRepo> {
  return createTestRepo({ ...(await labFiles(options)), 'README.md': '# lab\n', ...extra });
}
