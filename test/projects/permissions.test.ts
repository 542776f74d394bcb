import { describe, expect, it } from 'vitest';
import { builtinDefaultProject, isDestinationPermitted, isGroupKindPermitted, isSourcePermitted, resourceViolations } from '../../src/projects/index.js';
import type { ProjectDestination, ProjectSpec } from '../../src/projects/index.js';

const spec = (s: Partial<ProjectSpec>): ProjectSpec => ({ sourceRepos: [], destinations: [], clusterResourceWhitelist: [], clusterResourceBlacklist: [], namespaceResourceBlacklist: [], ...s });

// Argo CD pkg/apis/application/v1alpha1/types_test.go TestAppProject_IsSourcePermitted / IsNegatedSourcePermitted.
const sources: [string[], string, boolean][] = [
  [['*'], 'https://github.com/argoproj/test.git', true],
  [['https://github.com/argoproj/test.git'], 'https://github.com/argoproj/test.git', true],
  [['ssh://git@GITHUB.com:argoproj/test'], 'ssh://git@github.com:argoproj/test', true],
  [['https://github.com/argoproj/*'], 'https://github.com/argoproj/argoproj.git', true],
  [['https://github.com/test1/test.git', 'https://github.com/test2/test.git'], 'https://github.com/test2/test.git', true],
  [['https://github.com/argoproj/test1.git'], 'https://github.com/argoproj/test2.git', false],
  [['https://github.com/argoproj/*.git'], 'https://github.com/argoproj1/test2.git', false],
  [['https://github.com/argoproj/foo'], 'https://github.com/argoproj/foo1', false],
  [['https://gitlab.com/group/*'], 'https://gitlab.com/group/repo/owner', false],
  [['https://gitlab.com/group/*/*'], 'https://gitlab.com/group/repo/owner', true],
  [['https://gitlab.com/group/*/*/*'], 'https://gitlab.com/group/sub-group/repo/owner', true],
  [['https://gitlab.com/group/**'], 'https://gitlab.com/group/sub-group/repo/owner', true],
  [['!https://github.com/argoproj/test.git'], 'https://github.com/argoproj/test.git', false],
  [['!ssh://git@GITHUB.com:argoproj/test'], 'ssh://git@github.com:argoproj/test', false],
  [['!https://github.com/argoproj/*'], 'https://github.com/argoproj/argoproj.git', false],
  [['https://github.com/test1/test.git', '!https://github.com/test2/test.git'], 'https://github.com/test2/test.git', false],
  [['!https://github.com/argoproj/foo*'], 'https://github.com/argoproj/foo1', false],
  [['!https://gitlab.com/group/**'], 'https://gitlab.com/group/sub-group/repo/owner', false],
  [['https://github.com/argoproj/test1.git', '*'], 'https://github.com/argoproj/test2.git', true],
  [['!https://github.com/argoproj/*.git', '*'], 'https://github.com/argoproj1/test2.git', true],
  [['git@github.com:argoproj/*'], 'git@github.com:argoproj/test.git', true],
];

describe('isSourcePermitted (Argo CD cases)', () => {
  it.each(sources)('%j permits %s: %s', (repos, url, expected) => {
    expect(isSourcePermitted(spec({ sourceRepos: repos }), url)).toBe(expected);
  });
});

describe('isSourcePermitted: file:// only by a file:// pattern (ours)', () => {
  it('should not let * or ** reach a file:// URL', () => {
    expect(isSourcePermitted(spec({ sourceRepos: ['*'] }), 'file:///srv/repo')).toBe(false);
    expect(isSourcePermitted(spec({ sourceRepos: ['**'] }), 'file:///srv/repo')).toBe(false);
  });
  it('should let a file:// pattern reach matching file:// URLs only', () => {
    const s = spec({ sourceRepos: ['file:///tmp/lab/**'] });
    expect(isSourcePermitted(s, 'file:///tmp/lab/a/repo.git')).toBe(true);
    expect(isSourcePermitted(s, 'file:///etc/repo')).toBe(false);
  });
  it('should still apply a deny pattern to file:// URLs', () => {
    expect(isSourcePermitted(spec({ sourceRepos: ['file://**', '!file:///etc/**'] }), 'file:///etc/x')).toBe(false);
  });
});

