/**
 * Waiting for a wave's tasks (src/worker/wait.ts): hook verdicts from health (§5.3), plain
 * resources when the step says so (§5.4), the hook timeout and the operation deadline (D3), a
 * vanished object, and termination by the user or by the timeout (§10.1).
 */
import { describe, expect, it } from 'vitest';
import { runStep } from '../../src/worker/index.js';
import { kubeErrors } from '../helpers/memory-cluster.js';
import { HOOK_FINALIZER, NOW, NS, SYNC_ID, callsOf, cluster, configMapYaml, deploymentYaml, deps, jobYaml, liveHook, planTasks, stepData, task } from './step-fixtures.js';

const jobRef = (name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', namespace: NS, name });
const deployRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'web' };
const hookFinalizers = (c: ReturnType<typeof cluster>) => c.objects().filter((o) => o.metadata.finalizers?.includes(HOOK_FINALIZER)).map((o) => o.metadata.name);

describe('wait: hooks complete by their health (§5.3)', () => {
  it('should finish a succeeded Job hook with its health, its logs (D4) and its finalizer released (D7)', async () => {
    const c = cluster();
    const running = runStep(stepData(planTasks([jobYaml('pre', 'PreSync')])), deps(c));
    await c.waiting();
    expect(c.pendingWaits()).toEqual([expect.objectContaining({ name: 'pre', description: 'job.batch/pre to complete', timeoutMs: 30 * 60_000 })]);
    const pod = c.objects({ kind: 'Pod' })[0]?.metadata.name;
    c.completeJob(jobRef('pre'), { outcome: 'succeeded', logs: 'ready\n' });
    const result = await running;
    expect(result.results).toEqual([
      {
        key: 'batch/Job/app/pre:PreSync',
        order: 0,
        syncPhase: 'PreSync',
        wave: 0,
        group: 'batch',
        version: 'v1',
        kind: 'Job',
        namespace: NS,
        name: 'pre',
        hookType: 'PreSync',
        status: 'Synced',
        hookPhase: 'Succeeded',
        message: 'Reached expected number of succeeded pods',
        health: { status: 'Healthy', message: 'Reached expected number of succeeded pods' },
        logs: [{ pod, container: 'main', log: 'ready\n', truncated: false, exitCode: 0, reason: 'Completed' }],
        startedAt: NOW,
        finishedAt: NOW,
      },
    ]);
    expect(result.terminated).toBeUndefined();
    expect(hookFinalizers(c)).toEqual([]);
    expect(c.object(jobRef('pre'))).toBeDefined(); // no policy deletes it now (BeforeHookCreation acts next time)
  });

  it('should fail a failed Job hook with the condition message, keeping the logs tail (D4)', async () => {
    const c = cluster();
    const d = deps(c, { logTailBytes: 8 });
    const running = runStep(stepData(planTasks([jobYaml('pre', 'PreSync')])), d);
    await c.waiting();
    c.completeJob(jobRef('pre'), { outcome: 'failed', message: 'Job has reached the specified backoff limit', logs: 'starting\nerror: db down\n', terminationMessage: 'db down', exitCode: 2 });
    const [result] = (await running).results;
    expect(result).toMatchObject({ status: 'Synced', hookPhase: 'Failed', message: 'Job has reached the specified backoff limit', health: { status: 'Degraded' } });
    expect(result?.logs).toEqual([expect.objectContaining({ log: 'db down\n', truncated: true, exitCode: 2, reason: 'Error', terminationMessage: 'db down' })]);
    expect(hookFinalizers(c)).toEqual([]);
  });

  it('should complete a hook of a kind without health at once ("<name> created"), and a Pod hook when it ends', async () => {
    const c = cluster();
    const tasks = planTasks([configMapYaml('marker', { 'argocd.argoproj.io/hook': 'Sync' }), `apiVersion: v1\nkind: Pod\nmetadata:\n  name: check\n  annotations: { argocd.argoproj.io/hook: Sync }\nspec:\n  restartPolicy: Never\n  containers: [{ name: c, image: busybox }]\n`]);
    const running = runStep(stepData(tasks), deps(c));
    await c.waiting(1, 'pod/check');
    c.setStatus({ apiVersion: 'v1', kind: 'Pod', namespace: NS, name: 'check' }, { phase: 'Running' });
    c.completeJob({ apiVersion: 'v1', kind: 'Pod', namespace: NS, name: 'check' }, { outcome: 'succeeded', logs: 'pod ok' });
    const result = await running;
    expect(result.results.map((r) => [r.name, r.hookPhase, r.message])).toEqual([['marker', 'Succeeded', 'marker created'], ['check', 'Succeeded', 'pod/check created']]);
    expect(result.results[1]?.logs?.map((l) => [l.pod, l.log])).toEqual([['check', 'pod ok']]);
    expect(hookFinalizers(c)).toEqual([]);
  });

  it('should mark the hook Error when its finalizer cannot be released', async () => {
    const c = cluster({ jobs: 'succeed' });
    c.failNext('removeFinalizer', { name: 'pre' }, kubeErrors.forbidden({ verb: 'update', resource: 'jobs', group: 'batch', name: 'pre', namespace: NS }));
    const [result] = (await runStep(stepData(planTasks([jobYaml('pre', 'PreSync')])), deps(c))).results;
    expect(result).toMatchObject({ hookPhase: 'Error', message: expect.stringMatching(/^failed to remove the hook finalizer: removeFinalizer jobs.batch app\/pre: Forbidden \(403\)/) });
  });
});

