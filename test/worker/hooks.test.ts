/**
 * Hook objects before a wave applies them and when a policy deletes them (src/worker/hooks.ts):
 * adoption after a crash (D8), older instances (§4.5 steps 1 and 4, §6.2 BeforeHookCreation, §7),
 * foreign objects, and deleteHook (§6.2 HookSucceeded / HookFailed, D4 logs, D7 finalizer).
 */
import { describe, expect, it } from 'vitest';
import { runStep } from '../../src/worker/index.js';
import { kubeErrors } from '../helpers/memory-cluster.js';
import { APP, HOOK_FINALIZER, NOW, NS, PREVIOUS_SYNC_ID, SYNC_ID, callsOf, cluster, deps, jobYaml, liveHook, planTasks, stepData, task } from './step-fixtures.js';

const jobRef = (name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', namespace: NS, name });
const BHC = { 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' };

describe('hooks: a step redelivered after a crash adopts what its attempt created (D8)', () => {
  it('should adopt the running Job instead of creating it twice, and finish with it', async () => {
    const c = cluster();
    const data = stepData(planTasks([jobYaml('pre', 'PreSync')]));
    // First delivery: the Job is created, then the worker "dies" while waiting (its run is abandoned).
    const first = runStep(data, deps(c));
    await c.waiting();
    const created = c.object(jobRef('pre'));
    expect(created?.metadata.annotations?.['hookrunner.io/sync-id']).toBe(`${SYNC_ID}/PreSync`);
    // Second delivery of the same step.
    const second = runStep(data, deps(c));
    await c.waiting(2);
    expect(callsOf(c, ['apply', 'delete', 'removeFinalizer'], 'Job')).toEqual(['apply Job/pre']);
    c.completeJob(jobRef('pre'), { outcome: 'succeeded', logs: 'ok' });
    const result = await second;
    expect(result.results[0]).toMatchObject({ status: 'Synced', hookPhase: 'Succeeded', startedAt: NOW, logs: [expect.objectContaining({ log: 'ok' })] });
    expect(c.objects({ kind: 'Job' }).map((j) => j.metadata.uid)).toEqual([created?.metadata.uid]);
    expect(c.objects({ kind: 'Pod' })).toHaveLength(1);
    await first;
  });

  it('should adopt a Job that completed while no worker was looking, with its result at once', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('pre', 'PreSync')]);
    await c.apply(liveHook(task(tasks, 'pre'), `${SYNC_ID}/PreSync`));
    c.completeJob(jobRef('pre'), { outcome: 'failed', message: 'BackoffLimitExceeded', logs: 'exit 1' });
    const d = deps(c);
    const result = await runStep(stepData(tasks), d);
    expect(d.progressed[0]?.[0]?.message).toBe('job.batch/pre adopted (created earlier by this operation)');
    expect(result.results[0]).toMatchObject({ status: 'Synced', hookPhase: 'Failed', message: 'BackoffLimitExceeded', logs: [expect.objectContaining({ log: 'exit 1', exitCode: 1 })] });
    expect(callsOf(c, ['apply'], 'Job')).toEqual(['apply Job/pre']); // the seeding apply only
  });

  it('should not adopt across phases: a PreSync,PostSync hook is one object per phase run (§2.5)', async () => {
    const c = cluster({ jobs: 'succeed' });
    const tasks = planTasks([jobYaml('both', 'PreSync,PostSync')]);
    await runStep(stepData([task(tasks, 'both', 'PreSync')]), deps(c));
    const preUid = c.object(jobRef('both'))?.metadata.uid;
    const post = await runStep(stepData([task(tasks, 'both', 'PostSync')]), deps(c));
    expect(post.results[0]).toMatchObject({ key: 'batch/Job/app/both:PostSync', hookPhase: 'Succeeded', message: 'Reached expected number of succeeded pods' });
    const live = c.object(jobRef('both'));
    expect(live?.metadata.uid).not.toBe(preUid);
    expect(live?.metadata.annotations?.['hookrunner.io/sync-id']).toBe(`${SYNC_ID}/PostSync`);
  });
});

