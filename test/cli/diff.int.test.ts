/**
 * `hookrunner diff` (docs/semantics.md §9.12) through the real command line against both cluster
 * backends: objects to create, fields changed on the cluster, objects to prune, and no difference
 * from what the API server defaults. Exit codes as `kubectl diff`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterClient } from '../../src/cluster/index.js';
import type { ClusterClient } from '../../src/cluster/index.js';
import { startTestCluster, testBackends } from '../helpers/backends.js';
import type { TestCluster } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { jobYaml } from '../helpers/lab.js';

const service = `apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: 8080 }]
`;
const configMap = (name: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { k: ${value} }\n`;

describe.each(testBackends())('hookrunner diff on the %s cluster', (backend) => {
  let cluster: TestCluster;
  let dir: string;
  let source: string;
  let kubeconfig: string;
  let client: ClusterClient;
  const fresh = (): Record<string, string | undefined> => ({ PATH: process.env['PATH'], HOME: dir });
  const diff = (...extra: string[]) => runCli(['diff', source, '--app', 'diff-app', '-n', 'diff-app', '--kubeconfig', kubeconfig, ...extra], fresh());

  beforeAll(async () => {
    cluster = await startTestCluster(backend);
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-cli-diff-'));
    source = join(dir, 'app');
    kubeconfig = join(dir, 'kubeconfig');
    await cluster.writeKubeconfig(kubeconfig);
    client = createClusterClient({ kubeconfig });
    await mkdir(source);
    await writeFile(join(source, 'service.yaml'), service);
    await writeFile(join(source, 'config.yaml'), configMap('settings', 'v1'));
    await writeFile(join(source, 'drop.yaml'), configMap('dropped', 'x'));
    await writeFile(join(source, 'hook.yaml'), jobYaml('pre', 'exit 0', { 'argocd.argoproj.io/hook': 'PreSync' }));
  });
  afterAll(async () => {
    client?.close();
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('should show every object as to create before the first sync, and exit 1', async () => {
    const { code, stdout } = await diff();
    expect(code).toBe(1);
    expect(stdout).toContain('+++ desired/ConfigMap diff-app/settings');
    expect(stdout).toContain('+  k: v1');
    expect(stdout).toContain('+++ desired/Service diff-app/web');
    expect(stdout).not.toContain('Job'); // hooks are not compared
  });

  it('should find no difference right after a sync — what the API server defaults does not count — and exit 0', async () => {
    const synced = await runCli(['sync', source, '--app', 'diff-app', '-n', 'diff-app', '--create-namespace', '--kubeconfig', kubeconfig, '-o', 'json'], fresh());
    expect(synced.code, synced.stderr).toBe(0);
    const { code, stdout, stderr } = await diff();
    expect(stderr).toBe('');
    expect(stdout).toBe('');
    expect(code).toBe(0);
  });

  it('should show a field changed on the cluster and an object the source dropped, in unified and json form', async () => {
    await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'diff-app' }, data: { k: 'edited' } }, { fieldManager: 'kubectl-edit', force: true });
    await rm(join(source, 'drop.yaml'));
    const { code, stdout } = await diff();
    expect(code).toBe(1);
    expect(stdout).toContain('--- live/ConfigMap diff-app/settings');
    expect(stdout).toMatch(/^-\s+k: edited$/m);
    expect(stdout).toMatch(/^\+\s+k: v1$/m);
    expect(stdout).toContain('# ConfigMap diff-app/dropped: not in the source (a sync with --prune deletes it)');
    const json = await diff('-o', 'json');
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { differences: { object: string; action: string; differences: { path: string; desired: unknown; live: unknown }[] }[] };
    expect(doc.differences.map((d) => `${d.action} ${d.object}`)).toEqual(['change ConfigMap diff-app/settings', 'prune ConfigMap diff-app/dropped']);
    expect(doc.differences[0]?.differences).toEqual([{ path: '/data/k', desired: 'v1', live: 'edited' }]);
  });

  it('should refuse invalid manifests (exit 2) and a kind the cluster does not serve (exit 2)', async () => {
    const bad = join(dir, 'bad');
    await mkdir(bad);
    await writeFile(join(bad, 'x.yaml'), 'kind: ConfigMap\n');
    const invalid = await runCli(['diff', bad, '--app', 'diff-app', '-n', 'diff-app', '--kubeconfig', kubeconfig], fresh());
    expect(invalid.code).toBe(2);
    await writeFile(join(bad, 'x.yaml'), 'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n');
    const unknown = await runCli(['diff', bad, '--app', 'diff-app', '-n', 'diff-app', '--kubeconfig', kubeconfig], fresh());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Widget w: the server could not find the requested resource');
  });
});