describe('wait: plain resources (§5.4)', () => {
  it('should wait for a Deployment to be healthy, and fail it when Degraded', async () => {
    const c = cluster();
    const tasks = planTasks([deploymentYaml('web')]);
    const healthy = runStep(stepData(tasks, { step: { waitForResources: true } }), deps(c));
    await c.waiting();
    expect(c.pendingWaits()).toEqual([expect.objectContaining({ description: 'deployment.apps/web to be healthy', timeoutMs: 60 * 60_000 })]);
    c.setStatus(deployRef, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 });
    expect((await healthy).results[0]).toMatchObject({ status: 'Synced', hookPhase: 'Succeeded', health: { status: 'Healthy' } });

    // An annotation change does not move the generation: the status already observed still holds.
    const annotated = await runStep(stepData(planTasks([deploymentYaml('web', { changed: 'yes' })]), { step: { waitForResources: true } }), deps(c));
    expect(annotated.results[0]).toMatchObject({ hookPhase: 'Succeeded', message: 'deployment.apps/web configured' });

    const c2 = cluster();
    const degraded = runStep(stepData(tasks, { step: { waitForResources: true } }), deps(c2));
    await c2.waiting();
    c2.setStatus(deployRef, { observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] });
    expect((await degraded).results[0]).toMatchObject({ status: 'Synced', hookPhase: 'Failed', message: 'Deployment "web" exceeded its progress deadline', health: { status: 'Degraded' } });
  });

  it('should fail a task whose object vanished while it was awaited (§5.4 [GE])', async () => {
    const c = cluster();
    const running = runStep(stepData(planTasks([deploymentYaml('web')]), { step: { waitForResources: true } }), deps(c));
    await c.waiting();
    await c.delete(deployRef);
    expect((await running).results[0]).toMatchObject({ status: 'SyncFailed', hookPhase: 'Error', message: 'Resource apps/Deployment/app/web is missing, it might have been deleted' });
  });
});

