import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ClusterUnreachableError,
  createClusterClient,
  isAlreadyExists,
  KubeApiError,
} from '../../src/cluster/index.js';
import type { ClusterClientOptions, KubeClusterClient } from '../../src/cluster/index.js';
import type { KubeObject } from '../../src/manifests/index.js';
import type { Logger } from '../../src/util/index.js';
import { kubeconfigYaml, sendJson, startScriptedServer, status } from './scripted-server.js';
import type { ScriptedServer, ScriptedHandler } from './scripted-server.js';

/**
 * Transport behaviour that needs exact answers (PERF-RELIABILITY §7 item 7): which codes are
 * retried, Retry-After, a response lost after the server acted, the request shapes client-node
 * gets wrong by default (APIS.md §E), and that a token never leaks into errors or logs.
 */
const TOKEN = 'sekret-token-0123456789';

interface LogEntry {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

let dir: string;
let server: ScriptedServer | undefined;
let client: KubeClusterClient | undefined;
let logs: LogEntry[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hookrunner-transport-'));
  logs = [];
});
afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const logger: Logger = {
  debug: (message, fields = {}) => logs.push({ level: 'debug', message, fields }),
  info: (message, fields = {}) => logs.push({ level: 'info', message, fields }),
  warn: (message, fields = {}) => logs.push({ level: 'warn', message, fields }),
  error: (message, fields = {}) => logs.push({ level: 'error', message, fields }),
};

async function connect(handler: ScriptedHandler, options: Pick<ClusterClientOptions, 'requestTimeoutMs' | 'maxResponseBytes' | 'userAgent'> = {}): Promise<KubeClusterClient> {
  server = await startScriptedServer(handler);
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, kubeconfigYaml(server.url, { token: TOKEN, namespace: 'app' }));
  client = createClusterClient({ kubeconfig: file, logger, retry: { attempts: 4, initialMs: 1, maxMs: 5 }, ...options });
  return client;
}

const job = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'app', labels },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } },
});
const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: '1' } };

describe('when the server answers with retryable failures', () => {
  it('should retry 500 and 503 with backoff, then succeed', async () => {
    let calls = 0;
    const c = await connect((_req, res) => {
      calls++;
      if (calls === 1) sendJson(res, 500, status(500, 'InternalError', 'etcd hiccup'));
      else if (calls === 2) sendJson(res, 503, status(503, 'ServiceUnavailable', 'try later'));
      else sendJson(res, 200, { ...configMap, metadata: { name: 'cm', namespace: 'app', resourceVersion: '7' } });
    });
    const got = await c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' });
    expect(got?.metadata.resourceVersion).toBe('7');
    expect(calls).toBe(3);
    expect(logs.filter((l) => l.message === 'kubernetes request retry').map((l) => l.fields['error'])).toEqual([
      'InternalError (500)',
      'ServiceUnavailable (503)',
    ]);
  });

  it('should wait the Retry-After seconds of a 429', async () => {
    let calls = 0;
    const c = await connect((_req, res) => {
      calls++;
      if (calls === 1) sendJson(res, 429, status(429, 'TooManyRequests', 'too many requests, please try again later'), { 'Retry-After': '1' });
      else sendJson(res, 200, { ...configMap, metadata: { name: 'cm', namespace: 'app' } });
    });
    await c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' });
    const retry = logs.find((l) => l.message === 'kubernetes request retry');
    expect(retry?.fields['delayMs']).toBe(1000);
    expect(calls).toBe(2);
  });

  it('should give up after the bounded attempts with the last KubeApiError', async () => {
    const c = await connect((_req, res) => sendJson(res, 503, status(503, 'ServiceUnavailable', 'down')));
    const err = await c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).code).toBe(503);
    expect(server?.requests).toHaveLength(4);
  });

  it('should treat a request that gets no answer in time as unreachable after the retries', async () => {
    const c = await connect(() => undefined, { requestTimeoutMs: 50 });
    const err = await c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterUnreachableError);
    expect((err as Error).message).toContain('no answer within 50ms');
    expect(server?.requests).toHaveLength(4);
  });
});

