import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/architecture.md "Folders": which folder may import which. `manifests` (the vocabulary) and
 * `util` (timeouts, retries) are allowed everywhere; `cli` may import everything.
 */
const ALLOWED: Record<string, readonly string[]> = {
  manifests: [],
  util: [],
  sources: [],
  projects: [],
  devchat: [],
  plan: ['manifests'],
  diff: [],
  sync: ['plan', 'diff', 'projects'],
  cluster: ['manifests'],
  podruntime: [],
  devcluster: ['cluster', 'podruntime'],
  nodeagent: ['cluster', 'podruntime'],
  controlplane: ['cluster', 'nodeagent', 'podruntime'],
  queue: ['sync', 'plan'],
  store: ['sync', 'plan', 'queue', 'projects'],
  chat: ['sync'],
  notifications: ['chat', 'sync', 'plan', 'queue', 'store'],
  orchestrator: ['sync', 'plan', 'queue', 'store'],
  worker: ['queue', 'cluster', 'sync', 'plan', 'diff', 'projects'],
  engine: ['orchestrator', 'worker', 'notifications', 'queue', 'store', 'sync', 'plan', 'cluster', 'chat', 'diff'],
  status: ['cluster', 'diff', 'plan', 'sync'],
  api: ['engine', 'orchestrator', 'store', 'sync', 'plan', 'queue', 'notifications', 'chat', 'sources', 'diff', 'status', 'projects'],
};
const EVERYWHERE = ['manifests', 'util'];

async function listTs(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listTs(full)));
    else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

describe('architecture: imports point down the folder table', () => {
  it('should only import allowed folders', async () => {
    const violations: string[] = [];
    for (const file of await listTs('src')) {
      const folder = relative('src', file).split('/')[0] ?? '';
      if (folder === 'cli' || folder.endsWith('.ts')) continue;
      const allowed = ALLOWED[folder];
      if (!allowed) {
        violations.push(`${file}: folder "${folder}" is not in docs/architecture.md's table`);
        continue;
      }
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/from '(\.\.\/[^']+)'/g)) {
        const target = relative('src', join(file, '..', m[1] ?? '')).split('/')[0] ?? '';
        if (target !== folder && !allowed.includes(target) && !EVERYWHERE.includes(target)) {
          violations.push(`${file} imports ${m[1]} (${folder} → ${target})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