describe('wait: timeouts (D3)', () => {
  it('should give a hook min(its own timeout, the operation deadline), then fail it with what was awaited and last seen, and stop it', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('pre', 'PreSync', { 'hookrunner.io/hook-timeout': '90s' }), jobYaml('late', 'PreSync')]);
    const running = runStep(stepData(tasks, { context: { deadlineAt: NOW + 45_000 } }), deps(c));
    await c.waiting(2);
    expect(c.pendingWaits().map((w) => [w.name, w.timeoutMs])).toEqual([['late', 45_000], ['pre', 45_000]]);
    c.expireWaits();
    const result = await running;
    expect(result.results.map((r) => [r.name, r.status, r.hookPhase])).toEqual([['late', 'Synced', 'Failed'], ['pre', 'Synced', 'Failed']]);
    expect(result.results[1]?.message).toBe('timed out after 45s waiting for job.batch/pre to complete; last seen: Job app/pre: conditions none; active 1, succeeded 0, failed 0');
    // D3: a timed-out hook is stopped as on termination: logs kept, finalizer released, deleted
    expect(result.results[1]?.logs).toEqual([expect.objectContaining({ container: 'main', log: '' })]);
    expect(c.objects({ kind: 'Job' })).toEqual([]);
    expect(callsOf(c, ['removeFinalizer', 'delete'])).toEqual(['removeFinalizer Job/late', 'removeFinalizer Job/pre', 'delete Job/late', 'delete Job/pre']);
  });

  it('should use the hook timeout annotation when it is the nearer deadline', async () => {
    const c = cluster();
    const running = runStep(stepData(planTasks([jobYaml('pre', 'PreSync', { 'hookrunner.io/hook-timeout': '90s' })])), deps(c));
    await c.waiting();
    expect(c.pendingWaits()[0]?.timeoutMs).toBe(90_000);
    c.expireWaits();
    expect((await running).results[0]?.message).toMatch(/^timed out after 1m30s waiting for job.batch\/pre to complete; last seen: Job app\/pre:/);
  });

  // Once the operation deadline has passed, the wait is not asked with timeoutMs 0 (which
  // ClusterClient.waitFor refuses: "waitFor: timeoutMs must be > 0") but with a short minimum, so
  // the hook fails with D3's message saying what was awaited and its last observed status.
  it('should fail a hook with the D3 timeout message when the operation deadline has already passed', async () => {
    const c = cluster({ jobs: 'manual' });
    const result = await runStep(stepData(planTasks([jobYaml('pre', 'PreSync')]), { context: { deadlineAt: NOW - 1_000 } }), deps(c));
    expect(result.results[0]?.message).toMatch(/^timed out after .* waiting for job.batch\/pre to complete; last seen: Job app\/pre:/);
  });

  it('should still take the result of a hook that has completed when the operation deadline has passed (a redelivered step)', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('pre', 'PreSync')]);
    await c.apply(liveHook(task(tasks, 'pre'), `${SYNC_ID}/PreSync`));
    c.completeJob(jobRef('pre'), { outcome: 'succeeded' });
    const result = await runStep(stepData(tasks, { context: { deadlineAt: NOW - 1_000 } }), deps(c));
    expect(result.results[0]).toMatchObject({ hookPhase: 'Succeeded', message: 'Reached expected number of succeeded pods' });
  });

  it('should give the deletion of an older hook instance a short wait, not 0, once the operation deadline has passed (BeforeHookCreation)', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('pre', 'PreSync')]);
    const old = liveHook(task(tasks, 'pre'), 'op-6-0/PreSync');
    c.seed({ ...old, metadata: { ...old.metadata, finalizers: ['example.com/stuck'] } });
    const running = runStep(stepData(tasks, { context: { deadlineAt: NOW - 1_000 } }), deps(c));
    await c.waiting(1, 'BeforeHookCreation');
    expect(c.pendingWaits()[0]?.timeoutMs).toBe(1_000);
    c.expireWaits();
    expect((await running).results[0]).toMatchObject({ status: 'SyncFailed', hookPhase: 'Error', message: expect.stringMatching(/^failed to delete the older hook: timed out after 1s waiting for the older Job app\/pre to be deleted \(BeforeHookCreation\); last seen: Job app\/pre:/) });
  });

  it('should fail a plain resource that is not healthy by the operation deadline, without deleting it', async () => {
    const c = cluster();
    const running = runStep(stepData(planTasks([deploymentYaml('web')]), { step: { waitForResources: true }, context: { deadlineAt: NOW + 10_000 } }), deps(c));
    await c.waiting();
    c.expireWaits();
    expect((await running).results[0]).toMatchObject({ hookPhase: 'Failed', message: expect.stringMatching(/^timed out after 10s waiting for deployment.apps\/web to be healthy; last seen: Deployment app\/web: health Progressing/) });
    expect(c.object(deployRef)).toBeDefined();
  });
});

