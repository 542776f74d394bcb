/**
 * The real kubectl 1.34's generator commands (`kubectl create namespace|secret|configmap|deployment|
 * job|serviceaccount|role|…`) against the dev cluster. They send their objects as Kubernetes protobuf
 * (`application/vnd.kubernetes.protobuf`), which the dev cluster decodes with tables generated from
 * Kubernetes' generated.proto files. On failure the request log goes to test-artifacts/.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { startDevCluster } from '../../src/devcluster/index.js';
import type { DevCluster } from '../../src/devcluster/index.js';
import { PROTOBUF_MEDIA_TYPE } from '../../src/devcluster/protobuf/index.js';
import { createKubectl } from '../helpers/kubectl.js';
import type { KubectlRun } from '../helpers/kubectl.js';
import { at, list } from './helpers.js';

let cluster: DevCluster;
let dir: string;
const NS = 'generators';

beforeAll(async () => {
  cluster = await startDevCluster({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'hookrunner-kubectl-create-'));
  await mkdir(join(dir, 'home'));
  await cluster.writeKubeconfig(join(dir, 'kubeconfig'));
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  onTestFailed(async () => {
    const out = resolve(import.meta.dirname, '..', '..', 'test-artifacts');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'devcluster-kubectl-create-requests.json'), JSON.stringify(cluster.requests(), null, 2));
  });
});

/** kubectl 1.34 with the dev cluster's kubeconfig (a non-zero exit is data). */
function kubectl(...args: string[]): Promise<KubectlRun> {
  return createKubectl(join(dir, 'kubeconfig'), join(dir, 'home')).then((k) => k.run(args));
}

async function getJson(...args: string[]): Promise<unknown> {
  const r = await kubectl('get', ...args, '-o', 'json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as unknown;
}

describe('when kubectl creates objects with its generators', () => {
  it('should create a namespace, secret, configmap, deployment, job and service account sent as protobuf', async () => {
    const creates: [string[], string][] = [
      [['create', 'namespace', NS], `namespace/${NS} created`],
      [['create', 'secret', 'generic', 's', '--from-literal=a=b', '--from-literal=token=s3cr3t ✓', '-n', NS], 'secret/s created'],
      [['create', 'configmap', 'c', '--from-literal=k=v', '--from-literal=empty=', '-n', NS], 'configmap/c created'],
      [['create', 'deployment', 'd', '--image=busybox', '-n', NS], 'deployment.apps/d created'],
      [['create', 'job', 'j', '--image=busybox', '-n', NS, '--', 'sh', '-c', 'echo hi'], 'job.batch/j created'],
      [['create', 'serviceaccount', 'sa', '-n', NS], 'serviceaccount/sa created'],
    ];
    for (const [args, out] of creates) {
      const r = await kubectl(...args);
      expect(r, `kubectl ${args.join(' ')}: ${r.stderr}`).toMatchObject({ code: 0, stdout: `${out}\n` });
    }
    const posts = cluster.requests().filter((r) => r.method === 'POST' && r.code === 201);
    expect(posts.length).toBeGreaterThanOrEqual(creates.length);
    expect(posts.every((r) => r.contentType === PROTOBUF_MEDIA_TYPE), JSON.stringify(posts)).toBe(true);

    const secret = await getJson('secret', 's', '-n', NS);
    expect(at(secret, 'type')).toBe('Opaque');
    expect(Buffer.from(String(at(secret, 'data.a')), 'base64').toString('utf8')).toBe('b');
    expect(Buffer.from(String(at(secret, 'data.token')), 'base64').toString('utf8')).toBe('s3cr3t ✓');
    expect(at(await getJson('configmap', 'c', '-n', NS), 'data')).toEqual({ k: 'v', empty: '' });
    const deployment = await getJson('deployment', 'd', '-n', NS);
    expect(at(deployment, 'spec.replicas')).toBe(1);
    expect(at(deployment, 'metadata.labels')).toEqual({ app: 'd' });
    expect(at(deployment, 'spec.selector.matchLabels')).toEqual({ app: 'd' });
    expect(list(deployment, 'spec.template.spec.containers').map((c) => at(c, 'image'))).toEqual(['busybox']);
    const job = await getJson('job', 'j', '-n', NS);
    expect(at(list(job, 'spec.template.spec.containers')[0], 'command')).toEqual(['sh', '-c', 'echo hi']);
    expect(at(job, 'spec.template.spec.restartPolicy')).toBe('Never');
    expect(at(await getJson('serviceaccount', 'sa', '-n', NS), 'metadata.name')).toBe('sa');

    const waited = await kubectl('wait', '--for=condition=complete', 'job/j', '-n', NS, '--timeout=30s');
    expect(waited, waited.stderr).toMatchObject({ code: 0, stdout: 'job.batch/j condition met\n' });
    const logs = await kubectl('logs', 'job/j', '-n', NS);
    expect(logs, logs.stderr).toMatchObject({ code: 0, stdout: 'hi\n' });
  });

  it('should create RBAC objects, services, cron jobs and quotas from their generators', async () => {
    await kubectl('create', 'namespace', NS);
    const creates: [string[], string][] = [
      [['create', 'role', 'r', '--verb=get,list', '--resource=pods', '--resource=deployments.apps', '-n', NS], 'role.rbac.authorization.k8s.io/r created'],
      [['create', 'rolebinding', 'rb', '--role=r', `--serviceaccount=${NS}:sa`, '-n', NS], 'rolebinding.rbac.authorization.k8s.io/rb created'],
      [['create', 'clusterrole', 'cr', '--verb=get', '--resource=nodes'], 'clusterrole.rbac.authorization.k8s.io/cr created'],
      [['create', 'service', 'clusterip', 'svc', '--tcp=80:8080', '-n', NS], 'service/svc created'],
      [['create', 'cronjob', 'cj', '--image=busybox', '--schedule=*/5 * * * *', '-n', NS, '--', 'date'], 'cronjob.batch/cj created'],
      [['create', 'quota', 'q', '--hard=cpu=1,memory=1Gi,pods=2', '-n', NS], 'resourcequota/q created'],
    ];
    for (const [args, out] of creates) {
      const r = await kubectl(...args);
      expect(r, `kubectl ${args.join(' ')}: ${r.stderr}`).toMatchObject({ code: 0, stdout: `${out}\n` });
    }
    const role = await getJson('role', 'r', '-n', NS);
    expect(list(role, 'rules').map((r) => [at(r, 'apiGroups'), at(r, 'resources'), at(r, 'verbs')])).toEqual([
      [[''], ['pods'], ['get', 'list']],
      [['apps'], ['deployments'], ['get', 'list']],
    ]);
    expect(list(await getJson('rolebinding', 'rb', '-n', NS), 'subjects')).toEqual([{ kind: 'ServiceAccount', name: 'sa', namespace: NS }]);
    const svc = await getJson('service', 'svc', '-n', NS);
    expect(list(svc, 'spec.ports').map((p) => [at(p, 'port'), at(p, 'targetPort')])).toEqual([[80, 8080]]);
    expect(at(await getJson('cronjob', 'cj', '-n', NS), 'spec.schedule')).toBe('*/5 * * * *');
    expect(at(await getJson('quota', 'q', '-n', NS), 'spec.hard')).toEqual({ cpu: '1', memory: '1Gi', pods: '2' });
  });
});
