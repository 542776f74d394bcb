/**
 * D4 (src/worker/logs.ts): before a hook is deleted, the end of each container's log and its
 * termination details are kept — per container, init containers first, for the 5 newest Pods of
 * a Job (both job-name label forms), the tail cut at logTailBytes. Driven through the cleanup
 * step (deleteHook), as a deletion policy runs it.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/manifests/index.js';
import type { SyncTask } from '../../src/plan/index.js';
import { runStep } from '../../src/worker/index.js';
import { kubeErrors } from '../helpers/memory-cluster.js';
import type { MemoryCluster } from '../helpers/memory-cluster.js';
import { NOW, NS, SYNC_ID, cluster, deps, jobYaml, liveHook, planTasks, stepData, task } from './step-fixtures.js';

const POLICY = { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' };

/** A finished Job of this attempt, as a live hook whose pods the test then adds. */
function seedJob(c: MemoryCluster, containers = ['main']): { job: KubeObject; hook: SyncTask } {
  const hook = task(planTasks([jobYaml('migrate', 'PostSync', POLICY, containers)]), 'migrate');
  const job = c.seed({ ...liveHook(hook, `${SYNC_ID}/PostSync`), status: { succeeded: 1 } });
  return { job, hook };
}

interface PodSpec {
  name: string;
  created: string;
  labels?: Record<string, string>;
  init?: string[];
  containers?: string[];
  statuses?: Record<string, { exitCode: number; reason?: string; message?: string; last?: boolean }>;
}

function seedPod(c: MemoryCluster, job: KubeObject, p: PodSpec): void {
  const status = (names: string[]) =>
    names.flatMap((n) => {
      const s = p.statuses?.[n];
      if (!s) return [];
      const terminated = { exitCode: s.exitCode, ...(s.reason ? { reason: s.reason } : {}), ...(s.message ? { message: s.message } : {}) };
      return [{ name: n, ...(s.last ? { state: { running: {} }, lastState: { terminated } } : { state: { terminated } }) }];
    });
  c.seed({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace: NS, creationTimestamp: p.created, labels: p.labels ?? { 'batch.kubernetes.io/job-name': 'migrate', 'job-name': 'migrate' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'migrate', uid: job.metadata.uid ?? '', controller: true }] },
    spec: { initContainers: (p.init ?? []).map((name) => ({ name })), containers: (p.containers ?? ['main']).map((name) => ({ name })) },
    status: { phase: 'Succeeded', initContainerStatuses: status(p.init ?? []), containerStatuses: status(p.containers ?? ['main']) },
  });
}

async function cleanup(c: MemoryCluster, hook: SyncTask, logTailBytes = 65_536) {
  const result = await runStep(stepData([], { kind: 'cleanup', deleteTasks: [hook] }), deps(c, { logTailBytes }));
  return result.results[0]?.logs;
}

