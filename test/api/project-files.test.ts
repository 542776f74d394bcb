import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProjectFileError, installProjects, loadProjectsDir } from '../../src/api/index.js';
import { createMemoryProjectStore } from '../../src/store/index.js';

const yaml = (name: string, extra = ''): string => `apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: ${name}\nspec:\n  sourceRepos: ["https://git.example.com/**"]\n${extra}`;

describe('loadProjectsDir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-projects-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should read every yaml, yml and json AppProject, several documents per YAML file, skipping dot files and others', async () => {
    await writeFile(join(dir, 'a.yaml'), `${yaml('a')}---\n${yaml('b')}`);
    await writeFile(join(dir, 'c.json'), JSON.stringify({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'c' }, spec: {} }));
    await writeFile(join(dir, 'd.yml'), yaml('d'));
    await writeFile(join(dir, '..data.yaml'), 'not: read');
    await writeFile(join(dir, 'notes.txt'), 'not read');
    const loaded = await loadProjectsDir(dir);
    expect(loaded.map((p) => `${p.name} ${p.file.slice(dir.length + 1)}`)).toEqual(['a a.yaml', 'b a.yaml', 'c c.json', 'd d.yml']);
  });

  it('should name the file and the field of an invalid project', async () => {
    await writeFile(join(dir, 'bad.yaml'), yaml('bad', '  syncWindows: []\n'));
    const err = await loadProjectsDir(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProjectFileError);
    expect((err as Error).message).toBe(`${join(dir, 'bad.yaml')}: document 1: spec.syncWindows is not supported: sync windows are not implemented`);
  });

  it('should refuse a project defined twice, naming both files', async () => {
    await writeFile(join(dir, 'one.yaml'), yaml('same'));
    await writeFile(join(dir, 'two.yaml'), yaml('same'));
    await expect(loadProjectsDir(dir)).rejects.toThrow(`${join(dir, 'two.yaml')}: project same is also defined in ${join(dir, 'one.yaml')}`);
  });

  it('should name a folder that cannot be read', async () => {
    await expect(loadProjectsDir(join(dir, 'missing'))).rejects.toThrow(/missing: cannot read the projects folder/);
  });
});

describe('installProjects', () => {
  it('should mark the install\'s projects, add the built-in default, and unmark projects the install dropped', async () => {
    const store = createMemoryProjectStore();
    const spec = { sourceRepos: ['*'], destinations: [], clusterResourceWhitelist: [], clusterResourceBlacklist: [], namespaceResourceBlacklist: [] };
    expect(await installProjects({ store, projects: [{ name: 'team', spec, original: {} }], ownNamespace: 'hookrunner' })).toEqual(['default', 'team']);
    expect((await store.getProject('team'))?.managedBy).toBe('install');
    expect((await store.getProject('default'))?.spec.destinations).toContainEqual({ server: 'https://kubernetes.default.svc', namespace: '!hookrunner' });
    await installProjects({ store, projects: [{ name: 'default', spec, original: {} }] });
    expect((await store.getProject('default'))?.spec.sourceRepos).toEqual(['*']);
    expect((await store.getProject('team'))?.managedBy).toBeUndefined();
  });
});