describe('hooks: two deliveries of one step at once (a stalled step redelivered while its worker lives)', () => {
  it('should end with one Job when both wait for the older instance to go and then apply', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('pre', 'PreSync')]);
    const old = liveHook(task(tasks, 'pre'), `${PREVIOUS_SYNC_ID}/PreSync`);
    c.seed({ ...old, metadata: { ...old.metadata, finalizers: [HOOK_FINALIZER, 'example.com/slow'] } });
    const data = stepData(tasks);
    const first = runStep(data, deps(c));
    await c.waiting(1, 'BeforeHookCreation');
    const second = runStep(data, deps(c));
    await c.waiting(2, 'BeforeHookCreation');
    expect(callsOf(c, ['delete'])).toEqual(['delete Job/pre']); // the second saw it being deleted already
    await c.removeFinalizer(jobRef('pre'), 'example.com/slow');
    await c.waiting(2, 'to complete');
    expect(c.objects({ kind: 'Job' })).toHaveLength(1);
    expect(c.objects({ kind: 'Pod' })).toHaveLength(1);
    c.completeJob(jobRef('pre'), { outcome: 'succeeded' });
    expect([(await first).results[0]?.hookPhase, (await second).results[0]?.hookPhase]).toEqual(['Succeeded', 'Succeeded']);
  });
});

