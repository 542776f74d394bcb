/** The Job controller with real local processes: the lab's health check, retries, deadlines, TTLs, OnFailure restarts. */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevCluster } from '../../../src/devcluster/index.js';
import type { DevCluster } from '../../../src/devcluster/index.js';
import { alive, at, call, hasCondition, job, list, namespace, waitFor } from '../helpers.js';

let cluster: DevCluster;
let mattermost: Server;
let upPort: number;
let deadPort: number;

beforeAll(async () => {
  cluster = await startDevCluster({ port: 0, podRestartBackoffMs: 20 });
  await namespace(cluster, 'jobs');
  mattermost = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => mattermost.listen(0, '127.0.0.1', resolve));
  upPort = (mattermost.address() as AddressInfo).port;
  const dead = createServer();
  await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
  deadPort = (dead.address() as AddressInfo).port;
  await new Promise<void>((resolve) => dead.close(() => resolve()));
});
afterAll(async () => {
  await cluster?.stop();
  await new Promise<void>((resolve) => (mattermost ? mattermost.close(() => resolve()) : resolve()));
});

const JOBS = '/apis/batch/v1/namespaces/jobs/jobs';
const PODS = '/api/v1/namespaces/jobs/pods';

/** The lab's PreSync health check, pointed at a local port. */
function labHealthCheck(name: string, port: number): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, annotations: { 'argocd.argoproj.io/hook': 'PreSync' } },
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'health-check',
              image: 'curlimages/curl',
              command: ['/bin/sh', '-c'],
              args: [`if curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${port} | grep -q 200; then echo 'Mattermost is up and Running'; exit 0; else echo 'Mattermost is NOT accessible'; exit 1; fi`],
            },
          ],
          restartPolicy: 'Never',
        },
      },
      backoffLimit: 0,
    },
  };
}

async function create(body: Record<string, unknown>): Promise<string> {
  const r = await call(cluster, 'POST', JOBS, { body });
  if (r.status !== 201) throw new Error(r.text);
  return String(at(r.json, 'metadata.uid'));
}

async function podsOf(jobName: string): Promise<unknown[]> {
  return list((await call(cluster, 'GET', `${PODS}?labelSelector=${encodeURIComponent(`batch.kubernetes.io/job-name=${jobName}`)}`)).json, 'items');
}

const finished = (name: string, type: 'Complete' | 'Failed', timeoutMs = 10_000): ReturnType<typeof waitFor> =>
  waitFor(cluster, `${JOBS}/${name}`, (o) => hasCondition(o, type), `Job ${name} to be ${type}`, timeoutMs);

describe('when running the lab\'s PreSync health check (§8.2 Job health)', () => {
  it('should reach Complete (SuccessCriteriaMet first) when the server answers 200, with the pod log', async () => {
    const uid = await create(labHealthCheck('health-up', upPort));
    const done = await finished('health-up', 'Complete');
    expect(list(done, 'status.conditions').map((c) => `${String(at(c, 'type'))}=${String(at(c, 'reason'))}`)).toEqual(['SuccessCriteriaMet=CompletionsReached', 'Complete=CompletionsReached']);
    expect(at(done, 'status.succeeded')).toBe(1);
    expect(at(done, 'status.active')).toBeUndefined();
    expect(at(done, 'status.completionTime')).toEqual(expect.any(String));
    const [pod] = await podsOf('health-up');
    const podName = String(at(pod, 'metadata.name'));
    expect(podName).toMatch(/^health-up-[a-z0-9]{5}$/);
    expect(at(pod, 'metadata.ownerReferences')).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'health-up', uid, controller: true, blockOwnerDeletion: true }]);
    expect(at(pod, 'metadata.labels')).toMatchObject({ 'batch.kubernetes.io/job-name': 'health-up', 'job-name': 'health-up', 'batch.kubernetes.io/controller-uid': uid, 'controller-uid': uid });
    expect(at(pod, 'status.phase')).toBe('Succeeded');
    expect(at(pod, 'status.containerStatuses.0.state.terminated')).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect((await call(cluster, 'GET', `${PODS}/${podName}/log`)).text).toBe('Mattermost is up and Running\n');
  });

  it('should reach Failed (FailureTarget first, BackoffLimitExceeded) against a dead port with backoffLimit 0', async () => {
    await create(labHealthCheck('health-down', deadPort));
    const done = await finished('health-down', 'Failed');
    expect(list(done, 'status.conditions').map((c) => `${String(at(c, 'type'))}=${String(at(c, 'reason'))}`)).toEqual(['FailureTarget=BackoffLimitExceeded', 'Failed=BackoffLimitExceeded']);
    expect(at(list(done, 'status.conditions')[1], 'message')).toBe('Job has reached the specified backoff limit');
    expect(at(done, 'status.failed')).toBe(1);
    const pods = await podsOf('health-down');
    expect(pods).toHaveLength(1);
    expect(at(pods[0], 'status.containerStatuses.0.state.terminated')).toMatchObject({ exitCode: 1, reason: 'Error' });
  });
});

