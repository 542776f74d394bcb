import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClusterConfigError, ClusterUnreachableError, createClusterClient } from '../../src/cluster/index.js';
import { loadClusterConfig } from '../../src/cluster/config.js';
import { kubeconfigYaml } from './scripted-server.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hookrunner-cluster-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

/** A port nobody listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('when no configuration exists anywhere', () => {
  it('should throw ClusterConfigError saying where it looked, never falling back to localhost:8080', () => {
    const err = catchError(() => createClusterClient({ env: { HOME: dir } }));
    expect(err).toBeInstanceOf(ClusterConfigError);
    const e = err as ClusterConfigError;
    expect(e.message).toContain('no Kubernetes configuration found');
    expect(e.message).toContain('$KUBECONFIG (not set)');
    expect(e.message).toContain(join(dir, '.kube', 'config'));
    expect(e.message).toContain('in-cluster service account (KUBERNETES_SERVICE_HOST is not set)');
    expect(e.lookedAt).toHaveLength(3);
    expect(e.message).not.toContain('localhost:8080');
  });

  it('should say that the files named by $KUBECONFIG do not exist', () => {
    const missing = join(dir, 'nope.yaml');
    const err = catchError(() => createClusterClient({ env: { HOME: dir, KUBECONFIG: missing } })) as ClusterConfigError;
    expect(err).toBeInstanceOf(ClusterConfigError);
    expect(err.message).toContain(`$KUBECONFIG (${missing}: no such file)`);
  });

  it('should name the kubeconfig option when its file does not exist', () => {
    const err = catchError(() => createClusterClient({ kubeconfig: join(dir, 'missing') })) as ClusterConfigError;
    expect(err).toBeInstanceOf(ClusterConfigError);
    expect(err.field).toBe('kubeconfig');
  });

  it('should refuse inCluster outside a pod, saying what is missing', () => {
    const err = catchError(() => createClusterClient({ inCluster: true, env: {} })) as ClusterConfigError;
    expect(err.field).toBe('inCluster');
    expect(err.message).toContain('KUBERNETES_SERVICE_HOST is not set');
  });
});

describe('when a configuration is found', () => {
  it('should use ~/.kube/config with its context namespace', () => {
    mkdirSync(join(dir, '.kube'));
    writeFileSync(join(dir, '.kube', 'config'), kubeconfigYaml('http://127.0.0.1:1', { namespace: 'team-a' }));
    const client = createClusterClient({ env: { HOME: dir } });
    expect(client.server).toBe('http://127.0.0.1:1');
    expect(client.namespace).toBe('team-a');
    expect(client.configSource).toBe(`kubeconfig ${join(dir, '.kube', 'config')}`);
    client.close();
  });

  it('should merge the files of $KUBECONFIG and switch to the context option', () => {
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    writeFileSync(a, kubeconfigYaml('http://127.0.0.1:1', { context: 'first' }));
    writeFileSync(b, kubeconfigYaml('http://127.0.0.1:2', { context: 'second' }));
    const first = createClusterClient({ env: { KUBECONFIG: `${a}:${b}` } });
    expect(first.server).toBe('http://127.0.0.1:1');
    expect(first.namespace).toBe('default');
    first.close();
    const second = createClusterClient({ env: { KUBECONFIG: `${a}:${b}` }, context: 'second' });
    expect(second.server).toBe('http://127.0.0.1:2');
    second.close();
  });

  it('should name the known contexts when the context option is unknown', () => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, kubeconfigYaml('http://127.0.0.1:1', { context: 'dev' }));
    const err = catchError(() => createClusterClient({ kubeconfig: file, context: 'prod' })) as ClusterConfigError;
    expect(err.field).toBe('context');
    expect(err.message).toContain('contexts: dev');
  });

  it('should take an explicit server and token without reading any file', () => {
    const client = createClusterClient({ server: 'https://10.0.0.1:6443/', token: 't', namespace: 'ops', env: {} });
    expect(client.server).toBe('https://10.0.0.1:6443');
    expect(client.namespace).toBe('ops');
    client.close();
  });

  it('should fall back to the in-cluster service account, reading its namespace', () => {
    const sa = join(dir, 'sa');
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), 'token-from-file');
    writeFileSync(join(sa, 'namespace'), 'hooks\n');
    const loaded = loadClusterConfig({ env: { HOME: dir, KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' } }, sa);
    expect(loaded.server).toBe('https://10.96.0.1:443');
    expect(loaded.namespace).toBe('hooks');
    expect(loaded.source).toBe('in-cluster service account');
  });
});

describe('when an option is invalid', () => {
  it.each([
    [{ qps: 0 }, 'qps'],
    [{ burst: 1.5 }, 'burst'],
    [{ requestTimeoutMs: -1 }, 'requestTimeoutMs'],
    [{ retry: { attempts: 0 } }, 'retry.attempts'],
    [{ retry: { jitter: 2 } }, 'retry.jitter'],
    [{ fieldManager: '' }, 'fieldManager'],
    [{ server: 'ftp://example.com' }, 'server'],
    [{ server: 'not a url' }, 'server'],
  ])('should reject %o naming the field %s', (options, field) => {
    const err = catchError(() => createClusterClient({ ...options, env: { HOME: dir } })) as ClusterConfigError;
    expect(err).toBeInstanceOf(ClusterConfigError);
    expect(err.field).toBe(field);
    expect(err.message).toContain(field);
  });
});

describe('when the kubeconfig points at a closed port', () => {
  it('should throw ClusterUnreachableError naming the server after the bounded retries', async () => {
    const port = await closedPort();
    const file = join(dir, 'closed.yaml');
    writeFileSync(file, kubeconfigYaml(`http://127.0.0.1:${port}`));
    const client = createClusterClient({ kubeconfig: file, retry: { attempts: 3, initialMs: 5, maxMs: 20 } });
    try {
      const err = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterUnreachableError);
      const e = err as ClusterUnreachableError;
      expect(e.server).toBe(`http://127.0.0.1:${port}`);
      expect(e.attempts).toBe(3);
      expect(e.message).toContain(`http://127.0.0.1:${port}`);
      expect(e.message).toContain('ECONNREFUSED');
    } finally {
      client.close();
    }
  });
});