describe('when an answer is cut or slow (the whole exchange is bounded, body included)', () => {
  it('should retry an answer whose connection closes in the middle of the body, then succeed', async () => {
    let calls = 0;
    const c = await connect((_req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
        res.write('{"kind":"ConfigMap","apiVersion":"v1","metadata":{"na');
        setTimeout(() => res.socket?.destroy(), 10);
        return;
      }
      sendJson(res, 200, { ...configMap, metadata: { name: 'cm', namespace: 'app' } });
    });
    const got = await c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' });
    expect(got?.metadata.name).toBe('cm');
    expect(server?.requests).toHaveLength(2);
  });

  it('should time out a body that stops coming, as no answer', async () => {
    const c = await connect((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      res.write('{"kind":');
    }, { requestTimeoutMs: 80 });
    const err = await c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterUnreachableError);
    expect((err as Error).message).toContain('no answer within 80ms');
    expect(server?.requests).toHaveLength(4);
  });
});

describe('when an answer is compressed or large (every answer is bounded)', () => {
  const cm = { ...configMap, metadata: { name: 'cm', namespace: 'app' } };

  it('should offer gzip, name itself, and read a gzipped answer', async () => {
    const c = await connect((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify(cm)));
    });
    const got = await c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' });
    expect(got?.data).toEqual({ a: '1' });
    expect(server?.requests[0]?.headers['accept-encoding']).toBe('gzip');
    expect(server?.requests[0]?.headers['user-agent']).toBe('hookrunner');
  });

  it('should take an empty body marked gzip as empty, and fail a corrupt gzip body without retrying forever', async () => {
    let calls = 0;
    const c = await connect((req, res) => {
      calls++;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      res.end(req.method === 'DELETE' ? undefined : Buffer.from('not gzip at all'));
    });
    await expect(c.delete({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' })).resolves.not.toThrow();
    const err = await c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterUnreachableError);
    expect((err as Error).message).toMatch(/incorrect header check|Z_DATA_ERROR/);
    expect(calls).toBe(2);
  });

  it('should fail an answer over maxResponseBytes with ResponseTooLarge, without retrying', async () => {
    const big = { ...cm, data: { a: 'x'.repeat(5_000) } };
    const c = await connect((_req, res) => sendJson(res, 200, big), { maxResponseBytes: 4_096, userAgent: 'hookrunner/test' });
    const err = await c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).reason).toBe('ResponseTooLarge');
    expect((err as Error).message).toMatch(/over 4096 bytes .*maxResponseBytes/);
    expect(server?.requests).toHaveLength(1);
    expect(server?.requests[0]?.headers['user-agent']).toBe('hookrunner/test');
  });

  it('should count a gzipped answer after decompression (a small bomb is still too large)', async () => {
    const bomb = gzipSync(JSON.stringify({ ...cm, data: { a: '0'.repeat(1_000_000) } }));
    expect(bomb.length).toBeLessThan(4_096);
    const c = await connect((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      res.end(bomb);
    }, { maxResponseBytes: 65_536 });
    const err = await c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' }).catch((e: unknown) => e);
    expect((err as KubeApiError).reason).toBe('ResponseTooLarge');
  });

  it('should refuse a userAgent that is not printable ASCII', () => {
    expect(() => createClusterClient({ server: 'http://127.0.0.1:1', userAgent: 'bad\nheader' })).toThrow(/userAgent/);
    expect(() => createClusterClient({ server: 'http://127.0.0.1:1', maxResponseBytes: 0 })).toThrow(/maxResponseBytes/);
  });
});

