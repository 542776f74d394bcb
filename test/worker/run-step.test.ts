/**
 * `runStep` (src/worker/steps.ts): each step kind — prepare, wave, syncFail, cleanup — against the
 * in-memory cluster; kind runs (§4.5 step 5), the wave's health gating (§5.4, §5.8), the wave
 * delay (D2), and infrastructure errors vs per-resource failures (STYLE §4).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KubeApiError, isInvalid } from '../../src/cluster/index.js';
import type { StepResult } from '../../src/sync/index.js';
import { runStep } from '../../src/worker/index.js';
import { kubeErrors } from '../helpers/memory-cluster.js';
import { APP, HOOK_FINALIZER, NOW, NS, SYNC_ID, callsOf, cluster, configMapYaml, deploymentYaml, deps, jobYaml, liveHook, manifests, planTasks, stepData, task } from './step-fixtures.js';

const byKey = (r: StepResult) => Object.fromEntries(r.results.map((x) => [x.key, { status: x.status, hookPhase: x.hookPhase, message: x.message }]));

describe('runStep: the step kinds', () => {
  it('should answer a prepare step without its input with an error, touching nothing', async () => {
    const c = cluster();
    const result = await runStep(stepData([], { kind: 'prepare' }), deps(c));
    expect(result).toEqual({ stepId: 'op-7-1-2', operationId: 'op-7', results: [], error: 'prepare step without its input', finishedAt: NOW });
    expect(c.calls).toEqual([]);
  });

  it('should run a whole sync step by step: prepare, PreSync hook, Sync wave, PostSync hook, cleanup (HookSucceeded)', async () => {
    const c = cluster({ jobs: 'succeed', jobLogs: 'done\n' });
    const docs = [jobYaml('pre', 'PreSync'), configMapYaml('cfg'), jobYaml('post', 'PostSync', { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' })];
    const prepared = await runStep(stepData([], { kind: 'prepare', prepare: { manifests: manifests(...docs), startedAt: new Date(NOW).toISOString(), createNamespace: false, pruneLast: false, inventory: [] } }), deps(c));
    expect(prepared.fatal).toBeUndefined();
    const plan = prepared.plan ?? [];
    expect(plan.map((t) => t.key)).toEqual(['batch/Job/app/pre:PreSync', '/ConfigMap/app/cfg:Sync', 'batch/Job/app/post:PostSync']);
    const results: StepResult[] = [];
    for (const t of plan) results.push(await runStep(stepData([t], { step: { finalWave: t.phase === 'PostSync' } }), deps(c)));
    expect(results.map(byKey)).toEqual([
      { 'batch/Job/app/pre:PreSync': { status: 'Synced', hookPhase: 'Succeeded', message: 'Reached expected number of succeeded pods' } },
      { '/ConfigMap/app/cfg:Sync': { status: 'Synced', hookPhase: 'Running', message: 'configmap/cfg created' } },
      { 'batch/Job/app/post:PostSync': { status: 'Synced', hookPhase: 'Succeeded', message: 'Reached expected number of succeeded pods' } },
    ]);
    const cleanup = await runStep(stepData([], { kind: 'cleanup', deleteTasks: [task(plan, 'post')], step: { outcome: 'Succeeded' } }), deps(c));
    expect(cleanup.results).toEqual([expect.objectContaining({ key: 'batch/Job/app/post:PostSync', message: '', logs: [expect.objectContaining({ container: 'main', log: 'done\n', exitCode: 0 })] })]);
    expect(c.objects({ kind: 'Job' }).map((j) => [j.metadata.name, j.metadata.finalizers ?? []])).toEqual([['pre', []]]);
    expect(c.object({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'cfg' })?.metadata.labels).toEqual({ 'hookrunner.io/app': APP });
  });

  it('should apply a wave in runs of one kind, each run after the previous one, and not stop at a failed kind (§4.5 step 5)', async () => {
    const c = cluster();
    const tasks = planTasks([configMapYaml('b'), configMapYaml('a'), deploymentYaml('web'), `apiVersion: v1\nkind: Service\nmetadata: { name: svc }\nspec: { ports: [{ port: 80 }] }\n`]);
    c.failNext('apply', { kind: 'Service' }, kubeErrors.invalid('Service', 'svc', [{ field: 'spec.ports[0].port', message: 'Invalid value: 80' }]));
    const result = await runStep(stepData(tasks), deps(c));
    expect(callsOf(c, ['apply'])).toEqual(['apply ConfigMap/a', 'apply ConfigMap/b', 'apply Service/svc', 'apply Deployment/web']);
    expect(result.results.map((r) => [r.name, r.status])).toEqual([['a', 'Synced'], ['b', 'Synced'], ['svc', 'SyncFailed'], ['web', 'Synced']]);
    // the two ConfigMaps went out together: both reads came before either apply
    expect(c.calls.slice(0, 4).map((k) => `${k.verb} ${k.name}`)).toEqual(['get a', 'get b', 'apply a', 'apply b']);
  });

  it('should report progress once the wave is applied, before waiting', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('hook', 'Sync'), configMapYaml('cfg')]);
    const d = deps(c);
    const running = runStep(stepData(tasks), d);
    await c.waiting();
    expect(d.progressed).toEqual([[expect.objectContaining({ name: 'cfg', status: 'Synced', hookPhase: 'Running' }), expect.objectContaining({ name: 'hook', status: 'Synced', hookPhase: 'Running', message: 'job.batch/hook created' })]]);
    c.completeJob({ apiVersion: 'batch/v1', kind: 'Job', namespace: NS, name: 'hook' }, { outcome: 'succeeded' });
    expect((await running).results.map((r) => r.hookPhase)).toEqual(['Running', 'Succeeded']);
  });

  it('should wait for plain resources only when the step says so (§5.4), and not once an apply failed (§5.8)', async () => {
    const c = cluster();
    const tasks = planTasks([deploymentYaml('web')]);
    const notWaited = await runStep(stepData(tasks, { step: { waitForResources: false } }), deps(c));
    expect(notWaited.results[0]?.hookPhase).toBe('Running');
    expect(callsOf(c, ['waitFor'])).toEqual([]);

    const waited = runStep(stepData(tasks, { step: { waitForResources: true } }), deps(c));
    await c.waiting();
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'web' };
    c.setStatus(ref, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 });
    expect((await waited).results[0]).toMatchObject({ hookPhase: 'Succeeded', health: { status: 'Healthy' } });

    const withFailure = planTasks([deploymentYaml('web'), configMapYaml('bad')]);
    c.failNext('apply', { name: 'bad' }, kubeErrors.invalid('ConfigMap', 'bad', [{ field: 'data', message: 'Invalid value' }]));
    c.setStatus(ref, { observedGeneration: 0 });
    const failed = await runStep(stepData(withFailure, { step: { waitForResources: true } }), deps(c));
    expect(failed.results.map((r) => [r.name, r.hookPhase])).toEqual([['bad', 'Failed'], ['web', 'Running']]);
    expect(c.pendingWaits()).toEqual([]);
  });

  it('should delete the HookFailed set first, then run the SyncFail hooks with their own deadline and the failure text (§5.6, D3, D5)', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('pre', 'PreSync', { 'argocd.argoproj.io/hook-delete-policy': 'HookFailed' }), jobYaml('on-fail', 'SyncFail')]);
    const pre = task(tasks, 'pre');
    c.seed({ ...liveHook(pre, `${SYNC_ID}/PreSync`), status: { failed: 1 } });
    const failure = '[{"task":"batch/Job/app/pre","message":"failed"}]';
    // the operation deadline has passed: SyncFail hooks get hookTimeoutMs from now (D3)
    const running = runStep(stepData([task(tasks, 'on-fail')], { kind: 'syncFail', deleteTasks: [pre], context: { deadlineAt: NOW - 1, failure, hookTimeoutMs: 120_000 } }), deps(c));
    await c.waiting();
    expect(c.pendingWaits()).toEqual([expect.objectContaining({ name: 'on-fail', timeoutMs: 120_000, description: 'job.batch/on-fail to complete' })]);
    expect(callsOf(c, ['delete', 'apply'])).toEqual(['delete Job/pre', 'apply Job/on-fail']);
    const env = (c.object({ apiVersion: 'batch/v1', kind: 'Job', namespace: NS, name: 'on-fail' })?.['spec'] as { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } }).template.spec.containers[0]?.env;
    expect(env).toContainEqual({ name: 'HOOKRUNNER_FAILURE', value: failure });
    expect(env).toContainEqual({ name: 'HOOKRUNNER_PHASE', value: 'SyncFail' });
    c.completeJob({ apiVersion: 'batch/v1', kind: 'Job', namespace: NS, name: 'on-fail' }, { outcome: 'succeeded' });
    const result = await running;
    expect(result.results.map((r) => [r.key, r.hookPhase ?? '', r.message])).toEqual([
      ['batch/Job/app/pre:PreSync', '', ''],
      ['batch/Job/app/on-fail:SyncFail', 'Succeeded', 'Reached expected number of succeeded pods'],
    ]);
  });

  it('should delete the cleanup step hooks, NotFound being fine', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('a', 'PostSync', { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' }), jobYaml('b', 'PostSync', { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' })]);
    await c.apply({ ...(task(tasks, 'a').target ?? { apiVersion: '', kind: '', metadata: {} }) });
    const result = await runStep(stepData([], { kind: 'cleanup', deleteTasks: tasks }), deps(c));
    expect(result.results.map((r) => [r.name, r.hookPhase, r.message])).toEqual([['a', undefined, ''], ['b', undefined, '']]);
    expect(c.objects({ kind: 'Job' })).toEqual([]);
    expect(c.objects({ kind: 'Pod' })).toEqual([]);
  });
});

describe('runStep: the wave delay (D2)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should pause waveDelayMs after a non-final wave only', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const c = cluster();
    const tasks = planTasks([configMapYaml('cfg')]);
    let done = false;
    const nonFinal = runStep(stepData(tasks, { step: { finalWave: false }, context: { waveDelayMs: 10_000 } }), deps(c)).then((r) => ((done = true), r));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await nonFinal).results[0]?.status).toBe('Synced');
    // the final wave does not pause: it settles without any timer moving
    expect((await runStep(stepData(tasks, { step: { finalWave: true }, context: { waveDelayMs: 10_000 } }), deps(c))).results[0]?.status).toBe('Synced');
  });
});

describe('runStep: per-resource failures are data, infrastructure failures are thrown (STYLE §4)', () => {
  it('should report a 422 as the task result, with the API server message', async () => {
    const c = cluster();
    const tasks = planTasks([configMapYaml('cfg')]);
    const err = kubeErrors.invalid('ConfigMap', 'cfg', [{ field: 'data[bad key]', message: "Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'" }]);
    expect(isInvalid(err)).toBe(true);
    c.failNext('apply', { name: 'cfg' }, err);
    const result = await runStep(stepData(tasks), deps(c));
    expect(result.results[0]).toMatchObject({ status: 'SyncFailed', hookPhase: 'Failed', message: expect.stringMatching(/^apply configmaps app\/cfg: Invalid \(422\): ConfigMap "cfg" is invalid: data\[bad key\]/) });
    expect(result.error).toBeUndefined();
  });

  it('should throw a 500 or a network failure of the prepare step, so the queue retries it', async () => {
    const c = cluster();
    const prepare = { manifests: manifests(configMapYaml('cfg')), startedAt: new Date(NOW).toISOString(), createNamespace: false, pruneLast: false, inventory: [] };
    c.failNext('get', { kind: 'Namespace' }, kubeErrors.internal());
    await expect(runStep(stepData([], { kind: 'prepare', prepare }), deps(c))).rejects.toThrow(/InternalError \(500\)/);
    c.failNext('resourceInfo', {}, kubeErrors.unreachable());
    await expect(runStep(stepData([], { kind: 'prepare', prepare }), deps(c))).rejects.toThrow(/unreachable/);
  });

  // A network failure of the apply (after the client's retries) is the step's failure: thrown for
  // the queue to retry the step, not a SyncFailed row that fails the sync and runs SyncFail hooks.
  it('should throw a network failure during a wave apply instead of failing the task', async () => {
    const c = cluster();
    c.failNext('apply', { name: 'cfg' }, kubeErrors.unreachable());
    await expect(runStep(stepData(planTasks([configMapYaml('cfg')])), deps(c))).rejects.toThrow(/unreachable/);
  });

  // The same for a transient 500 (the client already retried it). Only the permanent "failed to
  // convert new object" 500 is a property of the manifest (D10, below).
  it('should throw a transient 500 during a wave apply instead of failing the task', async () => {
    const c = cluster();
    c.failNext('apply', { name: 'cfg' }, kubeErrors.internal());
    await expect(runStep(stepData(planTasks([configMapYaml('cfg')])), deps(c))).rejects.toThrow(/InternalError/);
  });

  // The same when reading a hook's live object (hooks.ts inspectHooks) or pruning (apply.ts
  // pruneTasks, tested in apply.test.ts).
  it('should throw a network failure reading a hook or pruning, instead of failing the task', async () => {
    const c = cluster();
    c.failNext('get', { name: 'pre' }, kubeErrors.unreachable());
    await expect(runStep(stepData(planTasks([jobYaml('pre', 'PreSync')])), deps(c))).rejects.toThrow(/unreachable/);
  });

  it('should throw the other answers the client retries itself (429, 502, 503, 504) once it gave up', async () => {
    const c = cluster();
    const tasks = planTasks([configMapYaml('cfg')]);
    c.failNext('apply', { name: 'cfg' }, kubeErrors.tooManyRequests());
    await expect(runStep(stepData(tasks), deps(c))).rejects.toThrow(/TooManyRequests \(429\)/);
    for (const [code, reason] of [[502, 'BadGateway'], [503, 'ServiceUnavailable'], [504, 'Timeout']] as const) {
      c.failNext('apply', { name: 'cfg' }, new KubeApiError({ code, reason, message: 'the server is currently unable to handle the request' }));
      await expect(runStep(stepData(tasks), deps(c))).rejects.toThrow(`${reason} (${code})`);
    }
    expect(c.objects({ kind: 'ConfigMap' })).toEqual([]);
  });

  it('should throw only once the other applies of the kind run have returned, and adopt on redelivery the hook applied meanwhile (D8)', async () => {
    const c = cluster();
    const data = stepData(planTasks([jobYaml('a', 'PreSync'), jobYaml('b', 'PreSync')]));
    c.failNext('apply', { name: 'a' }, kubeErrors.unreachable());
    await expect(runStep(data, deps(c))).rejects.toThrow(/unreachable/);
    // b's apply went out with a's and had returned: nothing of the step is still running.
    expect(callsOf(c, ['apply'], 'Job')).toEqual(['apply Job/a', 'apply Job/b']);
    const b = c.object({ apiVersion: 'batch/v1', kind: 'Job', namespace: NS, name: 'b' });
    expect(b?.metadata.annotations?.['hookrunner.io/sync-id']).toBe(`${SYNC_ID}/PreSync`);
    // The queue delivers the step again: a is created, b adopted, not created twice.
    const d = deps(c);
    const again = runStep(data, d);
    await c.waiting(2);
    expect(d.progressed[0]?.map((r) => [r.name, r.message])).toEqual([['a', 'job.batch/a created'], ['b', 'job.batch/b adopted (created earlier by this operation)']]);
    expect(callsOf(c, ['apply', 'delete'], 'Job')).toEqual(['apply Job/a', 'apply Job/b', 'apply Job/a']);
    expect(c.object({ apiVersion: 'batch/v1', kind: 'Job', namespace: NS, name: 'b' })?.metadata.uid).toBe(b?.metadata.uid);
    for (const name of ['a', 'b']) c.completeJob({ apiVersion: 'batch/v1', kind: 'Job', namespace: NS, name }, { outcome: 'succeeded' });
    expect((await again).results.map((r) => [r.name, r.hookPhase])).toEqual([['a', 'Succeeded'], ['b', 'Succeeded']]);
    expect(c.objects({ kind: 'Pod' })).toHaveLength(2);
  });

  it('should throw a transient failure deleting an older hook instance (BeforeHookCreation), and replace it on redelivery', async () => {
    const c = cluster({ jobs: 'succeed' });
    const tasks = planTasks([jobYaml('pre', 'PreSync')]);
    c.seed(liveHook(task(tasks, 'pre'), 'op-6-0/PreSync'));
    const oldUid = c.object({ apiVersion: 'batch/v1', kind: 'Job', namespace: NS, name: 'pre' })?.metadata.uid;
    c.failNext('delete', { name: 'pre' }, kubeErrors.internal());
    const data = stepData(tasks);
    await expect(runStep(data, deps(c))).rejects.toThrow(/InternalError \(500\)/);
    expect(callsOf(c, ['apply'], 'Job')).toEqual([]);
    const result = await runStep(data, deps(c));
    expect(result.results[0]).toMatchObject({ status: 'Synced', hookPhase: 'Succeeded' });
    expect(c.objects({ kind: 'Job' }).map((j) => j.metadata.uid)).not.toContain(oldUid);
    expect(c.objects({ kind: 'Job' })).toHaveLength(1);
  });

  it('should fail the task, not the step, on the permanent 500 of an undecodable apply (the lab invalid Pod, D10)', async () => {
    const c = cluster();
    c.failNext('apply', { name: 'cfg' }, kubeErrors.conversion());
    const result = await runStep(stepData(planTasks([configMapYaml('cfg')])), deps(c));
    expect(result.results[0]).toMatchObject({ status: 'SyncFailed', hookPhase: 'Failed', message: expect.stringContaining('failed to convert new object') });
  });

  it('should keep the hook finalizer on what it applies and leave none behind once a hook completed (D7)', async () => {
    const c = cluster({ jobs: 'succeed' });
    const result = await runStep(stepData(planTasks([jobYaml('pre', 'PreSync')])), deps(c));
    expect(result.results[0]?.hookPhase).toBe('Succeeded');
    const applied = c.calls.find((k) => k.verb === 'apply')?.body as { metadata: { finalizers: string[] } };
    expect(applied.metadata.finalizers).toEqual([HOOK_FINALIZER]);
    expect(c.objects().filter((o) => o.metadata.finalizers?.includes(HOOK_FINALIZER))).toEqual([]);
  });
});
