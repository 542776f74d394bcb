/**
 * D7: no hook object is left undeletable. The start-up sweep (src/worker/finalizers.ts) releases
 * our finalizer from hook Jobs and Pods whose operation attempt is not running; and every way a
 * hook ends in a step (completed, failed, timed out, terminated, replaced) releases it too.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/manifests/index.js';
import { runStep } from '../../src/worker/index.js';
// Not exported by the worker's index (only the step worker uses it): imported from its module.
import { sweepFinalizers } from '../../src/worker/finalizers.js';
import { kubeErrors } from '../helpers/memory-cluster.js';
import type { MemoryCluster } from '../helpers/memory-cluster.js';
import { HOOK_FINALIZER, NS, PREVIOUS_SYNC_ID, SYNC_ID, cluster, deps, jobYaml, liveHook, planTasks, stepData, task } from './step-fixtures.js';

function hookObject(kind: 'Job' | 'Pod', name: string, syncId: string | undefined, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: kind === 'Job' ? 'batch/v1' : 'v1',
    kind,
    metadata: { name, namespace: NS, labels: { 'hookrunner.io/app': 'shop', 'hookrunner.io/hook': 'true' }, ...(syncId ? { annotations: { 'hookrunner.io/sync-id': syncId } } : {}), finalizers: [HOOK_FINALIZER], ...extra },
    spec: {},
  };
}

const held = (c: MemoryCluster) => c.objects().filter((o) => o.metadata.finalizers?.includes(HOOK_FINALIZER)).map((o) => `${o.kind}/${o.metadata.name}`);

describe('finalizers: the start-up sweep (D7)', () => {
  it('should release hook Jobs and Pods of attempts that are not running, and only those', async () => {
    const c = cluster();
    c.seed(hookObject('Job', 'running', 'op-1-0/PreSync'));
    c.seed(hookObject('Job', 'retried', 'op-1-0/PreSync'.replace('op-1', 'op-2')));
    c.seed(hookObject('Job', 'no-sync-id', undefined));
    c.seed(hookObject('Pod', 'orphan-pod', 'op-3-1/Sync'));
    c.seed(hookObject('Job', 'deleting', 'op-4-0/PostSync', { deletionTimestamp: '2025-06-01T11:00:00Z' }));
    c.seed(hookObject('Job', 'other-finalizer', 'op-5-0/Sync', { finalizers: ['example.com/keep'] }));
    c.seed({ ...hookObject('Job', 'not-a-hook', 'op-6-0/Sync'), metadata: { name: 'not-a-hook', namespace: NS, finalizers: [HOOK_FINALIZER] } });
    const d = deps(c);
    const released = await sweepFinalizers(c, ['op-1-0'], d.logger);
    expect(released).toBe(4);
    expect(held(c)).toEqual(['Job/not-a-hook', 'Job/running']);
    expect(c.object({ apiVersion: 'batch/v1', kind: 'Job', namespace: NS, name: 'deleting' })).toBeUndefined(); // its last finalizer gone, it went
    expect(c.object({ apiVersion: 'batch/v1', kind: 'Job', namespace: NS, name: 'other-finalizer' })?.metadata.finalizers).toEqual(['example.com/keep']);
    expect(c.calls.filter((k) => k.verb === 'list').map((k) => [k.kind, k.namespace, k.options?.['labelSelector']])).toEqual([['Job', undefined, 'hookrunner.io/hook=true'], ['Pod', undefined, 'hookrunner.io/hook=true']]);
    expect(d.logged).toContainEqual({ level: 'info', message: 'finalizer sweep released hook finalizers', fields: { released: 4 } });
  });

  it('should go on when a kind cannot be listed (a namespaced installation) or one object cannot be released', async () => {
    const c = cluster();
    c.seed(hookObject('Job', 'job', 'op-1-0/Sync'));
    c.seed(hookObject('Pod', 'a', 'op-1-0/Sync'));
    c.seed(hookObject('Pod', 'b', 'op-1-0/Sync'));
    c.failNext('list', { kind: 'Job' }, kubeErrors.forbidden({ verb: 'list', resource: 'jobs', group: 'batch' }));
    c.failNext('removeFinalizer', { name: 'a' }, kubeErrors.internal());
    const d = deps(c);
    expect(await sweepFinalizers(c, [], d.logger)).toBe(1);
    expect(held(c)).toEqual(['Job/job', 'Pod/a']);
    expect(d.logged.filter((l) => l.level === 'warn').map((l) => [l.message, l.fields?.['kind'] ?? l.fields?.['name']])).toEqual([
      ['finalizer sweep: cannot list hook objects', 'Job'],
      ['finalizer sweep: cannot release', 'Pod'],
    ]);
  });
});

describe('finalizers: released however a hook ends (D7)', () => {
  const jobRef = { apiVersion: 'batch/v1', kind: 'Job', namespace: NS, name: 'pre' };
  const endings: [string, (c: MemoryCluster, d: ReturnType<typeof deps>) => void][] = [
    ['succeeded', (c) => void c.completeJob(jobRef, { outcome: 'succeeded' })],
    ['failed', (c) => void c.completeJob(jobRef, { outcome: 'failed' })],
    ['timed out (D3)', (c) => void c.expireWaits()],
    ['terminated by the user (§10.1)', (_c, d) => d.terminate('user')],
    ['terminated by the operation timeout (§10.1)', (_c, d) => d.terminate('timeout')],
  ];
  it.each(endings)('should leave no hook finalizer once the hook %s', async (_name, end) => {
    const c = cluster();
    const d = deps(c);
    const running = runStep(stepData(planTasks([jobYaml('pre', 'PreSync')])), d);
    await c.waiting();
    expect(held(c)).toEqual(['Job/pre']);
    end(c, d);
    await running;
    expect(held(c)).toEqual([]);
  });

  it('should release the finalizer of an older instance before the wave (§4.5 step 1), even one that is kept', async () => {
    const c = cluster({ jobs: 'succeed' });
    const tasks = planTasks([jobYaml('pre', 'PreSync', { 'argocd.argoproj.io/hook-delete-policy': 'HookFailed' })]);
    c.seed({ ...liveHook(task(tasks, 'pre'), `${PREVIOUS_SYNC_ID}/PreSync`), status: { conditions: [{ type: 'Complete', status: 'True' }] } });
    expect(held(c)).toEqual(['Job/pre']);
    const result = await runStep(stepData(tasks), deps(c));
    expect(c.calls.slice(0, 2).map((k) => `${k.verb} ${k.name}`)).toEqual(['get pre', 'removeFinalizer pre']);
    expect(result.results[0]?.hookPhase).toBe('Succeeded');
    expect(held(c)).toEqual([]);
    expect(c.object(jobRef)?.metadata.annotations?.['hookrunner.io/sync-id']).toBe(`${PREVIOUS_SYNC_ID}/PreSync`);
    expect(SYNC_ID).not.toBe(PREVIOUS_SYNC_ID);
  });
});
