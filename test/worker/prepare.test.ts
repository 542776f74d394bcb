/**
 * The prepare step (src/worker/prepare.ts): plan from the live cluster, prune candidates from live
 * state (§9.11), discovery (§3 step 6, §9.4), the destination namespace (§5.2 step 1, §9.7) and the
 * client-side dry run (§5.2 step 2, D10). Failures here end the operation without SyncFail.
 */
import { describe, expect, it } from 'vitest';
import type { InventoryRef, PrepareInput } from '../../src/queue/index.js';
import type { KubeObject } from '../../src/manifests/index.js';
import type { StepResult } from '../../src/sync/index.js';
import { runStep } from '../../src/worker/index.js';
import { kubeErrors } from '../helpers/memory-cluster.js';
import type { MemoryCluster } from '../helpers/memory-cluster.js';
import { APP, NOW, NS, callsOf, cluster, configMapYaml, deploymentYaml, deps, jobYaml, manifests, stepData } from './step-fixtures.js';

function prepare(c: MemoryCluster, docs: string[], input: Partial<PrepareInput> = {}, context: { dryRun?: boolean; namespace?: string } = {}): Promise<StepResult> {
  const data = stepData([], { kind: 'prepare', context, prepare: { manifests: manifests(...docs), startedAt: new Date(NOW).toISOString(), createNamespace: false, pruneLast: false, inventory: [], ...input } });
  return runStep(data, deps(c));
}

const widget = `apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\nspec: {}\n`;
const crd = `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: widgets.example.com }\nspec: { group: example.com, scope: Namespaced, names: { kind: Widget, plural: widgets }, versions: [{ name: v1, served: true }] }\n`;