describe('logs: what is kept of a hook before its deletion (D4)', () => {
  it('should keep every container, init containers first, with exit code, reason and termination message', async () => {
    const c = cluster();
    const { job, hook } = seedJob(c);
    seedPod(c, job, { name: 'migrate-a', created: '2025-06-01T12:00:00Z', init: ['wait-db'], containers: ['main', 'sidecar'], statuses: { 'wait-db': { exitCode: 0, reason: 'Completed' }, main: { exitCode: 1, reason: 'Error', message: 'migration 42 failed' }, sidecar: { exitCode: 137, reason: 'OOMKilled', last: true } } });
    c.setLogs(NS, 'migrate-a', { 'wait-db': 'db is up\n', main: 'applying 42\n', sidecar: 'proxy\n' });
    expect(await cleanup(c, hook)).toEqual([
      { pod: 'migrate-a', container: 'wait-db', log: 'db is up\n', truncated: false, exitCode: 0, reason: 'Completed' },
      { pod: 'migrate-a', container: 'main', log: 'applying 42\n', truncated: false, exitCode: 1, reason: 'Error', terminationMessage: 'migration 42 failed' },
      { pod: 'migrate-a', container: 'sidecar', log: 'proxy\n', truncated: false, exitCode: 137, reason: 'OOMKilled' },
    ]);
    expect(c.calls.filter((k) => k.verb === 'podLogs').map((k) => k.options)).toEqual([
      { container: 'wait-db', tailLines: 5_000 },
      { container: 'main', tailLines: 5_000 },
      { container: 'sidecar', tailLines: 5_000 },
    ]);
    expect(c.objects({ kind: 'Job' })).toEqual([]);
  });

  it('should keep only the last logTailBytes of a long log, and say it was truncated', async () => {
    const c = cluster();
    const { job, hook } = seedJob(c);
    seedPod(c, job, { name: 'migrate-a', created: '2025-06-01T12:00:00Z' });
    c.setLogs(NS, 'migrate-a', `${'x'.repeat(100)}\nthe end\n`);
    expect(await cleanup(c, hook, 8)).toEqual([{ pod: 'migrate-a', container: 'main', log: 'the end\n', truncated: true }]);
  });

  it('should keep the 5 newest Pods of a Job, oldest first', async () => {
    const c = cluster();
    const { job, hook } = seedJob(c);
    for (const i of [3, 1, 6, 0, 5, 2, 4]) seedPod(c, job, { name: `migrate-${i}`, created: new Date(NOW + i * 1_000).toISOString().replace('.000Z', 'Z') });
    expect((await cleanup(c, hook))?.map((l) => l.pod)).toEqual(['migrate-2', 'migrate-3', 'migrate-4', 'migrate-5', 'migrate-6']);
  });

  it('should find the Pods by the legacy job-name label when the batch.kubernetes.io one is absent', async () => {
    const c = cluster();
    const { job, hook } = seedJob(c);
    seedPod(c, job, { name: 'migrate-old', created: '2025-06-01T12:00:00Z', labels: { 'job-name': 'migrate' } });
    c.setLogs(NS, 'migrate-old', 'legacy');
    expect((await cleanup(c, hook))?.map((l) => [l.pod, l.log])).toEqual([['migrate-old', 'legacy']]);
    expect(c.calls.filter((k) => k.verb === 'list').map((k) => k.options?.['labelSelector'])).toEqual(['batch.kubernetes.io/job-name=migrate', 'job-name=migrate']);
  });

  it('should say why a container log is unavailable, and still keep the others', async () => {
    const c = cluster();
    const { job, hook } = seedJob(c, ['a', 'b']);
    seedPod(c, job, { name: 'migrate-a', created: '2025-06-01T12:00:00Z', containers: ['a', 'b'], statuses: { b: { exitCode: 0 } } });
    c.setLogs(NS, 'migrate-a', { b: 'fine' });
    c.failNext('podLogs', (k) => k.options?.['container'] === 'a', kubeErrors.internal('the server could not find the requested resource ( pods/log migrate-a)'));
    expect(await cleanup(c, hook)).toEqual([
      { pod: 'migrate-a', container: 'a', log: '', truncated: false, reason: 'logs unavailable: podLogs pods app/migrate-a: InternalError (500): the server could not find the requested resource ( pods/log migrate-a)' },
      { pod: 'migrate-a', container: 'b', log: 'fine', truncated: false, exitCode: 0 },
    ]);
  });

  it('should record one "logs unavailable" entry when the Pods cannot be listed, and still delete the hook', async () => {
    const c = cluster();
    const { hook } = seedJob(c);
    c.failNext('list', { kind: 'Pod' }, kubeErrors.forbidden({ verb: 'list', resource: 'pods', namespace: NS }));
    expect(await cleanup(c, hook)).toEqual([{ pod: 'migrate', container: '', log: '', truncated: false, reason: 'logs unavailable: list pods in app: Forbidden (403): pods is forbidden: User "system:serviceaccount:hookrunner:hookrunner" cannot list resource "pods" in API group "" in the namespace "app"' }]);
    expect(c.objects({ kind: 'Job' })).toEqual([]);
  });

  it('should keep the logs of a Pod hook itself, and the reason when its container never started', async () => {
    const c = cluster();
    const yaml = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: check\n  annotations: { argocd.argoproj.io/hook: PostSync, argocd.argoproj.io/hook-delete-policy: HookSucceeded }\nspec:\n  restartPolicy: Never\n  containers: [{ name: c, image: busybox }]\n`;
    const hook = task(planTasks([yaml]), 'check');
    await c.apply(liveHook(hook, `${SYNC_ID}/PostSync`)); // a bare Pod starts Pending
    expect(await cleanup(c, hook)).toEqual([{ pod: 'check', container: 'c', log: '', truncated: false, reason: 'logs unavailable: podLogs pods app/check: BadRequest (400): container "c" in pod "check" is waiting to start: ContainerCreating' }]);
    expect(c.objects({ kind: 'Pod' })).toEqual([]);
  });
});