const S = 'https://kubernetes.default.svc';
// Argo CD TestAppProject_IsDestinationPermitted / IsNegatedDestinationPermitted: [project destinations, app destination, permitted].
const destinations: [ProjectDestination[], { server?: string; name?: string; namespace: string }, boolean][] = [
  [[{ server: S, namespace: 'default' }], { server: S, namespace: 'default' }, true],
  [[{ server: S, namespace: 'default' }], { server: S, namespace: 'kube-system' }, false],
  [[{ server: 'https://my-cluster', namespace: 'default' }], { server: S, namespace: 'default' }, false],
  [[{ server: S, namespace: '*' }], { server: S, namespace: 'kube-system' }, true],
  [[{ server: 'https://*.default.svc', namespace: 'default' }], { server: S, namespace: 'default' }, true],
  [[{ server: 'https://team1-*', namespace: 'default' }], { server: 'https://test2-dev-cluster', namespace: 'default' }, false],
  [[{ server: S, namespace: 'test-*' }], { server: S, namespace: 'test-foo' }, true],
  [[{ server: S, namespace: 'test-*' }], { server: S, namespace: 'test' }, false],
  [[{ server: '*', namespace: '*' }], { server: S, namespace: 'test' }, true],
  [[{ namespace: '*', name: 'test' }], { name: 'test', namespace: 'test' }, true],
  [[{ namespace: '*', name: 'test2' }], { name: 'test', namespace: 'test' }, false],
  [[{ name: 'host-cluster', server: S, namespace: '!{kube-system,argocd}' }, { name: 'destination-cluster-01', server: 'https://eks', namespace: '*' }], { server: 'https://eks', namespace: 'kube-system' }, true],
  [[{ server: `!${S}`, namespace: 'default' }], { server: S, namespace: 'default' }, false],
  [[{ server: S, namespace: '!default' }], { server: S, namespace: 'kube-system' }, true],
  [[{ server: '!https://my-cluster', namespace: 'default' }], { server: S, namespace: 'default' }, true],
  [[{ server: `!${S}`, namespace: '*' }], { server: S, namespace: 'kube-system' }, false],
  [[{ server: '!https://*.default.svc', namespace: 'default' }], { server: S, namespace: 'default' }, false],
  [[{ server: '!https://team1-*', namespace: 'default' }], { server: 'https://test2-dev-cluster', namespace: 'default' }, true],
  [[{ server: S, namespace: '!test-*' }], { server: S, namespace: 'test-foo' }, false],
  [[{ server: S, namespace: '!test-*' }], { server: S, namespace: 'test' }, true],
  [[{ namespace: '*', name: '!test' }], { name: 'test', namespace: 'test' }, false],
  [[{ namespace: '*', name: '!test2' }], { name: 'test', namespace: 'test' }, true],
  [[{ server: '*', namespace: 'kube-system' }, { server: '*', namespace: '!kube-system' }], { server: S, namespace: 'kube-system' }, false],
  [[{ server: '*', namespace: '*' }, { server: '*', namespace: '!kube-system' }], { server: S, namespace: 'kube-system' }, false],
  [[{ server: S, namespace: '*' }, { server: `!${S}`, namespace: '*' }], { server: S, namespace: 'kube-system' }, false],
  [[{ server: '*', namespace: '*' }, { server: `!${S}`, namespace: 'kube-system' }], { server: S, namespace: 'kube-system' }, false],
  [[{ server: '*', namespace: '*' }, { server: `!${S}`, namespace: 'kube-system' }, { server: '*', namespace: '!kube-system' }], { server: S, namespace: 'default' }, true],
  [[{ server: '*', namespace: '*' }, { server: `!${S}`, namespace: 'kube-system' }, { server: '*', namespace: '!kube-system' }], { server: 'https://test-dev-cluster', namespace: 'kube-system' }, false],
  [[{ namespace: '*', name: 'test' }, { namespace: '*', name: '!test' }], { name: 'test', namespace: 'test' }, false],
  [[{ server: '*', namespace: 'test' }, { server: '!https://test-server', namespace: 'other' }], { server: 'https://test-server', namespace: 'test' }, true],
  [[{ server: '*', namespace: '*' }, { server: 'https://test-server', namespace: '!other' }], { server: 'https://other-test-server', namespace: 'other' }, true],
];

describe('isDestinationPermitted (Argo CD cases)', () => {
  it.each(destinations)('%j permits %j: %s', (dests, app, expected) => {
    const cluster = { ...(app.server ? { server: app.server } : {}), ...(app.name ? { name: app.name } : {}) };
    expect(isDestinationPermitted(spec({ destinations: dests }), app.namespace, cluster)).toBe(expected);
  });
  it('should check against the in-cluster server and name by default', () => {
    expect(isDestinationPermitted(spec({ destinations: [{ name: 'in-cluster', namespace: 'a' }] }), 'a')).toBe(true);
    expect(isDestinationPermitted(spec({ destinations: [{ server: 'https://other', namespace: '*' }] }), 'a')).toBe(false);
  });
});

