/**
 * `examples/` holds applications only: `hookrunner plan examples` (and `--recurse`) must never
 * trip over a file that is not a Kubernetes manifest, such as the dev cluster's image mapping.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageResolver } from '../../src/podruntime/images.js';
import { loadImageMapping } from '../../src/devcluster/index.js';
import { runCli } from '../helpers/cli.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Paths relative to the repository root, as a user types them there (vitest runs from the root). */
function planFromRoot(args: string[]): ReturnType<typeof runCli> {
  expect(process.cwd()).toBe(ROOT);
  return runCli(['plan', ...args]);
}

describe('hookrunner plan examples', () => {
  it('should succeed without --recurse: no table, a warning pointing at --recurse', async () => {
    const { code, stdout, stderr } = await planFromRoot(['examples']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).not.toContain('PHASE');
    expect(stdout).toContain('examples:0: no .yaml, .yml or .json files found (--recurse reads sub-folders)');
  });

  it('should plan every example application with --recurse', async () => {
    const all = await planFromRoot(['examples', '--recurse', '-n', 'app-sync-phases', '-o', 'json']);
    expect(all.stderr).toBe('');
    expect(all.code).toBe(0);
    const doc = JSON.parse(all.stdout) as { tasks: { phase: string; kind: string; name: string; source: { file: string } }[]; warnings: unknown[] };
    expect(doc.warnings).toEqual([]);
    const folders = new Set(doc.tasks.map((t) => t.source.file.split('/').slice(0, 2).join('/')));
    expect([...folders].sort()).toEqual(['examples/sync-fail', 'examples/sync-phases']);

    // The same plan as naming the two folders, the combination examples/sync-fail documents.
    const named = await planFromRoot(['examples/sync-phases', 'examples/sync-fail', '-n', 'app-sync-phases', '-o', 'json']);
    const tasks = (out: string): string[] => (JSON.parse(out) as { tasks: { phase: string; kind: string; name: string }[] }).tasks.map((t) => `${t.phase} ${t.kind} ${t.name}`);
    expect(tasks(all.stdout)).toEqual(tasks(named.stdout));
  });
});

describe('the dev cluster image mapping', () => {
  it('should live outside examples/ and be the file `dev-cluster --help` names', async () => {
    expect(existsSync(resolve(ROOT, 'examples', 'dev-cluster-images.yaml'))).toBe(false);
    const { stdout } = await runCli(['dev-cluster', '--help']);
    const named = /see ([\w./-]+\.yaml)/.exec(stdout.replace(/\s+/g, ' '))?.[1];
    expect(named).toBe('images/dev-cluster.yaml');
    const mapping = await loadImageMapping(resolve(ROOT, named ?? ''));
    expect(new ImageResolver(mapping).entrypoint('curlimages/curl:8.5.0')).toEqual(['/bin/sh', '-c']);
    expect(new ImageResolver(mapping).entrypoint('mattermost-notifier:latest')).toEqual(['hookrunner', 'notify']);
  });
});