describe('wait: termination (§10.1)', () => {
  it('should stop a running hook when the user terminates: logs kept, finalizer released, deleted, Failed "Terminated"', async () => {
    const c = cluster();
    const d = deps(c);
    const running = runStep(stepData(planTasks([jobYaml('pre', 'PreSync'), configMapYaml('cfg', { 'argocd.argoproj.io/hook': 'PreSync' })])), d);
    await c.waiting();
    c.setLogs(NS, c.objects({ kind: 'Pod' })[0]?.metadata.name ?? '', 'half way');
    d.terminate('user');
    const result = await running;
    expect(result.terminated).toBe(true);
    expect(result.results.map((r) => [r.name, r.hookPhase, r.message])).toEqual([['cfg', 'Succeeded', 'cfg created'], ['pre', 'Failed', 'Terminated']]);
    expect(result.results[1]?.logs?.map((l) => l.log)).toEqual(['half way']);
    expect(c.objects({ kind: 'Job' })).toEqual([]);
    expect(hookFinalizers(c)).toEqual([]);
  });

  it('should say the operation timed out when terminated by the deadline, for hooks and plain resources', async () => {
    const c = cluster();
    const d = deps(c);
    const running = runStep(stepData(planTasks([jobYaml('pre', 'Sync'), deploymentYaml('web')]), { step: { waitForResources: true } }), d);
    await c.waiting(2);
    d.terminate('timeout');
    const result = await running;
    expect(result.terminated).toBe(true);
    expect(result.results.map((r) => [r.name, r.hookPhase, r.message])).toEqual([
      ['web', 'Failed', 'operation timed out while waiting for deployment.apps/web to be healthy'],
      ['pre', 'Failed', 'operation timed out while waiting for job.batch/pre to complete'],
    ]);
    expect(c.object(deployRef)).toBeDefined(); // plain resources are not rolled back
  });

  it('should keep a plain resource result as it was when the user terminates', async () => {
    const c = cluster();
    const d = deps(c);
    const running = runStep(stepData(planTasks([deploymentYaml('web')]), { step: { waitForResources: true } }), d);
    await c.waiting();
    d.terminate('user');
    const result = await running;
    expect(result).toMatchObject({ terminated: true, results: [{ name: 'web', status: 'Synced', hookPhase: 'Running', message: 'deployment.apps/web created' }] });
  });

  it('should keep the real phase of a hook that finished as the termination came, and delete a HookFailed one', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('done', 'Sync'), jobYaml('bad', 'Sync', { 'argocd.argoproj.io/hook-delete-policy': 'HookFailed' })]);
    const d = deps(c);
    const running = runStep(stepData(tasks), d);
    await c.waiting(2);
    // Both Jobs finish in the same instant the operation is terminated: the waits end by the abort.
    c.completeJob(jobRef('done'), { outcome: 'succeeded', logs: 'd' });
    c.completeJob(jobRef('bad'), { outcome: 'failed', logs: 'b' });
    d.terminate('user');
    const result = await running;
    expect(result.terminated).toBe(true);
    expect(result.results.map((r) => [r.name, r.hookPhase, r.message, r.logs?.map((l) => l.log)])).toEqual([
      ['bad', 'Failed', 'Job has reached the specified backoff limit', ['b']],
      ['done', 'Succeeded', 'Reached expected number of succeeded pods', ['d']],
    ]);
    expect(c.objects({ kind: 'Job' }).map((j) => [j.metadata.name, j.metadata.finalizers ?? []])).toEqual([['done', []]]);
  });

  it('should mark a hook whose object is gone Succeeded "Terminated"', async () => {
    const c = cluster();
    const d = deps(c);
    const running = runStep(stepData(planTasks([jobYaml('pre', 'PreSync')])), d);
    await c.waiting();
    // Gone in the same instant the operation is terminated (the wait ends by the abort, not by the deletion).
    void c.removeFinalizer(jobRef('pre'), HOOK_FINALIZER);
    void c.delete(jobRef('pre'));
    d.terminate('user');
    expect((await running).results[0]).toMatchObject({ hookPhase: 'Succeeded', message: 'Terminated' });
  });

  // A failed read is not "the object is gone": §10.1 deletes a running hook whose state is unknown
  // (Failed "Terminated"), and a termination step that fails is an error, never a success.
  it('should not report a still running hook Succeeded when its live object cannot be read at termination', async () => {
    const c = cluster();
    const d = deps(c);
    const running = runStep(stepData(planTasks([jobYaml('pre', 'PreSync')])), d);
    await c.waiting();
    c.failNext('get', { name: 'pre' }, kubeErrors.unreachable());
    d.terminate('user');
    const result = await running;
    expect(result.results[0]?.hookPhase).not.toBe('Succeeded');
    expect(c.object(jobRef('pre'))).toBeUndefined();
  });

  it('should mark a hook unreadable at termination Failed "Terminated" once deleted, logs kept', async () => {
    const c = cluster();
    const d = deps(c);
    const running = runStep(stepData(planTasks([jobYaml('pre', 'PreSync')])), d);
    await c.waiting();
    c.setLogs(NS, c.objects({ kind: 'Pod' })[0]?.metadata.name ?? '', 'half way');
    c.failNext('get', { name: 'pre' }, kubeErrors.internal());
    d.terminate('user');
    const result = await running;
    expect(result).toMatchObject({ terminated: true, results: [{ name: 'pre', hookPhase: 'Failed', message: 'Terminated' }] });
    expect(result.results[0]?.logs?.map((l) => l.log)).toEqual(['half way']);
    expect(d.logged).toContainEqual(expect.objectContaining({ level: 'warn', message: 'terminating: cannot read the hook, deleting it' }));
  });

  it('should mark a running hook Error, not "Terminated", when it cannot be deleted at termination', async () => {
    const c = cluster();
    const d = deps(c);
    const running = runStep(stepData(planTasks([jobYaml('pre', 'PreSync')])), d);
    await c.waiting();
    c.failNext('delete', { name: 'pre' }, kubeErrors.forbidden({ verb: 'delete', resource: 'jobs', group: 'batch', name: 'pre', namespace: NS }));
    d.terminate('timeout');
    const result = await running;
    expect(result).toMatchObject({ terminated: true, results: [{ name: 'pre', hookPhase: 'Error', message: expect.stringMatching(/^failed to delete resource: delete jobs.batch app\/pre: Forbidden \(403\)/) }] });
    expect(c.object(jobRef('pre'))).toBeDefined();
  });

  it('should apply nothing in a wave whose operation is already terminating', async () => {
    const c = cluster();
    const d = deps(c);
    d.terminate('user');
    const result = await runStep(stepData(planTasks([jobYaml('pre', 'PreSync'), configMapYaml('cfg')]), { context: { prune: true } }), d);
    expect(result).toEqual({ stepId: 'op-7-1-2', operationId: 'op-7', results: [], terminated: true, finishedAt: NOW });
    expect(c.calls).toEqual([]);
  });

  it('should apply nothing once terminated while an older hook was being deleted', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('pre', 'PreSync'), configMapYaml('cfg', { 'argocd.argoproj.io/hook': 'PreSync' })]);
    const old = liveHook(task(tasks, 'pre'), 'op-6-0/PreSync');
    c.seed({ ...old, metadata: { ...old.metadata, finalizers: ['example.com/slow'] } });
    const d = deps(c);
    const running = runStep(stepData(tasks), d);
    await c.waiting(1, 'BeforeHookCreation');
    d.terminate('user');
    const result = await running;
    expect(result).toMatchObject({ terminated: true, results: [] });
    expect(callsOf(c, ['apply', 'create'])).toEqual([]);
  });
});
