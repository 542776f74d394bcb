/**
 * Projects through the API (docs/semantics.md §18): AppProject documents managed like
 * applications, applications checked against their project when saved and when they sync, and a
 * sync that would touch what its project does not permit failing before anything is applied —
 * on both cluster backends.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installProjects } from '../../src/api/index.js';
import { createTestRepo } from '../sources/git-fixture.js';
import type { TestRepo } from '../sources/git-fixture.js';
import { testBackends } from '../helpers/backends.js';
import { AUTH, startApiHarness } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';

const ALLOWED = 'apps/escalate';
const crb = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: make-me-admin
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects: [{ kind: ServiceAccount, name: default, namespace: team-a }]
`;
const configMap = (name: string, extra = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}data:\n  a: b\n`;
const hookInKubeSystem = configMap('sneaky-hook', '  namespace: kube-system\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n');

const project = (name: string, repos: string[], extra = ''): string => `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: ${name}
spec:
  description: one team
  sourceRepos: [${repos.map((r) => `"${r}"`).join(', ')}]
  destinations:
    - server: https://kubernetes.default.svc
      namespace: team-*
${extra}`;

const application = (input: { name: string; repoURL: string; path?: string; project?: string; namespace?: string }): string => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${input.name}
spec:
${input.project ? `  project: ${input.project}\n` : ''}  source:
    repoURL: ${input.repoURL}
    path: ${input.path ?? ALLOWED}
    targetRevision: main
  destination:
    server: https://kubernetes.default.svc
    namespace: ${input.namespace ?? 'team-a'}
`;

describe.each(testBackends())('projects (%s backend)', (backend) => {
  let h: ApiHarness;
  let repo: TestRepo;
  let outside: TestRepo;
  beforeAll(async () => {
    h = await startApiHarness({ cluster: backend });
    repo = await createTestRepo({ [`${ALLOWED}/config.yaml`]: configMap('team-config'), [`${ALLOWED}/crb.yaml`]: crb, [`${ALLOWED}/hook.yaml`]: hookInKubeSystem, 'plain/config.yaml': configMap('plain') });
    outside = await createTestRepo({ [`${ALLOWED}/config.yaml`]: configMap('outside-config') });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await repo?.remove();
    await outside?.remove();
  });

  const post = (path: string, body: string) => request(h.app).post(path).set(AUTH).type('application/yaml').send(body);
  const put = (path: string, body: string) => request(h.app).put(path).set(AUTH).type('application/yaml').send(body);
  const live = (kind: string, name: string, namespace?: string) =>
    h.client?.get({ apiVersion: kind === 'ClusterRoleBinding' ? 'rbac.authorization.k8s.io/v1' : 'v1', kind, name, ...(namespace ? { namespace } : {}) });

  it('should manage AppProjects as YAML and JSON: create, get, list, replace, refuse unknown fields by name', async () => {
    const created = await post('/api/v1/projects', project('team', [repo.url]));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.headers['location']).toBe('/api/v1/projects/team');
    expect(created.body.spec).toMatchObject({ sourceRepos: [repo.url], destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'team-*' }], clusterResourceWhitelist: [] });
    expect((await post('/api/v1/projects', project('team', [repo.url]))).status).toBe(409);
    const got = await request(h.app).get('/api/v1/projects/team').set(AUTH);
    expect(got.body.name).toBe('team');
    const list = await request(h.app).get('/api/v1/projects').set(AUTH);
    expect(list.body.items.map((p: { name: string }) => p.name)).toEqual(['default', 'team']);
    expect(list.body.defaultProject).toBe('default');
    const json = await request(h.app).put('/api/v1/projects/other').set(AUTH).send({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'other' }, spec: { sourceRepos: ['https://example.com/*'] } });
    expect(json.status, JSON.stringify(json.body)).toBe(201);
    const roles = await put('/api/v1/projects/other', project('other', ['*'], '  roles: []\n'));
    expect(roles.status).toBe(400);
    expect(roles.body.errors).toEqual([{ field: 'spec.roles', message: expect.stringMatching(/^is not supported: project roles/) as unknown }]);
    expect((await request(h.app).delete('/api/v1/projects/other').set(AUTH)).status).toBe(204);
    expect((await request(h.app).get('/api/v1/projects/other').set(AUTH)).status).toBe(404);
  });

  it('should refuse applications whose project is unknown or does not permit their repo or namespace, naming the field and project', async () => {
    const unknown = await post('/api/v1/applications', application({ name: 'nope', repoURL: repo.url, project: 'missing' }));
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([{ field: 'spec.project', message: 'project missing does not exist' }]);
    const repoRefused = await post('/api/v1/applications', application({ name: 'nope', repoURL: outside.url, project: 'team' }));
    expect(repoRefused.status).toBe(422);
    expect(repoRefused.body.errors).toEqual([{ field: 'spec.source.repoURL', message: `application repo ${outside.url} is not permitted in project 'team'` }]);
    const nsRefused = await post('/api/v1/applications', application({ name: 'nope', repoURL: repo.url, project: 'team', namespace: 'kube-system' }));
    expect(nsRefused.status).toBe(422);
    expect(nsRefused.body.errors[0]).toMatchObject({ field: 'spec.destination.namespace', message: expect.stringContaining("in project 'team'") as unknown });
    expect((await request(h.app).get('/api/v1/applications/nope').set(AUTH)).status).toBe(404);
  });

  it('should fail a sync that would apply a ClusterRoleBinding or a hook outside its destinations, applying nothing', async () => {
    const created = await post('/api/v1/applications', application({ name: 'escalate', repoURL: repo.url, project: 'team' }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.project).toBe('team');
    const res = await request(h.app).post('/api/v1/applications/escalate/sync').set(AUTH).send({});
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const op = await h.waitFor(res.body.operation.id as string);
    expect(op.phase).toBe('Failed');
    expect(op.message).toBe("one or more synchronization tasks are not permitted in project team: namespace kube-system is not permitted in project 'team', resource rbac.authorization.k8s.io:ClusterRoleBinding is not permitted in project team");
    const failed = Object.values(op.results).filter((r) => r.status === 'SyncFailed').map((r) => `${r.kind} ${r.name}: ${r.message}`).sort();
    expect(failed).toEqual(['ClusterRoleBinding make-me-admin: resource rbac.authorization.k8s.io:ClusterRoleBinding is not permitted in project team', "ConfigMap sneaky-hook: namespace kube-system is not permitted in project 'team'"]);
    expect(await live('ClusterRoleBinding', 'make-me-admin')).toBeUndefined();
    expect(await live('ConfigMap', 'sneaky-hook', 'kube-system')).toBeUndefined();
    expect(await live('ConfigMap', 'team-config', 'team-a')).toBeUndefined();
    expect(await live('Namespace', 'team-a')).toBeUndefined();
  });

  it('should refuse at sync time a repo the project no longer permits, without an operation', async () => {
    expect((await put('/api/v1/projects/team', project('team', [repo.url, outside.url]))).status).toBe(200);
    expect((await post('/api/v1/applications', application({ name: 'elsewhere', repoURL: outside.url, project: 'team' }))).status).toBe(201);
    expect((await put('/api/v1/projects/team', project('team', [repo.url]))).status).toBe(200);
    const res = await request(h.app).post('/api/v1/applications/elsewhere/sync').set(AUTH).send({});
    expect(res.status).toBe(422);
    expect(res.body.detail).toBe(`application repo ${outside.url} is not permitted in project 'team'`);
    expect(await h.engine.store.history('elsewhere')).toEqual([]);
    expect(await live('ConfigMap', 'outside-config', 'team-a')).toBeUndefined();
  });

  it('should not delete a project applications reference (409), nor change one the install manages', async () => {
    const inUse = await request(h.app).delete('/api/v1/projects/team').set(AUTH);
    expect(inUse.status).toBe(409);
    expect(inUse.body.detail).toMatch(/^project team is referenced by 2 application\(s\): elsewhere, escalate$/);
    await installProjects({ store: h.projects, projects: [{ name: 'platform', spec: { sourceRepos: ['*'], destinations: [], clusterResourceWhitelist: [], clusterResourceBlacklist: [], namespaceResourceBlacklist: [] }, original: {} }] });
    const managed = await put('/api/v1/projects/platform', project('platform', ['*']));
    expect(managed.status).toBe(409);
    expect(managed.body.detail).toMatch(/^project platform is managed by the install/);
    expect((await request(h.app).delete('/api/v1/projects/default').set(AUTH)).status).toBe(409);
    // Without a default among the install's projects, the built-in narrow one replaces the harness's.
    const builtin = await request(h.app).get('/api/v1/projects/default').set(AUTH);
    expect(builtin.body.spec.sourceRepos).toEqual(['https://**', '*@*/**']);
  });
});
