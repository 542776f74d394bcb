/**
 * What a new user does with kubectl 1.34, against both backends: version, the generator commands
 * (protobuf bodies), a Job that prints `hi` (wait + logs), Events, and a Deployment that becomes
 * available — on the real control plane with real ReplicaSets and Pods.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, testBackends } from '../helpers/backends.js';
import type { TestCluster } from '../helpers/backends.js';
import { createKubectl } from '../helpers/kubectl.js';
import type { Kubectl } from '../helpers/kubectl.js';

describe.each(testBackends())('kubectl 1.34 on the %s cluster', (backend) => {
  let cluster: TestCluster;
  let dir: string;
  let kubectl: Kubectl;
  beforeAll(async () => {
    cluster = await startTestCluster(backend);
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-kubectl-'));
    await mkdir(join(dir, 'home'));
    await cluster.writeKubeconfig(join(dir, 'kubeconfig'));
    kubectl = await createKubectl(join(dir, 'kubeconfig'), join(dir, 'home'));
  });
  afterAll(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ok = (...args: string[]): Promise<string> => kubectl.ok(args);

  it('reports the server version (1.34 for the real control plane)', async () => {
    const v = JSON.parse(await ok('version', '-o', 'json')) as { serverVersion?: { gitVersion?: string } };
    if (backend === 'real') expect(v.serverVersion?.gitVersion).toBe('v1.34.4');
    else expect(v.serverVersion?.gitVersion).toMatch(/^v1\.\d+/);
  });

  it('creates a namespace and a secret, runs a Job that prints hi, and lists the Events', async () => {
    await ok('create', 'namespace', 'must-show');
    await ok('-n', 'must-show', 'create', 'secret', 'generic', 's', '--from-literal=a=b');
    expect(Buffer.from((JSON.parse(await ok('-n', 'must-show', 'get', 'secret', 's', '-o', 'json')) as { data: { a: string } }).data.a, 'base64').toString()).toBe('b');
    await ok('-n', 'must-show', 'create', 'job', 'hi', '--image=busybox', '--', 'sh', '-c', 'echo hi');
    expect(await ok('-n', 'must-show', 'wait', '--for=condition=complete', 'job/hi', '--timeout=60s')).toContain('condition met');
    expect(await ok('-n', 'must-show', 'logs', 'job/hi')).toBe('hi\n');
    const events = JSON.parse(await ok('-n', 'must-show', 'get', 'events', '-o', 'json')) as { items: { reason: string; involvedObject: { kind: string } }[] };
    const reasons = events.items.map((e) => `${e.involvedObject.kind}/${e.reason}`);
    expect(reasons).toEqual(expect.arrayContaining(['Job/SuccessfulCreate', 'Pod/Started', 'Job/Completed']));
  });

  it('makes a Deployment available', async () => {
    await ok('-n', 'must-show', 'create', 'deployment', 'web', '--image=nginx', '--replicas=2');
    expect(await ok('-n', 'must-show', 'rollout', 'status', 'deployment/web', '--timeout=60s')).toContain('successfully rolled out');
    if (backend === 'real') {
      // Real controllers: a ReplicaSet owns two running Pods bound to the node agent's Node.
      const rs = JSON.parse(await ok('-n', 'must-show', 'get', 'rs', '-l', 'app=web', '-o', 'json')) as { items: { status: { readyReplicas?: number } }[] };
      expect(rs.items.map((r) => r.status.readyReplicas)).toEqual([2]);
      const pods = JSON.parse(await ok('-n', 'must-show', 'get', 'pods', '-l', 'app=web', '-o', 'json')) as { items: { spec: { nodeName?: string }; status: { phase?: string } }[] };
      expect(pods.items.map((p) => `${p.spec.nodeName}/${p.status.phase}`)).toEqual(['hookrunner-node/Running', 'hookrunner-node/Running']);
    }
  });
});
