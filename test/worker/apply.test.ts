/**
 * Applies and prunes of a wave (src/worker/apply.ts): the apply verbs, decoration (tracking
 * label, sync id, D5 environment), dry run, CRDs (§9.6), and prune (§9.1–§9.3: Pruned,
 * PruneSkipped, Prune=false, propagation, waiting for the deletion, a failed prune stops the wave).
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/manifests/index.js';
import type { SyncTask } from '../../src/plan/index.js';
import { runStep } from '../../src/worker/index.js';
import { kubeErrors } from '../helpers/memory-cluster.js';
import type { MemoryCluster } from '../helpers/memory-cluster.js';
import { APP, NOW, NS, OP, REVISION, SYNC_ID, callsOf, cluster, configMapYaml, deps, jobYaml, planTasks, stepData } from './step-fixtures.js';

const cmRef = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name });

describe('apply: what is applied', () => {
  it('should say created, unchanged, then configured, as kubectl does', async () => {
    const c = cluster();
    const messages = async (data: Record<string, string>) => (await runStep(stepData(planTasks([configMapYaml('cfg', {}, data)])), deps(c))).results.map((r) => [r.status, r.hookPhase, r.message, r.startedAt]);
    expect(await messages({ a: '1' })).toEqual([['Synced', 'Running', 'configmap/cfg created', NOW]]);
    expect(await messages({ a: '1' })).toEqual([['Synced', 'Running', 'configmap/cfg unchanged', NOW]]);
    expect(await messages({ a: '2' })).toEqual([['Synced', 'Running', 'configmap/cfg configured', NOW]]);
    expect(callsOf(c, ['get', 'apply'])).toEqual(['get ConfigMap/cfg', 'apply ConfigMap/cfg', 'get ConfigMap/cfg', 'apply ConfigMap/cfg', 'get ConfigMap/cfg', 'apply ConfigMap/cfg']);
  });

  it('should add the tracking label and annotation (Argo CD’s tracking id, §9.11), keep the namespace of namespaced objects and none on cluster-scoped ones', async () => {
    const c = cluster();
    const role = `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: reader }\nrules: []\n`;
    const result = await runStep(stepData(planTasks([configMapYaml('cfg'), role])), deps(c));
    expect(result.results.map((r) => [r.kind, r.namespace, r.message])).toEqual([['ConfigMap', NS, 'configmap/cfg created'], ['ClusterRole', '', 'clusterrole.rbac.authorization.k8s.io/reader created']]);
    const sent = c.calls.filter((k) => k.verb === 'apply').map((k) => (k.body as KubeObject).metadata);
    expect(sent).toEqual([
      { name: 'cfg', namespace: NS, labels: { 'hookrunner.io/app': APP }, annotations: { 'hookrunner.io/tracking-id': `${APP}:/ConfigMap:${NS}/cfg` } },
      { name: 'reader', labels: { 'hookrunner.io/app': APP }, annotations: { 'hookrunner.io/tracking-id': `${APP}:rbac.authorization.k8s.io/ClusterRole:/reader` } },
    ]);
  });

  it('should decorate a hook with its sync id, the hook label and the D5 variables, never overriding the manifest’s own', async () => {
    const c = cluster();
    const yaml = jobYaml('pre', 'PreSync').replace('image: busybox', 'image: busybox\n          env: [{ name: HOOKRUNNER_APP, value: mine }]');
    const running = runStep(stepData(planTasks([yaml])), deps(c));
    await c.waiting();
    const live = c.object({ apiVersion: 'batch/v1', kind: 'Job', namespace: NS, name: 'pre' });
    expect(live?.metadata).toMatchObject({ labels: { 'hookrunner.io/app': APP, 'hookrunner.io/hook': 'true' }, annotations: { 'hookrunner.io/sync-id': `${SYNC_ID}/PreSync` } });
    const container = (live?.['spec'] as { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } }).template.spec.containers[0];
    expect(container?.env).toEqual([
      { name: 'HOOKRUNNER_APP', value: 'mine' },
      { name: 'HOOKRUNNER_OPERATION_ID', value: OP },
      { name: 'HOOKRUNNER_REVISION', value: REVISION },
      { name: 'HOOKRUNNER_PHASE', value: 'PreSync' },
    ]);
    c.expireWaits();
    await running;
  });

  it('should apply nothing in a dry run, reporting every task configured (dry run)', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('pre', 'PreSync'), configMapYaml('cfg')]);
    const result = await runStep(stepData(tasks, { context: { dryRun: true } }), deps(c));
    expect(result.results.map((r) => [r.name, r.status, r.hookPhase, r.message])).toEqual([
      ['pre', 'Synced', 'Succeeded', 'job.batch/pre configured (dry run)'],
      ['cfg', 'Synced', 'Succeeded', 'configmap/cfg configured (dry run)'],
    ]);
    expect(c.calls).toEqual([]);
  });

  it('should fail only the rejected task with the API server message (422), the rest of its kind run applied', async () => {
    const c = cluster();
    c.failNext('apply', { name: 'b' }, kubeErrors.invalid('ConfigMap', 'b', [{ field: 'data[x y]', message: 'Invalid value: "x y"' }]));
    const result = await runStep(stepData(planTasks([configMapYaml('a'), configMapYaml('b'), configMapYaml('c')])), deps(c));
    expect(result.results.map((r) => [r.name, r.status, r.hookPhase])).toEqual([['a', 'Synced', 'Running'], ['b', 'SyncFailed', 'Failed'], ['c', 'Synced', 'Running']]);
    expect(result.results[1]).toMatchObject({ message: 'apply configmaps app/b: Invalid (422): ConfigMap "b" is invalid: data[x y]: Invalid value: "x y"', startedAt: NOW, finishedAt: NOW });
    expect(c.objects({ kind: 'ConfigMap' }).map((o) => o.metadata.name)).toEqual(['a', 'c']);
  });

  it('should apply a CRD, refresh discovery around its Established wait (§9.6), and then serve its kind', async () => {
    const c = cluster();
    const crd = `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: widgets.example.com }\nspec:\n  group: example.com\n  scope: Namespaced\n  names: { kind: Widget, plural: widgets }\n  versions: [{ name: v1, served: true, storage: true }]\n`;
    const widget = `apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\nspec: { size: 1 }\n`;
    expect(await c.resourceInfo('example.com/v1', 'Widget')).toBeUndefined(); // discovery of the group is now cached
    const tasks = planTasks([crd, widget]);
    expect(tasks.map((t) => t.kind)).toEqual(['CustomResourceDefinition', 'Widget']);
    const first = await runStep(stepData([tasks[0] as SyncTask]), deps(c));
    expect(first.results[0]?.message).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created');
    expect(c.calls.map((k) => k.verb).slice(-6)).toEqual(['apply', 'invalidateDiscovery', 'waitFor', 'invalidateDiscovery', 'resourceInfo', 'invalidateDiscovery']);
    expect(c.calls.find((k) => k.verb === 'waitFor')?.options).toEqual({ timeoutMs: 3_000, description: 'CRD widgets.example.com to be Established' });
    const second = await runStep(stepData([tasks[1] as SyncTask]), deps(c));
    expect(second.results[0]).toMatchObject({ status: 'Synced', message: 'widget.example.com/w created' });
  });

  it('should ask discovery again until the new kind is served, then apply it (a chained next wave follows at once), and only log a kind never served', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: widgets.example.com }\nspec:\n  group: example.com\n  scope: Namespaced\n  names: { kind: Widget, plural: widgets }\n  versions: [{ name: v1, served: true, storage: true }]\n`;
    const c = cluster();
    // kube-apiserver publishes the group version a moment after Established: the first two asks find nothing.
    let asks = 0;
    const late: MemoryCluster = Object.assign(Object.create(c) as MemoryCluster, {
      resourceInfo: (apiVersion: string, kind: string) => (apiVersion === 'example.com/v1' && ++asks <= 2 ? Promise.resolve(undefined) : c.resourceInfo(apiVersion, kind)),
    });
    const result = await runStep(stepData(planTasks([crd])), deps(late));
    expect(result.results[0]?.status).toBe('Synced');
    expect(asks).toBe(3);
    const never: MemoryCluster = Object.assign(Object.create(cluster()) as MemoryCluster, { resourceInfo: () => Promise.resolve(undefined) });
    let clock = NOW;
    const d = deps(never, { now: () => (clock += 1_000) }); // a second per look: the 3 s run out after a few asks
    expect((await runStep(stepData(planTasks([crd])), d)).results[0]?.status).toBe('Synced');
    expect(d.logged).toContainEqual({ level: 'info', message: 'CRD established, its kind not yet served', fields: { crd: 'widgets.example.com', apiVersion: 'example.com/v1', kind: 'Widget' } });
  });

  it('should only log a CRD that is not Established in time', async () => {
    const c = cluster();
    c.failNext('waitFor', {}, new Error('timed out after 3s waiting for CRD widgets.example.com to be Established'));
    const crd = `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: widgets.example.com }\nspec: { group: example.com, scope: Namespaced, names: { kind: Widget, plural: widgets }, versions: [{ name: v1, served: true }] }\n`;
    const d = deps(c);
    const result = await runStep(stepData(planTasks([crd])), d);
    expect(result.results[0]?.status).toBe('Synced');
    expect(d.logged).toContainEqual({ level: 'info', message: 'CRD not yet established', fields: { crd: 'widgets.example.com', error: 'timed out after 3s waiting for CRD widgets.example.com to be Established' } });
  });
});

/** A live object of the app that the manifests no longer declare: a prune task. */
async function pruneSetup(c: MemoryCluster, annotations: Record<string, string> = {}, extra: Partial<KubeObject['metadata']> = {}): Promise<SyncTask[]> {
  const old = await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: NS, labels: { 'hookrunner.io/app': APP }, annotations, ...extra }, data: {} });
  return planTasks([configMapYaml('keep')], { pruneCandidates: [old] });
}