describe('when the server refuses with a 4xx other than 429', () => {
  it('should not retry a 403, and keep the token out of the error and the logs', async () => {
    const c = await connect((_req, res) => sendJson(res, 403, status(403, 'Forbidden', 'configmaps "cm" is forbidden: User "system:anonymous" cannot get')));
    const err = await c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).reason).toBe('Forbidden');
    expect(server?.requests).toHaveLength(1);
    expect(server?.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain(TOKEN);
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
  });

  it('should say what it was doing and keep the message short, whatever the body', async () => {
    const c = await connect((_req, res) => sendJson(res, 400, status(400, 'BadRequest', 'x'.repeat(5000))));
    const err = (await c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' }).catch((e: unknown) => e)) as KubeApiError;
    expect(err.message.startsWith('get configmaps app/cm: BadRequest (400): xxx')).toBe(true);
    expect(err.message.length).toBeLessThanOrEqual(400);
    expect(err.status.message).toHaveLength(5000);
  });

  it('should turn a non-Status body into a Status with the code\'s reason', async () => {
    const c = await connect((_req, res) => {
      res.writeHead(401, { 'Content-Type': 'text/plain' });
      res.end('Unauthorized');
    });
    const err = (await c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' }).catch((e: unknown) => e)) as KubeApiError;
    expect(err.status).toEqual({ code: 401, reason: 'Unauthorized', message: 'Unauthorized' });
  });
});

describe('when a create loses its response after the server created the object', () => {
  it('should retry, meet AlreadyExists and adopt the existing object with adoptOnConflict', async () => {
    const stored = { ...job('pre-job', { app: 'demo' }), metadata: { name: 'pre-job', namespace: 'app', labels: { app: 'demo' }, uid: 'u-1', resourceVersion: '5' } };
    let posts = 0;
    const c = await connect((req, res) => {
      if (req.method === 'POST') {
        posts++;
        if (posts === 1) {
          res.socket?.destroy(); // created, but the answer is lost
          return;
        }
        sendJson(res, 409, status(409, 'AlreadyExists', 'jobs.batch "pre-job" already exists', { name: 'pre-job', group: 'batch', kind: 'jobs' }));
        return;
      }
      sendJson(res, 200, stored);
    });
    const created = await c.create(job('pre-job', { app: 'demo' }), { adoptOnConflict: true });
    expect(created.metadata.uid).toBe('u-1');
    expect(posts).toBe(2);
  });

  it('should fail with AlreadyExists without adoptOnConflict', async () => {
    const c = await connect((_req, res) => sendJson(res, 409, status(409, 'AlreadyExists', 'jobs.batch "pre-job" already exists')));
    const err = await c.create(job('pre-job')).catch((e: unknown) => e);
    expect(isAlreadyExists(err)).toBe(true);
  });

  it('should refuse to adopt an object whose labels differ from the requested ones', async () => {
    const c = await connect((req, res) => {
      if (req.method === 'POST') sendJson(res, 409, status(409, 'AlreadyExists', 'jobs.batch "pre-job" already exists'));
      else sendJson(res, 200, { ...job('pre-job', { app: 'other' }), metadata: { name: 'pre-job', namespace: 'app', labels: { app: 'other' } } });
    });
    const err = await c.create(job('pre-job', { app: 'demo' }), { adoptOnConflict: true }).catch((e: unknown) => e);
    expect(isAlreadyExists(err)).toBe(true);
  });
});

describe('when building requests (APIS.md §E traps)', () => {
  it('should send server-side apply as application/apply-patch+yaml with fieldManager and force', async () => {
    const c = await connect((req, res) => sendJson(res, 200, JSON.parse(req.body) as unknown));
    const input = structuredClone(configMap);
    await c.apply(input);
    const req = server?.requests[0];
    expect(req?.method).toBe('PATCH');
    expect(req?.url).toBe('/api/v1/namespaces/app/configmaps/cm?fieldManager=hookrunner&force=true');
    expect(req?.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(JSON.parse(req?.body ?? '{}')).toMatchObject({ metadata: { name: 'cm', namespace: 'app' } });
    expect(input).toEqual(configMap); // the caller's object is not touched
  });

  it('should send merge patches as application/merge-patch+json, to the status subresource when asked', async () => {
    const c = await connect((req, res) => sendJson(res, 200, job('j')));
    await c.mergePatch({ apiVersion: 'batch/v1', kind: 'Job', name: 'j' }, { status: { active: 1 } }, { subresource: 'status' });
    expect(server?.requests[0]?.url).toBe('/apis/batch/v1/namespaces/app/jobs/j/status');
    expect(server?.requests[0]?.headers['content-type']).toBe('application/merge-patch+json');
  });

  it('should delete with propagationPolicy Background by default and a uid precondition when given', async () => {
    const c = await connect((_req, res) => sendJson(res, 200, { kind: 'Status', status: 'Success' }));
    expect(await c.delete({ apiVersion: 'batch/v1', kind: 'Job', name: 'j' }, { uid: 'u-9' })).toBe('deleted');
    expect(JSON.parse(server?.requests[0]?.body ?? '{}')).toEqual({
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Background',
      preconditions: { uid: 'u-9' },
    });
  });
});