describe('when a Job keeps failing', () => {
  it('should retry up to backoffLimit with a new Pod each time, then fail', async () => {
    await create(job('retry', ['sh', '-c', 'echo try; exit 3'], { backoffLimit: 2 }));
    const done = await finished('retry', 'Failed');
    expect(at(done, 'status.failed')).toBe(3);
    const pods = await podsOf('retry');
    expect(new Set(pods.map((p) => at(p, 'metadata.name'))).size).toBe(3);
    expect(pods.every((p) => at(p, 'status.phase') === 'Failed')).toBe(true);
    const exits = cluster.audit().filter((e) => e.verb === 'process-exited' && e.namespace === 'jobs' && e.name?.startsWith('retry-'));
    expect(exits.map((e) => e.exitCode)).toEqual([3, 3, 3]);
  });

  it('should count container restarts against backoffLimit with restartPolicy OnFailure', async () => {
    await create(job('onfailure-fail', ['sh', '-c', 'exit 1'], { backoffLimit: 2 }, { restartPolicy: 'OnFailure' }));
    const done = await finished('onfailure-fail', 'Failed');
    expect(at(list(done, 'status.conditions')[0], 'reason')).toBe('BackoffLimitExceeded');
    // The failing Pod is deleted with the Job's failure, as the Job controller does with active Pods.
    expect(await podsOf('onfailure-fail')).toEqual([]);
    const runs = cluster.audit().filter((e) => e.verb === 'process-exited' && e.name?.startsWith('onfailure-fail-'));
    // Two failures, then the third instance: it fails too or is stopped when the Job fails (restartCount 2 reached the limit).
    expect(runs).toHaveLength(3);
    expect(runs.slice(0, 2).map((e) => e.exitCode)).toEqual([1, 1]);
    expect(new Set(runs.map((e) => e.name)).size).toBe(1);
  });
});

describe('when a container restarts under restartPolicy OnFailure', () => {
  it('should restart it in the same Pod (same HOME) until it succeeds, keeping the previous instance\'s log', async () => {
    const script = 'n=$(cat "$HOME/n" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$HOME/n"; echo attempt $n; [ $n -ge 3 ]';
    await create(job('onfailure-ok', ['sh', '-c', script], { backoffLimit: 6 }, { restartPolicy: 'OnFailure' }));
    await finished('onfailure-ok', 'Complete');
    const [pod] = await podsOf('onfailure-ok');
    const name = String(at(pod, 'metadata.name'));
    expect(at(pod, 'status.containerStatuses.0.restartCount')).toBe(2);
    expect(at(pod, 'status.containerStatuses.0.lastState.terminated')).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect((await call(cluster, 'GET', `${PODS}/${name}/log`)).text).toBe('attempt 3\n');
    expect((await call(cluster, 'GET', `${PODS}/${name}/log?previous=true`)).text).toBe('attempt 2\n');
  });
});

describe('when a Job has activeDeadlineSeconds', () => {
  it('should kill its running Pod and fail with DeadlineExceeded', async () => {
    await create(job('deadline', ['sh', '-c', 'sleep 30'], { activeDeadlineSeconds: 1, backoffLimit: 5 }));
    const done = await finished('deadline', 'Failed');
    const failed = list(done, 'status.conditions').find((c) => at(c, 'type') === 'Failed');
    expect(failed).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    const started = cluster.audit().find((e) => e.verb === 'process-started' && e.name?.startsWith('deadline-'));
    expect(started?.pid).toEqual(expect.any(Number));
    expect(alive(started?.pid ?? -1)).toBe(false);
  });
});

describe('when a Job has ttlSecondsAfterFinished', () => {
  it('should delete it after finishing, held by a finalizer until that is removed', async () => {
    const body = job('ttl', ['true'], { ttlSecondsAfterFinished: 0 });
    await create({ ...body, metadata: { name: 'ttl', finalizers: ['example.com/keep'] } });
    const deleting = await waitFor(cluster, `${JOBS}/ttl`, (o) => !!o?.metadata.deletionTimestamp, 'Job ttl to be deleted by its TTL');
    expect(hasCondition(deleting, 'Complete')).toBe(true);
    await waitFor(cluster, `${JOBS}/ttl`, (o) => (o?.metadata.finalizers ?? []).join() === 'example.com/keep', 'the foreground finalizer to go once the Pods are gone');
    expect(await podsOf('ttl')).toEqual([]);
    expect((await call(cluster, 'GET', `${JOBS}/ttl`)).status).toBe(200);
    await call(cluster, 'PATCH', `${JOBS}/ttl`, { contentType: 'application/merge-patch+json', body: { metadata: { finalizers: null } } });
    await waitFor(cluster, `${JOBS}/ttl`, (o) => o === undefined, 'Job ttl to be gone');
  });
});

describe('when a Job is suspended', () => {
  it('should create no Pod and say so in a Suspended condition, then run once resumed', async () => {
    await create(job('susp', ['true'], { suspend: true }));
    const suspended = await waitFor(cluster, `${JOBS}/susp`, (o) => hasCondition(o, 'Suspended'), 'Job susp to be Suspended');
    expect(at(suspended, 'status.startTime')).toBeUndefined();
    expect(await podsOf('susp')).toEqual([]);
    await call(cluster, 'PATCH', `${JOBS}/susp`, { contentType: 'application/merge-patch+json', body: { spec: { suspend: false } } });
    const done = await finished('susp', 'Complete');
    expect(list(done, 'status.conditions').find((c) => at(c, 'type') === 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed' });
  });
});