describe('apply: prune (§9.1)', () => {
  it('should skip the prune when pruning is off, or the live object says Prune=false', async () => {
    const c = cluster();
    const off = await runStep(stepData(await pruneSetup(c), { context: { prune: false } }), deps(c));
    expect(off.results.map((r) => [r.name, r.status, r.hookPhase, r.message])).toEqual([['old', 'PruneSkipped', 'Succeeded', 'ignored (requires pruning)'], ['keep', 'Synced', 'Running', 'configmap/keep created']]);
    const c2 = cluster();
    const no = await runStep(stepData(await pruneSetup(c2, { 'argocd.argoproj.io/sync-options': 'Prune=false' }), { context: { prune: true } }), deps(c2));
    expect(no.results[0]).toMatchObject({ status: 'PruneSkipped', message: 'ignored (no prune)' });
    expect(callsOf(c, ['delete']).concat(callsOf(c2, ['delete']))).toEqual([]);
  });

  it('should decide on the object as it is when the wave runs: taken over by another app, or Prune=false added since the prepare step (§9.11)', async () => {
    const c = cluster();
    const tasks = await pruneSetup(c);
    await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: NS, labels: { 'hookrunner.io/app': 'another-app' } } }, { fieldManager: 'other' });
    const taken = await runStep(stepData(tasks, { context: { prune: true } }), deps(c));
    expect(taken.results[0]).toMatchObject({ name: 'old', status: 'PruneSkipped', message: `ignored (no longer tracked by application ${APP})` });
    const c2 = cluster();
    const tasks2 = await pruneSetup(c2);
    await c2.mergePatch(cmRef('old'), { metadata: { annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false' } } });
    const kept = await runStep(stepData(tasks2, { context: { prune: true } }), deps(c2));
    expect(kept.results[0]).toMatchObject({ name: 'old', status: 'PruneSkipped', message: 'ignored (no prune)' });
    expect(callsOf(c, ['delete']).concat(callsOf(c2, ['delete']))).toEqual([]);
  });

  it('should not re-create a PVC whose replace is refused as immutable (Replace=true re-creates Jobs and Pods only), and restore an object whose re-create failed', async () => {
    const c = cluster({ kinds: [{ group: '', version: 'v1', kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims', namespaced: true }] });
    const pvc = `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: { name: data, annotations: { argocd.argoproj.io/sync-options: Replace=true } }\nspec: { resources: { requests: { storage: 1Gi } } }\n`;
    await runStep(stepData(planTasks([pvc])), deps(c));
    c.failNext('replace', { kind: 'PersistentVolumeClaim' }, kubeErrors.invalid('PersistentVolumeClaim', 'data', [{ field: 'spec', message: 'Forbidden: spec is immutable after creation' }]));
    const refused = await runStep(stepData(planTasks([pvc])), deps(c));
    expect(refused.results[0]).toMatchObject({ status: 'SyncFailed', message: expect.stringContaining('Replace=true re-creates only Jobs and Pods by itself; add Force=true') });
    expect(callsOf(c, ['delete'])).toEqual([]);

    const forced = pvc.replace('Replace=true', '"Replace=true,Force=true"');
    c.failNext('create', { kind: 'PersistentVolumeClaim' }, kubeErrors.invalid('PersistentVolumeClaim', 'data', [{ field: 'spec.resources', message: 'Required value' }]));
    const failed = await runStep(stepData(planTasks([forced])), deps(c));
    expect(failed.results[0]).toMatchObject({ status: 'SyncFailed', message: expect.stringContaining('the object as it was has been created again') });
    expect(c.object({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: NS, name: 'data' })).toBeDefined();
  });

  it('should report Pruned (dry run) without deleting in a dry run', async () => {
    const c = cluster();
    const result = await runStep(stepData(await pruneSetup(c), { context: { prune: true, dryRun: true } }), deps(c));
    expect(result.results[0]).toMatchObject({ status: 'Pruned', hookPhase: 'Succeeded', message: 'pruned (dry run)' });
    expect(c.object(cmRef('old'))).toBeDefined();
  });

  it('should delete with Foreground propagation and the uid precondition, prune before applying, and wait until it is gone', async () => {
    const c = cluster();
    const tasks = await pruneSetup(c, {}, { finalizers: ['example.com/cleanup'] });
    const uid = c.object(cmRef('old'))?.metadata.uid;
    const running = runStep(stepData(tasks, { context: { prune: true } }), deps(c));
    await c.waiting(1, 'to be deleted (prune)');
    expect(c.pendingWaits()[0]).toMatchObject({ name: 'old', description: 'configmap/old to be deleted (prune)' });
    expect(c.calls.find((k) => k.verb === 'delete')?.options).toEqual({ propagationPolicy: 'Foreground', uid });
    expect(c.object(cmRef('keep'))).toBeUndefined(); // nothing applied while the prune is in flight (§4.5 step 3)
    await c.removeFinalizer(cmRef('old'), 'example.com/cleanup');
    const result = await running;
    expect(result.results.map((r) => [r.name, r.status, r.hookPhase, r.message])).toEqual([['old', 'Pruned', 'Succeeded', 'pruned'], ['keep', 'Synced', 'Running', 'configmap/keep created']]);
  });

  it('should honour PrunePropagationPolicy, and not delete again what is already being deleted', async () => {
    const c = cluster();
    await runStep(stepData(await pruneSetup(c, { 'argocd.argoproj.io/sync-options': 'PrunePropagationPolicy=background' }), { context: { prune: true } }), deps(c));
    expect(c.calls.find((k) => k.verb === 'delete')?.options).toMatchObject({ propagationPolicy: 'Background' });
    const c2 = cluster();
    const tasks = await pruneSetup(c2, { 'argocd.argoproj.io/sync-options': 'PrunePropagationPolicy=orphan' }, { finalizers: ['example.com/x'] });
    await c2.delete(cmRef('old'));
    const running = runStep(stepData(tasks, { context: { prune: true } }), deps(c2));
    await c2.waiting();
    expect(callsOf(c2, ['delete'])).toEqual(['delete ConfigMap/old']); // the test's own
    await c2.removeFinalizer(cmRef('old'), 'example.com/x');
    expect((await running).results[0]).toMatchObject({ status: 'Pruned', message: 'pruned' });
  });

  it('should fail the prune and the wave before any apply when the deletion is refused (§4.5 step 3)', async () => {
    const c = cluster();
    const tasks = await pruneSetup(c);
    c.failNext('delete', { name: 'old' }, kubeErrors.forbidden({ verb: 'delete', resource: 'configmaps', name: 'old', namespace: NS }));
    const result = await runStep(stepData(tasks, { context: { prune: true } }), deps(c));
    expect(result.results).toEqual([expect.objectContaining({ name: 'old', status: 'SyncFailed', hookPhase: 'Failed', message: expect.stringMatching(/^delete configmaps app\/old: Forbidden \(403\)/) })]);
    expect(callsOf(c, ['apply'])).toEqual(['apply ConfigMap/old']); // the setup's only
  });

  it('should fail a prune whose object is not gone by the operation deadline (at least 1 s of wait)', async () => {
    const c = cluster();
    const tasks = await pruneSetup(c, {}, { finalizers: ['example.com/stuck'] });
    const running = runStep(stepData(tasks, { context: { prune: true, deadlineAt: NOW + 10 } }), deps(c));
    await c.waiting();
    expect(c.pendingWaits()[0]?.timeoutMs).toBe(1_000);
    c.expireWaits();
    expect((await running).results).toEqual([expect.objectContaining({ name: 'old', status: 'SyncFailed', message: expect.stringMatching(/^timed out after 1s waiting for configmap\/old to be deleted \(prune\); last seen: ConfigMap app\/old: health Progressing \(Pending deletion\); conditions none, being deleted$/) })]);
  });

  // The delete carries a uid precondition (the object the prepare step saw). When that object was
  // replaced (deleted and re-created under the same name, another uid) the prune is done: it must
  // not wait for the new object to go, i.e. until the operation deadline (§9.1).
  it('should count a prune done when the object it meant (by uid) is gone, even if another took its name', async () => {
    const c = cluster();
    const tasks = await pruneSetup(c);
    await c.delete(cmRef('old'));
    await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: NS }, data: { new: 'object' } });
    const running = runStep(stepData(tasks, { context: { prune: true } }), deps(c));
    void c.waiting(1, 'to be deleted (prune)').then(() => c.expireWaits(), () => undefined);
    expect((await running).results[0]).toMatchObject({ status: 'Pruned', message: 'pruned' });
  });

  it('should count a prune done, without waiting, when its delete finds the uid precondition failed (replaced meanwhile)', async () => {
    const c = cluster();
    const tasks = await pruneSetup(c);
    // The object is replaced between the read and the delete: the client answers notFound.
    const result = await runStep(stepData(tasks, { context: { prune: true } }), deps(c, { cluster: { ...c, delete: () => Promise.resolve('notFound' as const) } }));
    expect(result.results[0]).toMatchObject({ status: 'Pruned', hookPhase: 'Succeeded', message: 'pruned' });
    expect(callsOf(c, ['waitFor'])).toEqual([]);
  });

  it('should end the prune wait when the object is gone, even if another object took its name by the time it is seen', async () => {
    const c = cluster();
    const tasks = await pruneSetup(c, {}, { finalizers: ['example.com/cleanup'] });
    const predicates: ((obj: KubeObject | undefined) => boolean)[] = [];
    const spy = { ...c, waitFor: (ref: Parameters<MemoryCluster['waitFor']>[0], predicate: (obj: KubeObject | undefined) => boolean, options: Parameters<MemoryCluster['waitFor']>[2]) => (predicates.push(predicate), c.waitFor(ref, predicate, options)) };
    const running = runStep(stepData(tasks, { context: { prune: true } }), deps(c, { cluster: spy }));
    await c.waiting(1, 'to be deleted (prune)');
    const old = c.object(cmRef('old'));
    expect(predicates[0]?.(old)).toBe(false);
    expect(predicates[0]?.(undefined)).toBe(true);
    expect(predicates[0]?.({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: NS, uid: 'another-uid' } })).toBe(true);
    await c.removeFinalizer(cmRef('old'), 'example.com/cleanup');
    expect((await running).results[0]).toMatchObject({ status: 'Pruned', message: 'pruned' });
  });

  it('should throw an infrastructure failure of a prune (read or delete) once every prune has had its delete, and finish on redelivery', async () => {
    const c = cluster();
    const a = await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old-a', namespace: NS, labels: { 'hookrunner.io/app': APP } }, data: {} });
    const b = await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old-b', namespace: NS, labels: { 'hookrunner.io/app': APP }, finalizers: ['example.com/slow'] }, data: {} });
    const tasks = planTasks([configMapYaml('keep')], { pruneCandidates: [a, b] });
    const data = stepData(tasks, { context: { prune: true } });
    c.failNext('delete', { name: 'old-a' }, kubeErrors.unreachable());
    // old-b's deletion is held by a finalizer: the step throws without waiting for it.
    await expect(runStep(data, deps(c))).rejects.toThrow(/unreachable/);
    expect(callsOf(c, ['delete', 'waitFor', 'apply'])).toEqual(['apply ConfigMap/old-a', 'apply ConfigMap/old-b', 'delete ConfigMap/old-a', 'delete ConfigMap/old-b']);
    expect(c.pendingWaits()).toEqual([]);
    c.failNext('get', { name: 'old-b' }, kubeErrors.internal());
    await expect(runStep(data, deps(c))).rejects.toThrow(/InternalError \(500\)/);
    // The queue delivers it again: old-b, already being deleted, is not deleted twice.
    const again = runStep(data, deps(c));
    await c.waiting(1, 'configmap/old-b to be deleted (prune)');
    await c.removeFinalizer(cmRef('old-b'), 'example.com/slow');
    expect((await again).results.map((r) => [r.name, r.status])).toEqual([['old-a', 'Pruned'], ['old-b', 'Pruned'], ['keep', 'Synced']]);
    expect(callsOf(c, ['delete'])).toEqual(['delete ConfigMap/old-a', 'delete ConfigMap/old-b', 'delete ConfigMap/old-a']);
  });
});
