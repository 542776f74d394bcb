import { describe, expect, it } from 'vitest';
import { parseProject } from '../../src/projects/index.js';

const doc = (spec: Record<string, unknown>) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'team' }, spec });

describe('parseProject', () => {
  it('should read the fields hookrunner implements', () => {
    const out = parseProject(doc({ description: 'd', sourceRepos: ['https://git/*'], destinations: [{ server: '*', namespace: 'team-*' }], clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }] }));
    expect(out).toEqual({
      ok: true,
      name: 'team',
      spec: { description: 'd', sourceRepos: ['https://git/*'], destinations: [{ server: '*', namespace: 'team-*' }], clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }], clusterResourceBlacklist: [], namespaceResourceBlacklist: [] },
    });
  });
  it('should keep an empty namespaceResourceWhitelist apart from an absent one', () => {
    const out = parseProject(doc({ namespaceResourceWhitelist: [] }));
    expect(out.ok && out.spec.namespaceResourceWhitelist).toEqual([]);
    const absent = parseProject(doc({}));
    expect(absent.ok && absent.spec.namespaceResourceWhitelist).toBeUndefined();
  });
  it('should refuse unimplemented spec fields by name', () => {
    const out = parseProject(doc({ roles: [], syncWindows: [] }));
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.errors.map((e) => e.field)).toEqual(['spec.roles', 'spec.syncWindows']);
      expect(out.errors[0]?.message).toMatch(/not supported: project roles/);
    }
  });
  it('should name bad fields', () => {
    const out = parseProject({ apiVersion: 'v1', kind: 'AppProject', metadata: { name: 'Bad_' }, spec: { destinations: [{ namespace: 'x' }], sourceRepos: ['[a'], clusterResourceWhitelist: [{ kind: 'X', verbs: [] }] } });
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.errors.map((e) => e.field).sort()).toEqual(['apiVersion', 'metadata.name', 'spec.clusterResourceWhitelist[0].verbs', 'spec.destinations[0]', 'spec.sourceRepos[0]']);
    }
  });
});
