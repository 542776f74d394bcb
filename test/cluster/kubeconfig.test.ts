import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Kubeconfig } from '../../src/cluster/kubeconfig.js';

/**
 * src/cluster/kubeconfig.ts reads and applies a kubeconfig without client-node's generated API:
 * differential tests against client-node's own `KubeConfig` (TLS material, headers, contexts) on
 * the shapes users bring, plus what it refuses.
 */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hookrunner-kubeconfig-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** What both implementations put into request options, comparable. */
async function applied(kc: { applyToHTTPSOptions(opts: RequestOptions): Promise<void> }): Promise<Record<string, unknown>> {
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const text = (v: unknown): string | undefined => (Buffer.isBuffer(v) ? v.toString('utf8') : undefined);
  return { ca: text(opts.ca), cert: text(opts.cert), key: text(opts.key), servername: opts.servername, rejectUnauthorized: opts.rejectUnauthorized, headers: opts.headers };
}

async function both(file: string, context?: string): Promise<[Record<string, unknown>, Record<string, unknown>, Kubeconfig]> {
  const ours = new Kubeconfig();
  ours.loadFromFile(file);
  const theirs = new KubeConfig();
  theirs.loadFromFile(file);
  if (context) {
    ours.setCurrentContext(context);
    theirs.setCurrentContext(context);
  }
  return [await applied(ours), await applied(theirs), ours];
}

describe('Kubeconfig, as client-node reads and applies it', () => {
  it('should read relative certificate files from the kubeconfig\'s folder, inline data, server name and impersonation alike', async () => {
    mkdirSync(join(dir, 'pki'));
    writeFileSync(join(dir, 'pki', 'ca.crt'), 'CA FILE');
    writeFileSync(join(dir, 'pki', 'me.crt'), 'CERT FILE');
    writeFileSync(join(dir, 'pki', 'me.key'), 'KEY FILE');
    const file = join(dir, 'config');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
clusters:
- name: files
  cluster: { server: "https://10.0.0.1:6443", certificate-authority: pki/ca.crt, tls-server-name: api.internal }
- name: inline
  cluster: { server: "https://10.0.0.2:6443", certificate-authority-data: ${b64('CA DATA')}, insecure-skip-tls-verify: true }
users:
- name: certs
  user: { client-certificate: pki/me.crt, client-key: pki/me.key, as: auditor }
- name: token
  user: { token: t0k3n, client-certificate-data: ${b64('CERT DATA')}, client-key-data: ${b64('KEY DATA')} }
contexts:
- { name: a, context: { cluster: files, user: certs, namespace: team } }
- { name: b, context: { cluster: inline, user: token } }
current-context: a
`,
    );
    const [ours, theirs, kc] = await both(file);
    expect(ours).toEqual(theirs);
    expect(ours).toMatchObject({ ca: 'CA FILE', cert: 'CERT FILE', key: 'KEY FILE', servername: 'api.internal', headers: { 'Impersonate-User': 'auditor' } });
    expect(kc.getContextObject('a')?.namespace).toBe('team');
    expect(kc.getCurrentCluster()?.server).toBe('https://10.0.0.1:6443');
    const [oursB, theirsB] = await both(file, 'b');
    expect(oursB).toEqual(theirsB);
    expect(oursB).toMatchObject({ ca: 'CA DATA', cert: 'CERT DATA', key: 'KEY DATA', rejectUnauthorized: false, headers: { Authorization: 'Bearer t0k3n' } });
  });

  it('should run an exec credential plugin and send its token, as client-node does', async () => {
    const plugin = join(dir, 'plugin.mjs');
    writeFileSync(plugin, `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-' + process.env.WHO } }));`);
    const file = join(dir, 'config');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://10.0.0.1:6443" } }]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ${JSON.stringify(process.execPath)}
      args: [${JSON.stringify(plugin)}]
      env: [{ name: WHO, value: plugin }]
      interactiveMode: Never
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`,
    );
    const [ours, theirs] = await both(file);
    expect(ours).toEqual(theirs);
    expect(ours['headers']).toEqual({ Authorization: 'Bearer from-plugin' });
  });

  it('should read a token file auth provider on every request (a rotated service-account token)', async () => {
    const token = join(dir, 'token');
    writeFileSync(token, 'first');
    const kc = new Kubeconfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://10.0.0.1:443', skipTLSVerify: false }],
      users: [{ name: 'u', authProvider: { name: 'tokenFile', config: { tokenFile: token } } }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    expect((await applied(kc))['headers']).toEqual({ Authorization: 'Bearer first' });
  });

  it('should merge files as $KUBECONFIG does and refuse a name twice, as client-node does', () => {
    const one = join(dir, 'one');
    const two = join(dir, 'two');
    writeFileSync(one, 'clusters: [{ name: c, cluster: { server: "https://a" } }]\nusers: [{ name: u, user: {} }]\ncontexts: [{ name: x, context: { cluster: c, user: u } }]\ncurrent-context: x\n');
    writeFileSync(two, 'clusters: [{ name: c2, cluster: { server: "https://b" } }]\nusers: []\ncontexts: [{ name: y, context: { cluster: c2, user: u } }]\ncurrent-context: y\n');
    const kc = new Kubeconfig();
    kc.loadFromFile(one);
    const next = new Kubeconfig();
    next.loadFromFile(two);
    kc.mergeConfig(next, true);
    expect(kc.getCurrentContext()).toBe('x');
    expect(kc.getContexts().map((c) => c.name)).toEqual(['x', 'y']);
    const again = new Kubeconfig();
    again.loadFromFile(one);
    expect(() => kc.mergeConfig(again, true)).toThrow(/Duplicate cluster: c/);
  });

  it('should refuse an entry without its required fields, naming it', () => {
    const kc = new Kubeconfig();
    expect(() => kc.loadFromString('clusters: [{ name: c, cluster: {} }]\n')).toThrow(/clusters\[0\].cluster.server is missing/);
    expect(() => kc.loadFromString('clusters: [ {')).toThrow();
  });
});