describe('isGroupKindPermitted (Argo CD TestAppProject_IsGroupKindPermitted)', () => {
  const rs = { group: 'apps', kind: 'ReplicaSet' };
  const ns = { group: '', kind: 'Namespace' };
  const action = { group: 'apps', kind: 'Action' };
  it('should follow the namespace white and black lists (empty whitelist = none)', () => {
    const p1 = spec({ namespaceResourceWhitelist: [], namespaceResourceBlacklist: [{ group: 'apps', kind: 'Deployment' }] });
    expect(isGroupKindPermitted(p1, rs, '', true)).toBe(false);
    expect(isGroupKindPermitted(p1, { group: 'apps', kind: 'Deployment' }, '', true)).toBe(false);
    const p2 = spec({ namespaceResourceWhitelist: [rs], namespaceResourceBlacklist: [{ group: 'apps', kind: 'Deployment' }] });
    expect(isGroupKindPermitted(p2, rs, '', true)).toBe(true);
    expect(isGroupKindPermitted(p2, action, '', true)).toBe(false);
  });
  it('should permit a cluster kind only when whitelisted and not blacklisted', () => {
    expect(isGroupKindPermitted(spec({ clusterResourceBlacklist: [ns] }), ns, '', false)).toBe(false);
    const p4 = spec({ clusterResourceWhitelist: [{ group: '*', kind: '*' }], clusterResourceBlacklist: [{ group: '*', kind: '*' }] });
    expect(isGroupKindPermitted(p4, ns, '', false)).toBe(false);
    expect(isGroupKindPermitted(p4, action, '', true)).toBe(true);
    const p5 = spec({ namespaceResourceWhitelist: [{ group: '*', kind: '*' }] });
    expect(isGroupKindPermitted(p5, ns, '', false)).toBe(false);
    expect(isGroupKindPermitted(p5, action, '', true)).toBe(true);
    expect(isGroupKindPermitted(spec({}), ns, '', false)).toBe(false);
    expect(isGroupKindPermitted(spec({}), action, '', true)).toBe(true);
    const p7 = spec({ clusterResourceWhitelist: [{ group: '', kind: 'Namespace', name: 'team1-*' }] });
    expect(isGroupKindPermitted(p7, ns, 'other-namespace', false)).toBe(false);
    expect(isGroupKindPermitted(p7, ns, 'team1-namespace', false)).toBe(true);
  });
});

describe('resourceViolations', () => {
  it('should phrase a refused kind and a refused namespace as Argo CD does', () => {
    const project = { name: 'team', spec: spec({ destinations: [{ server: S, namespace: 'team-*' }] }) };
    const out = resourceViolations(project, [
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', name: 'x' },
      { group: 'apps', kind: 'Deployment', name: 'd', namespace: 'other' },
      { group: 'apps', kind: 'Deployment', name: 'ok', namespace: 'team-a' },
    ]);
    expect(out.map((v) => v.message)).toEqual(['resource rbac.authorization.k8s.io:ClusterRoleBinding is not permitted in project team', "namespace other is not permitted in project 'team'"]);
  });
});

describe('builtinDefaultProject', () => {
  const d = builtinDefaultProject({ ownNamespace: 'hookrunner' });
  it('should permit https and git@ repos but not file:// or http://', () => {
    expect(isSourcePermitted(d, 'https://github.com/org/repo.git')).toBe(true);
    expect(isSourcePermitted(d, 'git@github.com:org/repo.git')).toBe(true);
    expect(isSourcePermitted(d, 'file:///srv/repo')).toBe(false);
    expect(isSourcePermitted(d, 'http://127.0.0.1:8080/repo')).toBe(false);
  });
  it('should refuse system namespaces and its own, RBAC cluster kinds and quotas', () => {
    for (const ns of ['kube-system', 'kube-public', 'kube-node-lease', 'hookrunner']) expect(isDestinationPermitted(d, ns)).toBe(false);
    expect(isDestinationPermitted(d, 'team-a')).toBe(true);
    expect(isGroupKindPermitted(d, { group: '', kind: 'Namespace' }, 'x', false)).toBe(true);
    expect(isGroupKindPermitted(d, { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' }, 'x', false)).toBe(false);
    expect(isGroupKindPermitted(d, { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' }, 'x', false)).toBe(false);
    expect(isGroupKindPermitted(d, { group: '', kind: 'ResourceQuota' }, 'x', true)).toBe(false);
  });
});