describe('hooks: an older instance from a previous attempt or sync (§4.5, §6.2 BeforeHookCreation)', () => {
  it('should release its finalizer, keep its logs, delete it and wait until it is gone before creating the new one', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('pre', 'PreSync')]); // no policy: BeforeHookCreation by default
    await c.apply({ ...liveHook(task(tasks, 'pre'), `${PREVIOUS_SYNC_ID}/PreSync`), metadata: { ...liveHook(task(tasks, 'pre'), `${PREVIOUS_SYNC_ID}/PreSync`).metadata, finalizers: [HOOK_FINALIZER, 'example.com/slow'] } });
    c.completeJob(jobRef('pre'), { outcome: 'succeeded', logs: 'old run\n' });
    const oldUid = c.object(jobRef('pre'))?.metadata.uid;
    const running = runStep(stepData(tasks), deps(c));
    await c.waiting();
    // The older Job is being deleted (another finalizer holds it): nothing new is applied yet.
    expect(c.pendingWaits()).toEqual([expect.objectContaining({ name: 'pre', description: 'the older Job app/pre to be deleted (BeforeHookCreation)', timeoutMs: 5 * 60_000 })]);
    expect(callsOf(c, ['removeFinalizer', 'delete', 'apply'], 'Job')).toEqual(['apply Job/pre', 'removeFinalizer Job/pre', 'delete Job/pre']);
    expect(c.calls.find((k) => k.verb === 'delete')?.options).toEqual({ propagationPolicy: 'Foreground' });
    expect(c.object(jobRef('pre'))?.metadata).toMatchObject({ uid: oldUid, deletionTimestamp: expect.any(String), finalizers: ['example.com/slow'] });
    await c.removeFinalizer(jobRef('pre'), 'example.com/slow');
    await c.waiting();
    const fresh = c.object(jobRef('pre'));
    expect(fresh?.metadata.uid).not.toBe(oldUid);
    expect(fresh?.metadata.annotations?.['hookrunner.io/sync-id']).toBe(`${SYNC_ID}/PreSync`);
    c.completeJob(jobRef('pre'), { outcome: 'succeeded', logs: 'new run\n' });
    const result = await running;
    expect(result.results[0]).toMatchObject({ status: 'Synced', hookPhase: 'Succeeded', message: 'Reached expected number of succeeded pods' });
    expect(result.results[0]?.logs?.map((l) => l.log)).toEqual(['old run\n', 'new run\n']);
  });

  it('should not count a leftover completed Job of an earlier sync as this sync’s success (PERF-RELIABILITY §7 item 4)', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('pre', 'PreSync', BHC)]);
    c.seed({ ...liveHook(task(tasks, 'pre'), 'op-6-0/PreSync'), status: { conditions: [{ type: 'Complete', status: 'True' }], succeeded: 1 } });
    const running = runStep(stepData(tasks), deps(c));
    await c.waiting(1, 'to complete');
    expect(c.object(jobRef('pre'))?.['status']).toMatchObject({ active: 1 });
    c.completeJob(jobRef('pre'), { outcome: 'failed' });
    expect((await running).results[0]?.hookPhase).toBe('Failed');
  });

  it('should apply over an older instance without BeforeHookCreation, keep its sync id, and take its status (§7)', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('once', 'PreSync', { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' })]);
    await c.apply(liveHook(task(tasks, 'once'), `${PREVIOUS_SYNC_ID}/PreSync`));
    c.completeJob(jobRef('once'), { outcome: 'succeeded' });
    const uid = c.object(jobRef('once'))?.metadata.uid;
    const result = await runStep(stepData(tasks), deps(c));
    expect(callsOf(c, ['delete'])).toEqual([]);
    expect(result.results[0]).toMatchObject({ status: 'Synced', hookPhase: 'Succeeded', message: 'Reached expected number of succeeded pods' });
    const live = c.object(jobRef('once'));
    expect(live?.metadata.uid).toBe(uid);
    expect(live?.metadata.annotations?.['hookrunner.io/sync-id']).toBe(`${PREVIOUS_SYNC_ID}/PreSync`);
  });

  it('should apply over an object this application does not track, never deleting it (§7)', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('pre', 'PreSync')]);
    const theirs = liveHook(task(tasks, 'pre'), 'other-op-0/PreSync', 'other-app');
    c.seed({ ...theirs, metadata: { ...theirs.metadata, finalizers: ['example.com/theirs'] } });
    const running = runStep(stepData(tasks), deps(c));
    await c.waiting(1, 'to complete');
    expect(c.object(jobRef('pre'))?.metadata.finalizers).toEqual(['example.com/theirs', HOOK_FINALIZER]);
    c.completeJob(jobRef('pre'), { outcome: 'succeeded' });
    const result = await running;
    expect(callsOf(c, ['delete', 'removeFinalizer'])).toEqual(['removeFinalizer Job/pre']); // only the completion's release (D7)
    expect(result.results[0]).toMatchObject({ status: 'Synced', message: 'Reached expected number of succeeded pods' });
    expect(c.object(jobRef('pre'))?.metadata.labels?.['hookrunner.io/app']).toBe(APP);
  });

  it('should fail the hook with Error and keep the older logs when the older instance cannot be deleted', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('pre', 'PreSync')]);
    await c.apply(liveHook(task(tasks, 'pre'), `${PREVIOUS_SYNC_ID}/PreSync`));
    c.completeJob(jobRef('pre'), { outcome: 'succeeded', logs: 'kept' });
    c.failNext('delete', { name: 'pre' }, kubeErrors.forbidden({ verb: 'delete', resource: 'jobs', group: 'batch', name: 'pre', namespace: NS }));
    const result = await runStep(stepData(tasks), deps(c));
    expect(result.results[0]).toMatchObject({ status: 'SyncFailed', hookPhase: 'Error', finishedAt: NOW, message: expect.stringMatching(/^failed to delete the older hook: delete jobs.batch app\/pre: Forbidden \(403\): jobs "pre" is forbidden/) });
    expect(result.results[0]?.logs?.map((l) => l.log)).toEqual(['kept']);
    expect(callsOf(c, ['apply'], 'Job')).toEqual(['apply Job/pre']); // the seeding apply only
  });

  it('should fail the hook when the older instance is not gone within the wait (deadline)', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('pre', 'PreSync', { 'hookrunner.io/hook-timeout': '2m' })]);
    c.seed({ ...liveHook(task(tasks, 'pre'), `${PREVIOUS_SYNC_ID}/PreSync`), metadata: { ...liveHook(task(tasks, 'pre'), `${PREVIOUS_SYNC_ID}/PreSync`).metadata, finalizers: ['example.com/stuck'] } });
    const running = runStep(stepData(tasks), deps(c));
    await c.waiting();
    expect(c.pendingWaits()[0]?.timeoutMs).toBe(120_000); // min(5 min, the hook's timeout, the deadline)
    c.expireWaits();
    const result = await running;
    expect(result.results[0]).toMatchObject({ status: 'SyncFailed', hookPhase: 'Error', message: expect.stringMatching(/^failed to delete the older hook: timed out after 2m waiting for the older Job app\/pre to be deleted \(BeforeHookCreation\); last seen: Job app\/pre: .*being deleted$/) });
  });

  it('should fail the hook when its live object cannot be read (a 403, a per-resource failure)', async () => {
    const c = cluster();
    c.failNext('get', { name: 'pre' }, kubeErrors.forbidden({ verb: 'get', resource: 'jobs', group: 'batch', name: 'pre', namespace: NS }));
    const result = await runStep(stepData(planTasks([jobYaml('pre', 'PreSync')])), deps(c));
    expect(result.results[0]).toMatchObject({ status: 'SyncFailed', hookPhase: 'Error', message: expect.stringMatching(/^reading the hook's live object: get jobs.batch app\/pre: Forbidden \(403\)/) });
    expect(c.writes()).toEqual([]);
  });
});

describe('hooks: deletion by policy (§6.2, D4, D7)', () => {
  it('should keep the logs, release the finalizer and delete with Foreground propagation', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('post', 'PostSync', { 'argocd.argoproj.io/hook-delete-policy': 'HookFailed' })]);
    await c.apply(liveHook(task(tasks, 'post'), `${SYNC_ID}/PostSync`));
    c.completeJob(jobRef('post'), { outcome: 'failed', logs: 'boom\n', terminationMessage: 'exit 3', exitCode: 3 });
    const result = await runStep(stepData([], { kind: 'cleanup', deleteTasks: tasks, step: { outcome: 'Failed' } }), deps(c));
    expect(result.results).toEqual([
      expect.objectContaining({ key: 'batch/Job/app/post:PostSync', message: '', logs: [expect.objectContaining({ container: 'main', log: 'boom\n', exitCode: 3, reason: 'Error', terminationMessage: 'exit 3', truncated: false })] }),
    ]);
    expect(callsOf(c, ['removeFinalizer', 'delete'])).toEqual(['removeFinalizer Job/post', 'delete Job/post']);
    expect(c.calls.find((k) => k.verb === 'delete')?.options).toEqual({ propagationPolicy: 'Foreground' });
    expect(c.objects({ namespace: NS }).filter((o) => o.kind !== 'Namespace')).toEqual([]);
  });

  it('should mark the task Error "failed to delete resource" when the deletion fails', async () => {
    const c = cluster();
    const tasks = planTasks([jobYaml('post', 'PostSync', { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' })]);
    await c.apply(liveHook(task(tasks, 'post'), `${SYNC_ID}/PostSync`));
    c.failNext('delete', { name: 'post' }, kubeErrors.internal('Internal error occurred: etcd leader changed'));
    const d = deps(c);
    const result = await runStep(stepData([], { kind: 'cleanup', deleteTasks: tasks }), d);
    expect(result.results[0]).toMatchObject({ hookPhase: 'Error', message: 'failed to delete resource: delete jobs.batch app/post: InternalError (500): Internal error occurred: etcd leader changed' });
    expect(d.logged).toContainEqual(expect.objectContaining({ level: 'warn', message: 'hook deletion failed' }));
  });
});
