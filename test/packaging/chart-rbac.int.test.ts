/**
 * The worker's RBAC generated from the chart's AppProjects (`projects`, rbac.namespaced=false), and
 * the projects ConfigMap the API reads (`serve --projects-dir`).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { BindingObject, ConfigMapObject, Helm, PolicyRule, Rendered, RoleObject, Workload } from './helm.js';
import { allOf, containerOf, createHelm, oneOf, podSpecOf } from './helm.js';

const NS = 'hookrunner';
const RBAC = 'rbac.authorization.k8s.io';
let helm: Helm;
let dir: string;

/** Render with a values file holding `values` (the projects are maps of lists: clearer than --set). */
async function renderWith(values: object): Promise<Rendered[]> {
  const file = join(dir, `values-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, stringify(values));
  return helm.render({ namespace: NS, valuesFiles: [file] });
}

/** The verbs `rules` grant on group/resource (a `*` rule counts for everything). */
function verbsFor(rules: readonly PolicyRule[], group: string, resource: string): string[] {
  return rules
    .filter((r) => (r.apiGroups.includes(group) || r.apiGroups.includes('*')) && (r.resources.includes(resource) || r.resources.includes('*')))
    .flatMap((r) => [...r.verbs]);
}

/** The group/resource pairs `rules` grant anything on. */
function resourcesOf(rules: readonly PolicyRule[]): string[] {
  return [...new Set(rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}`))))].sort();
}

const NAMESPACED = ['/configmaps', '/endpoints', '/persistentvolumeclaims', '/pods', '/secrets', '/serviceaccounts', '/services'];

beforeAll(async () => {
  helm = await createHelm();
  dir = await mkdtemp(join(tmpdir(), 'hookrunner-chart-rbac-'));
});

afterAll(async () => {
  await helm.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the default project', () => {
  let objects: Rendered[];

  beforeAll(async () => {
    objects = await helm.render({ namespace: NS });
  });

  it('should be narrow and deny the system namespaces and the release namespace', () => {
    const data = oneOf<ConfigMapObject>(objects, 'ConfigMap', '-projects').data;
    expect(Object.keys(data)).toEqual(['default.yaml']);
    const project = parse(data['default.yaml'] ?? '') as { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> };
    expect(project).toMatchObject({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'default' } });
    expect(project.spec).toEqual({
      sourceRepos: ['https://*'],
      destinations: [
        { namespace: '*', server: '*' },
        { namespace: '!kube-system', server: '*' },
        { namespace: '!kube-public', server: '*' },
        { namespace: '!kube-node-lease', server: '*' },
        { namespace: `!${NS}`, server: '*' },
      ],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
      namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }, { group: '', kind: 'LimitRange' }],
    });
  });

  it('should mount the projects into the API and pass --projects-dir and --default-project', () => {
    const api = oneOf<Workload>(objects, 'Deployment', '-api');
    const args = containerOf(api).args ?? [];
    expect(args.slice(args.indexOf('--projects-dir'), args.indexOf('--projects-dir') + 4)).toEqual(['--projects-dir', '/etc/hookrunner/projects', '--default-project', 'default']);
    expect(containerOf(api).volumeMounts).toContainEqual({ name: 'projects', mountPath: '/etc/hookrunner/projects', readOnly: true });
    expect(podSpecOf(api).volumes).toContainEqual({ name: 'projects', configMap: { name: 'rel-hookrunner-projects' } });
  });

  it('should give the worker no cluster-scoped rule but Namespaces (create, never delete), and no ResourceQuota/LimitRange', () => {
    const role = oneOf<RoleObject>(objects, 'ClusterRole', '-worker');
    expect(allOf(objects, 'Role')).toEqual([]);
    // Nothing is granted on `*`; every resource is listed.
    expect(role.rules.some((r) => r.apiGroups.includes('*') || r.resources.includes('*') || r.verbs.includes('*'))).toBe(false);
    expect(resourcesOf(role.rules)).toEqual([
      ...NAMESPACED,
      '/events',
      '/namespaces',
      '/pods/log',
      'apps/daemonsets', 'apps/deployments', 'apps/replicasets', 'apps/statefulsets',
      'autoscaling/horizontalpodautoscalers',
      'batch/cronjobs', 'batch/jobs',
      'networking.k8s.io/ingresses', 'networking.k8s.io/networkpolicies',
      'policy/poddisruptionbudgets',
      `${RBAC}/clusterroles`, `${RBAC}/rolebindings`, `${RBAC}/roles`,
    ].sort());
    expect([...new Set(verbsFor(role.rules, '', 'namespaces'))].sort()).toEqual(['create', 'get', 'list', 'patch', 'watch']);
    expect(verbsFor(role.rules, '', 'resourcequotas')).toEqual([]);
    expect(verbsFor(role.rules, '', 'limitranges')).toEqual([]);
    // Secrets: the apps' own, in the namespaces the worker syncs into (justified in values.yaml rbac.namespaced).
    expect(verbsFor(role.rules, '', 'secrets')).toEqual(['create', 'get', 'list', 'watch', 'patch', 'update', 'delete']);
    // Roles and RoleBindings are namespaced kinds the default project allows: the worker may create them, with
    // escalate/bind (Kubernetes refuses a role or binding granting more than its creator holds otherwise).
    expect(verbsFor(role.rules, RBAC, 'roles')).toEqual(expect.arrayContaining(['create', 'escalate', 'bind']));
    expect(verbsFor(role.rules, RBAC, 'clusterroles')).toEqual(['bind']);
    expect(verbsFor(role.rules, RBAC, 'clusterrolebindings')).toEqual([]);
    expect(verbsFor(role.rules, 'apiextensions.k8s.io', 'customresourcedefinitions')).toEqual([]);
  });

  it('should fail naming defaultProject when it is not a project', async () => {
    const result = await helm.run(['template', 'rel', '.', '--namespace', NS, '--set', 'defaultProject=nope']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('defaultProject: "nope" is not a key of projects (default)');
  });
});