describe('prepare: the plan', () => {
  it('should plan the manifests in execution order, touching nothing', async () => {
    const c = cluster();
    const result = await prepare(c, [deploymentYaml('web'), configMapYaml('cfg'), jobYaml('pre', 'PreSync')]);
    expect(result).toMatchObject({ stepId: 'op-7-1-2', operationId: 'op-7', results: [], finishedAt: NOW });
    expect(result.fatal).toBeUndefined();
    expect(result.plan?.map((t) => t.key)).toEqual(['batch/Job/app/pre:PreSync', '/ConfigMap/app/cfg:Sync', 'apps/Deployment/app/web:Sync']);
    expect(c.writes()).toEqual([]);
  });

  it('should scope a kind discovery says is cluster-scoped to the cluster, and default a namespaced one to "default"', async () => {
    const c = cluster({ kinds: [{ group: 'example.com', version: 'v1', kind: 'Gadget', resource: 'gadgets', namespaced: false }, { group: 'example.com', version: 'v1', kind: 'Widget', resource: 'widgets', namespaced: true }] });
    const gadget = `apiVersion: example.com/v1\nkind: Gadget\nmetadata: { name: g, namespace: ${NS} }\n`;
    const result = await prepare(c, [gadget, widget], {}, { namespace: '' });
    expect(result.plan?.map((t) => [t.key, t.namespace, t.target?.metadata.namespace])).toEqual([
      ['example.com/Gadget//g:Sync', '', undefined],
      ['example.com/Widget/default/w:Sync', 'default', 'default'],
    ]);
  });

  it('should find prune candidates in live state: tracked by this app, not declared, not being deleted — with an empty inventory (§9.11)', async () => {
    const c = cluster();
    const mk = async (name: string, app: string, extra: Partial<KubeObject['metadata']> = {}) =>
      c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, labels: { 'hookrunner.io/app': app }, annotations: { 'hookrunner.io/tracking-id': `${app}:/ConfigMap:${NS}/${name}` }, ...extra } });
    await mk('gone-from-git', APP);
    await mk('kept', APP);
    await mk('taken-over', 'another-app');
    await mk('deleting', APP, { finalizers: ['example.com/x'] });
    await c.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'deleting' });
    // A copy that took the label and annotation along names another object: not the app's.
    await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'copy', namespace: NS, labels: { 'hookrunner.io/app': APP }, annotations: { 'hookrunner.io/tracking-id': `${APP}:/ConfigMap:${NS}/kept` } } });
    // A label without the annotation (a namespace CreateNamespace made before §9.11, a copy): not in live state.
    await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'label-only', namespace: NS, labels: { 'hookrunner.io/app': APP } } });
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'old-reader', labels: { 'hookrunner.io/app': APP }, annotations: { 'hookrunner.io/tracking-id': `${APP}:rbac.authorization.k8s.io/ClusterRole:/old-reader` } } };
    await c.apply(role);
    const result = await prepare(c, [configMapYaml('kept')]);
    expect(result.plan?.map((t) => [t.kind, t.name, t.prune])).toEqual([
      ['ConfigMap', 'gone-from-git', true],
      ['ConfigMap', 'kept', false],
      ['ClusterRole', 'old-reader', true],
    ]);
    // One list per listable kind (of every app's objects, shared by the process's prepare steps), no get per object.
    expect(callsOf(c, ['get'], 'ConfigMap')).toEqual([]);
    expect(c.calls.filter((k) => k.verb === 'list' && k.kind === 'ConfigMap').map((k) => k.options)).toEqual([{ labelSelector: 'hookrunner.io/app' }]);
  });

  it('should never prune an object the source marks Skip, or ignores (§2.4)', async () => {
    const c = cluster();
    for (const name of ['skipped', 'ignored']) {
      await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, labels: { 'hookrunner.io/app': APP }, annotations: { 'hookrunner.io/tracking-id': `${APP}:/ConfigMap:${NS}/${name}` } } });
    }
    const result = await prepare(c, [configMapYaml('kept'), configMapYaml('skipped', { 'argocd.argoproj.io/hook': 'Skip' }), configMapYaml('ignored', { 'argocd.argoproj.io/hook': 'presync' })]);
    expect(result.plan?.map((t) => [t.name, t.prune])).toEqual([['kept', false]]);
  });

  it('should read the inventory for what the scan did not see: a kind it may not list cluster-wide, an object labelled before tracking ids', async () => {
    const c = cluster();
    const tracked = (name: string, ns = NS): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns, labels: { 'hookrunner.io/app': APP }, annotations: { 'hookrunner.io/tracking-id': `${APP}:/Secret:${ns}/${name}` } } });
    await c.apply(tracked('here'));
    await c.apply(tracked('elsewhere', 'default'));
    await c.apply(tracked('not-in-inventory', 'default'));
    await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'labelled-earlier', namespace: NS, labels: { 'hookrunner.io/app': APP } } });
    await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'relabelled', namespace: NS, labels: { 'hookrunner.io/app': 'another-app' } } });
    c.failAlways('list', (k) => k.kind === 'Secret' && k.namespace === undefined, kubeErrors.forbidden({ verb: 'list', resource: 'secrets' }));
    const inv = (kind: string, name: string, ns = NS): InventoryRef => ({ apiVersion: 'v1', kind, namespace: ns, name });
    const inventory = [inv('Secret', 'elsewhere', 'default'), inv('Secret', 'here'), inv('Secret', 'vanished'), inv('ConfigMap', 'labelled-earlier'), inv('ConfigMap', 'relabelled'), inv('ConfigMap', 'kept')];
    const result = await prepare(c, [configMapYaml('kept')], { inventory });
    expect(result.plan?.filter((t) => t.prune).map((t) => `${t.kind} ${t.namespace}/${t.name}`)).toEqual([`Secret default/elsewhere`, `Secret ${NS}/here`, `ConfigMap ${NS}/labelled-earlier`]);
    // "here" came from the namespaced list and "kept" is declared: neither is read again.
    expect(c.calls.filter((k) => k.verb === 'get' && k.kind !== 'Namespace').map((k) => `${k.kind}/${k.name}`)).toEqual(['Secret/elsewhere', 'Secret/vanished', 'ConfigMap/labelled-earlier', 'ConfigMap/relabelled']);
  });

  it('should put a PruneLast prune after every Sync wave (§9.2)', async () => {
    const c = cluster();
    await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: NS, labels: { 'hookrunner.io/app': APP } } });
    const result = await prepare(c, [configMapYaml('a', { 'argocd.argoproj.io/sync-wave': '3' }), jobYaml('post', 'PostSync')], { pruneLast: true, inventory: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'old' }] });
    const plan = result.plan ?? [];
    expect(plan.map((t) => [t.name, t.phase, t.wave, t.prune])).toEqual([['a', 'Sync', 3, false], ['old', 'Sync', 4, true], ['post', 'PostSync', 0, false]]);
    // Run the waves in order: the prune comes after every Sync apply, before PostSync.
    const c2 = cluster({ jobs: 'succeed' });
    await c2.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: NS, labels: { 'hookrunner.io/app': APP } } });
    for (const t of plan) await runStep(stepData([t], { context: { prune: true } }), deps(c2));
    expect(callsOf(c2, ['apply', 'delete'])).toEqual(['apply ConfigMap/old', 'apply ConfigMap/a', 'delete ConfigMap/old', 'apply Job/post']);
  });
});

