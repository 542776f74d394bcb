/**
 * The real kubectl 1.34 against the dev cluster (docs/KUBECTL-WIRE.md): create, server-side
 * apply, get -o json, wait for complete and failed, logs of a Job, delete with background cascade.
 * On failure the dev cluster's request log is written to test-artifacts/ to see what kubectl sent.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { stringify } from 'yaml';
import { startDevCluster } from '../../src/devcluster/index.js';
import type { DevCluster } from '../../src/devcluster/index.js';
import { realTools } from '../helpers/tools.js';
import { at, list, waitFor } from './helpers.js';

let cluster: DevCluster;
let kubectlPath: string;
let dir: string;
let mattermost: Server;
let upPort: number;

beforeAll(async () => {
  kubectlPath = (await realTools()).kubectl;
  cluster = await startDevCluster({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'hookrunner-kubectl-'));
  await mkdir(join(dir, 'home'));
  await cluster.writeKubeconfig(join(dir, 'kubeconfig'));
  mattermost = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => mattermost.listen(0, '127.0.0.1', r));
  upPort = (mattermost.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await new Promise<void>((r) => (mattermost ? mattermost.close(() => r()) : r()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  onTestFailed(async () => {
    const out = resolve(import.meta.dirname, '..', '..', 'test-artifacts');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'devcluster-kubectl-requests.json'), JSON.stringify(cluster.requests(), null, 2));
  });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(...args: string[]): Promise<Run> {
  return new Promise((resolvePromise) => {
    execFile(
      kubectlPath,
      args,
      { env: { PATH: process.env.PATH ?? '', HOME: join(dir, 'home'), KUBECONFIG: join(dir, 'kubeconfig') }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

async function manifest(name: string, obj: Record<string, unknown>): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, stringify(obj));
  return file;
}

function healthCheck(name: string, port: number): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, annotations: { 'argocd.argoproj.io/hook': 'PreSync' } },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'health-check',
              image: 'curlimages/curl',
              command: ['/bin/sh', '-c'],
              args: [`if curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${port} | grep -q 200; then echo 'Mattermost is up and Running'; exit 0; else echo 'Mattermost is NOT accessible'; exit 1; fi`],
            },
          ],
        },
      },
    },
  };
}

describe('when kubectl runs a hook Job', () => {
  it('should create it, wait for it to complete, print its logs, show it as JSON and delete it with its Pods', async () => {
    const file = await manifest('pre-job', healthCheck('health-check-pre-job', upPort));
    const created = await kubectl('create', '-f', file);
    expect(created, created.stderr).toMatchObject({ code: 0, stdout: 'job.batch/health-check-pre-job created\n' });
    const waited = await kubectl('wait', '--for=condition=complete', 'job/health-check-pre-job', '--timeout=30s');
    expect(waited, waited.stderr).toMatchObject({ code: 0, stdout: 'job.batch/health-check-pre-job condition met\n' });
    const logs = await kubectl('logs', 'job/health-check-pre-job');
    expect(logs, logs.stderr).toMatchObject({ code: 0, stdout: 'Mattermost is up and Running\n' });
    const table = await kubectl('get', 'jobs');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\nhealth-check-pre-job\s+Complete\s+1\/1\s+\d+s\s+\d+s\n$/);
    const got = await kubectl('get', 'job', 'health-check-pre-job', '-o', 'json');
    expect(got.code, got.stderr).toBe(0);
    const json = JSON.parse(got.stdout) as unknown;
    expect(at(json, 'status.succeeded')).toBe(1);
    expect(list(json, 'status.conditions').map((c) => at(c, 'type'))).toEqual(['SuccessCriteriaMet', 'Complete']);
    const pods = cluster.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'default' }).filter((p) => p.metadata.labels?.['job-name'] === 'health-check-pre-job');
    expect(pods).toHaveLength(1);
    const deleted = await kubectl('delete', 'job', 'health-check-pre-job', '--cascade=background');
    expect(deleted, deleted.stderr).toMatchObject({ code: 0 });
    expect(deleted.stdout).toMatch(/^job\.batch "health-check-pre-job" deleted/);
    await waitFor(cluster, `/api/v1/namespaces/default/pods/${pods[0]?.metadata.name ?? ''}`, (o) => o === undefined, 'the Job\'s Pod to be collected');
    const sent = cluster.requests().find((r) => r.method === 'DELETE' && r.url.startsWith('/apis/batch/v1/namespaces/default/jobs/health-check-pre-job'));
    expect(sent?.code).toBe(200);
  });

  it('should apply server-side and wait for a failing Job to fail', async () => {
    const file = await manifest('down', healthCheck('health-check-down', 1));
    const applied = await kubectl('apply', '--server-side', '-f', file);
    expect(applied, applied.stderr).toMatchObject({ code: 0, stdout: 'job.batch/health-check-down serverside-applied\n' });
    const waited = await kubectl('wait', '--for=condition=failed', 'job/health-check-down', '--timeout=30s');
    expect(waited, waited.stderr).toMatchObject({ code: 0, stdout: 'job.batch/health-check-down condition met\n' });
    const again = await kubectl('apply', '--server-side', '-f', file);
    expect(again, again.stderr).toMatchObject({ code: 0, stdout: 'job.batch/health-check-down serverside-applied\n' });
    const managers = cluster.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'default', name: 'health-check-down' })?.metadata['managedFields'];
    expect((Array.isArray(managers) ? managers : []).map((m: unknown) => at(m, 'manager'))).toEqual(['kubectl']);
  });
});

describe('when kubectl meets errors', () => {
  it('should print the API server\'s reason and message', async () => {
    const pod = await manifest('invalid', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'quick-fail-pod' },
      spec: { containers: [{ name: 'nginx', image: 'nginx', resources: { limits: { memory: 'invalid-value' } } }] },
    });
    const invalid = await kubectl('apply', '--server-side', '-f', pod);
    expect(invalid.code).toBe(1);
    // kube-apiserver 1.34's own answer to this apply (a 500 without a reason while converting the object).
    expect(invalid.stderr).toContain('Error from server: failed to convert new object (default/quick-fail-pod; /v1, Kind=Pod) to proper version: unable to convert unstructured object to /v1, Kind=Pod: quantities must match the regular expression');
    const cm = await manifest('cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'twice' }, data: { a: '1' } });
    expect((await kubectl('create', '-f', cm)).code).toBe(0);
    const dup = await kubectl('create', '-f', cm);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('Error from server (AlreadyExists): error when creating');
    expect(dup.stderr).toContain('configmaps "twice" already exists');
    const missing = await kubectl('get', 'job', 'nope');
    expect(missing.stderr).toBe('Error from server (NotFound): jobs.batch "nope" not found\n');
  });
});