describe('projects with named destinations only', () => {
  let objects: Rendered[];

  beforeAll(async () => {
    objects = await renderWith({
      projects: {
        default: {
          destinations: [{ namespace: 'team-a', server: '*' }, { namespace: 'team-b', server: '*' }, { namespace: NS, server: '*' }],
          clusterResourceWhitelist: null,
          namespaceResourceBlacklist: null,
          namespaceResourceWhitelist: [{ group: 'apps', kind: 'Deployment' }, { group: '', kind: 'ConfigMap' }],
        },
      },
    });
  });

  it('should render a Role + RoleBinding per namespace (never the release namespace) and no ClusterRole', () => {
    expect(allOf(objects, 'Role').map((r) => r.metadata.namespace)).toEqual(['team-a', 'team-b']);
    expect(allOf<BindingObject>(objects, 'RoleBinding').map((b) => `${b.metadata.namespace} ${b.roleRef.kind}/${b.roleRef.name} ${b.subjects[0]?.name}`)).toEqual([
      'team-a Role/rel-hookrunner-worker rel-hookrunner-worker',
      'team-b Role/rel-hookrunner-worker rel-hookrunner-worker',
    ]);
    expect(allOf(objects, 'ClusterRole').map((r) => r.metadata.name)).toEqual(['rel-hookrunner-api']);
    expect(allOf(objects, 'ClusterRoleBinding').map((r) => r.metadata.name)).toEqual(['rel-hookrunner-api']);
  });

  it('should grant only the whitelisted kinds, and get on its own Namespace', () => {
    const role = allOf<RoleObject>(objects, 'Role').find((r) => r.metadata.namespace === 'team-a');
    const rules = role?.rules ?? [];
    expect(resourcesOf(rules)).toEqual(['/configmaps', '/events', '/namespaces', '/pods/log', 'apps/deployments']);
    expect(rules.find((r) => r.resources.includes('namespaces'))).toEqual({ apiGroups: [''], resources: ['namespaces'], resourceNames: ['team-a'], verbs: ['get'] });
    expect(verbsFor(rules, '', 'secrets')).toEqual([]);
  });
});

describe('a project allowing cluster RBAC kinds and CRDs', () => {
  it('should render those cluster rules (with escalate/bind) and nothing else cluster-scoped', async () => {
    const objects = await renderWith({
      defaultProject: 'platform',
      projects: {
        // Helm merges maps: null removes the chart's default project.
        default: null,
        platform: {
          sourceRepos: ['*'],
          destinations: [{ namespace: 'platform', server: '*' }],
          clusterResourceWhitelist: [
            { group: RBAC, kind: 'ClusterRole' },
            { group: RBAC, kind: 'ClusterRoleBinding' },
            { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
          ],
        },
      },
    });
    const cluster = oneOf<RoleObject>(objects, 'ClusterRole', '-worker');
    expect(resourcesOf(cluster.rules)).toEqual([
      '/events', '/pods/log', 'apiextensions.k8s.io/customresourcedefinitions', `${RBAC}/clusterrolebindings`, `${RBAC}/clusterroles`,
    ]);
    expect(verbsFor(cluster.rules, RBAC, 'clusterroles')).toEqual(expect.arrayContaining(['create', 'escalate', 'bind']));
    expect(verbsFor(cluster.rules, '', 'namespaces')).toEqual([]);
    // The platform project allows every namespaced kind (no white/blacklist): `*` in its one namespace only.
    const role = oneOf<RoleObject>(objects, 'Role');
    expect(role.metadata.namespace).toBe('platform');
    expect(role.rules).toContainEqual({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] });
  });

  it('should grant everything cluster-scoped only for a `*` whitelist entry', async () => {
    const objects = await renderWith({
      projects: { default: { clusterResourceWhitelist: [{ group: '*', kind: '*' }] } },
    });
    expect(oneOf<RoleObject>(objects, 'ClusterRole', '-worker').rules).toContainEqual({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] });
  });
});

describe('with rbac.namespaced=true (the fixed rules, projects not used for RBAC)', () => {
  it('should keep one Role per rbac.namespaces entry and no worker ClusterRole', async () => {
    const objects = await helm.render({ namespace: NS, valuesFiles: ['ci/namespaced-rbac-values.yaml'] });
    expect(allOf(objects, 'ClusterRole').map((r) => r.metadata.name)).toEqual([]);
    expect(allOf(objects, 'Role').map((r) => `${r.metadata.namespace}/${r.metadata.name}`).sort()).toEqual([
      'app-sync-phases/rel-hookrunner-api', 'app-sync-phases/rel-hookrunner-worker', 'team-a/rel-hookrunner-api', 'team-a/rel-hookrunner-worker',
    ]);
  });
});