describe('prepare: selective sync (§9.9)', () => {
  it('should plan only the selected resources and no hooks, prunes of selected resources included', async () => {
    const c = cluster();
    await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: NS, labels: { 'hookrunner.io/app': APP }, annotations: { 'hookrunner.io/tracking-id': `${APP}:/ConfigMap:${NS}/old` } } });
    await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'older', namespace: NS, labels: { 'hookrunner.io/app': APP }, annotations: { 'hookrunner.io/tracking-id': `${APP}:/ConfigMap:${NS}/older` } } });
    const resources = [{ group: 'apps', kind: 'Deployment', name: 'web' }, { group: '', kind: 'ConfigMap', namespace: NS, name: 'old' }];
    const result = await prepare(c, [jobYaml('pre', 'PreSync'), deploymentYaml('web'), deploymentYaml('api'), configMapYaml('cfg'), jobYaml('post', 'PostSync')], { resources });
    expect(result.fatal).toBeUndefined();
    expect(result.plan?.map((t) => t.key)).toEqual(['/ConfigMap/app/old:Sync', 'apps/Deployment/app/web:Sync']);
    expect(result.plan?.map((t) => t.prune)).toEqual([true, false]);
  });

  it('should end the operation naming the selected resources that are neither in the source nor live', async () => {
    const c = cluster();
    const resources = [{ group: 'apps', kind: 'Deployment', name: 'web' }, { group: 'apps', kind: 'Deployment', namespace: 'elsewhere', name: 'web' }, { group: '', kind: 'Secret', name: 'token' }];
    const result = await prepare(c, [deploymentYaml('web')], { resources });
    expect(result.fatal).toEqual({ phase: 'Failed', message: 'selected resources are not part of the application (neither in its source nor live): apps:Deployment:elsewhere/web, :Secret:token' });
    expect(c.writes()).toEqual([]);
  });
});

describe('prepare: discovery (§3 step 6, §9.4)', () => {
  it('should end the operation for a kind the server does not serve, before anything is applied', async () => {
    const c = cluster();
    const result = await prepare(c, [configMapYaml('cfg'), widget]);
    expect(result.fatal).toEqual({ phase: 'Failed', message: 'one or more synchronization tasks are not valid: the server could not find the requested resource: Widget in example.com/v1' });
    expect(result.results).toEqual([expect.objectContaining({ key: 'example.com/Widget/app/w:Sync', status: 'SyncFailed', hookPhase: 'Failed' })]);
    expect(c.writes()).toEqual([]);
  });

  it('should accept an unserved kind with SkipDryRunOnMissingResource=true or a CRD of the same sync defining it', async () => {
    const c = cluster();
    const skipped = await prepare(c, [widget.replace('metadata: { name: w }', 'metadata: { name: w, annotations: { argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true } }')]);
    expect(skipped.fatal).toBeUndefined();
    const withCrd = await prepare(c, [crd, widget]);
    expect(withCrd.fatal).toBeUndefined();
    expect(withCrd.plan?.map((t) => t.kind)).toEqual(['CustomResourceDefinition', 'Widget']);
  });
});

describe('prepare: the destination namespace and the dry run (§5.2)', () => {
  it('should create a missing destination namespace for real with CreateNamespace=true, before the dry run', async () => {
    const c = cluster({ namespaces: ['default'] });
    const result = await prepare(c, [configMapYaml('cfg')], { createNamespace: true });
    expect(result.fatal).toBeUndefined();
    expect(result.results).toEqual([expect.objectContaining({ key: '/Namespace//app:PreSync', status: 'Synced', hookPhase: 'Succeeded', message: 'namespace/app created', startedAt: NOW, finishedAt: NOW })]);
    // Not tracked: a namespace the sync created is never the app's to prune (§9.7, as Argo CD without managedNamespaceMetadata).
    expect(c.object({ apiVersion: 'v1', kind: 'Namespace', name: NS })?.metadata.labels).toBeUndefined();
    expect(callsOf(c, ['apply'])).toEqual(['apply Namespace/app']);
  });

  it('should not create the namespace in a dry run, the namespace task still counting for the dry run check', async () => {
    const c = cluster({ namespaces: ['default'] });
    const result = await prepare(c, [configMapYaml('cfg')], { createNamespace: true }, { dryRun: true });
    expect(result.fatal).toBeUndefined();
    expect(c.writes()).toEqual([]);
  });

  it('should fail the dry run for objects in a missing namespace, without SyncFail and without writing', async () => {
    const c = cluster({ namespaces: ['default'] });
    const result = await prepare(c, [configMapYaml('cfg'), jobYaml('pre', 'PreSync')]);
    expect(result.fatal).toEqual({ phase: 'Failed', message: 'one or more objects failed to apply (dry run)' });
    expect(result.results.map((r) => [r.name, r.status, r.message])).toEqual([['pre', 'SyncFailed', 'namespaces "app" not found'], ['cfg', 'SyncFailed', 'namespaces "app" not found']]);
    expect(c.writes()).toEqual([]);
  });

  it('should end the operation when the namespace cannot be created', async () => {
    const c = cluster({ namespaces: ['default'] });
    c.failNext('apply', { kind: 'Namespace' }, kubeErrors.forbidden({ verb: 'create', resource: 'namespaces', name: NS }));
    const result = await prepare(c, [configMapYaml('cfg')], { createNamespace: true });
    expect(result.fatal).toEqual({ phase: 'Failed', message: 'the namespace failed to apply' });
    expect(result.results).toEqual([expect.objectContaining({ kind: 'Namespace', status: 'SyncFailed', message: expect.stringMatching(/^apply namespaces app: Forbidden \(403\): namespaces "app" is forbidden/) })]);
  });

  it('should fail objects in a namespace it may not read (403) with the API server’s message, and not create that namespace', async () => {
    const c = cluster();
    c.failAlways('get', { kind: 'Namespace', name: NS }, kubeErrors.forbidden({ verb: 'get', resource: 'namespaces', name: NS, user: 'system:serviceaccount:hookrunner:worker' }));
    const result = await prepare(c, [configMapYaml('cfg')], { createNamespace: true });
    const message = 'get namespaces app: Forbidden (403): namespaces "app" is forbidden: User "system:serviceaccount:hookrunner:worker" cannot get resource "namespaces" in API group "" at the cluster scope';
    expect(result.fatal).toEqual({ phase: 'Failed', message: 'one or more objects failed to apply (dry run)' });
    expect(result.results).toEqual([expect.objectContaining({ name: 'cfg', status: 'SyncFailed', hookPhase: 'Failed', message })]);
    expect(c.writes()).toEqual([]);
  });

  it('should throw an infrastructure failure (the queue retries the step)', async () => {
    const c = cluster();
    c.failNext('list', { kind: 'ConfigMap' }, kubeErrors.unreachable());
    await expect(prepare(c, [configMapYaml('cfg')])).rejects.toThrow('Kubernetes API server https://memory-cluster.invalid:6443 is unreachable after 6 attempts: connect ETIMEDOUT 10.0.0.1:6443');
  });
});

describe('prepare: the project (§18)', () => {
  const spec = { sourceRepos: ['*'], destinations: [{ server: '*', namespace: NS }], clusterResourceWhitelist: [], clusterResourceBlacklist: [], namespaceResourceBlacklist: [{ group: '', kind: 'ConfigMap' }] };

  it('should refuse what the project does not permit before anything is applied, the CreateNamespace namespace included', async () => {
    const c = cluster({ namespaces: ['default'] });
    const result = await prepare(c, [deploymentYaml('web'), configMapYaml('cfg'), jobYaml('pre', 'PreSync')], { createNamespace: true, project: { name: 'team', spec } });
    expect(result.fatal?.message).toBe('one or more synchronization tasks are not permitted in project team: resource :ConfigMap is not permitted in project team, resource :Namespace is not permitted in project team');
    expect(result.results.map((r) => `${r.kind} ${r.name} ${r.status}`).sort()).toEqual(['ConfigMap cfg SyncFailed', `Namespace ${NS} SyncFailed`]);
    expect(c.writes()).toEqual([]);
  });

  it('should go on when the project permits everything the sync touches', async () => {
    const c = cluster();
    const result = await prepare(c, [deploymentYaml('web'), jobYaml('pre', 'PreSync')], { project: { name: 'team', spec } });
    expect(result.fatal).toBeUndefined();
  });
});
