/**
 * `hookrunner sync` through the real command line (in-process `main`), against both cluster backends
 * and the real Redis: exit codes 0/1/2/3, the JSON document, and bad input that applies nothing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterClient } from '../../src/cluster/index.js';
import { startTestCluster, testBackends } from '../helpers/backends.js';
import type { TestCluster } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { writeLab } from '../helpers/lab.js';
import { REDIS_URL, cleanPrefix } from '../helpers/redis.js';

describe.each(testBackends())('hookrunner sync on the %s cluster', (backend) => {
  let cluster: TestCluster;
  let dir: string;
  let kubeconfig: string;
  const env = (): Record<string, string | undefined> => ({ REDIS_URL, PATH: process.env['PATH'], HOME: dir });
  const writes = async (namespace: string): Promise<number> => (await cluster.audit()).filter((e) => e.source === 'api' && e.namespace === namespace).length;

  beforeAll(async () => {
    cluster = await startTestCluster(backend);
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-cli-sync-'));
    kubeconfig = join(dir, 'kubeconfig');
    await cluster.writeKubeconfig(kubeconfig);
  });
  afterAll(async () => {
    await cluster?.stop();
    await cleanPrefix('hookrunner');
    await rm(dir, { recursive: true, force: true });
  });

  it('should run the lab to Succeeded, exit 0, and print the JSON document', async () => {
    const lab = await writeLab();
    try {
      const { code, stdout, stderr } = await runCli(['sync', lab.dir, '--app', 'cli-lab', '-n', 'cli-lab', '--create-namespace', '--kubeconfig', kubeconfig, '--revision', '0123456789abcdef', '-o', 'json'], env());
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const doc = JSON.parse(stdout) as { operation: Record<string, unknown>; resources: Record<string, unknown>[] };
      expect(Object.keys(doc.operation).sort()).toEqual(['app', 'finishedAt', 'id', 'message', 'phase', 'revision', 'startedAt']);
      expect(doc.operation['phase']).toBe('Succeeded');
      expect(doc.operation['revision']).toBe('0123456789abcdef');
      expect(doc.resources.map((r) => `${r['syncPhase']}/${r['kind']}/${r['name']}`)).toEqual([
        'PreSync/Namespace/cli-lab',
        'PreSync/Job/health-check-pre-job',
        'Sync/Service/nginx',
        'Sync/ServiceAccount/nginx',
        'Sync/Deployment/nginx',
        'PostSync/Job/mattermost-post-job-success',
      ]);
      expect(Object.keys(doc.resources[1] ?? {}).sort()).toEqual(['group', 'hookPhase', 'hookType', 'kind', 'message', 'name', 'namespace', 'status', 'syncPhase', 'version', 'wave']);
    } finally {
      await lab.cleanup();
    }
  });

  it('should exit 1 when the operation fails, and print a line per change, then the result table with the hook output', async () => {
    const lab = await writeLab({ preJob: 'echo "mattermost is down"; exit 1' });
    try {
      const { code, stdout } = await runCli(['sync', lab.dir, '--app', 'cli-fail', '-n', 'cli-fail', '--create-namespace', '--kubeconfig', kubeconfig], env());
      expect(code).toBe(1);
      expect(stdout).not.toContain('\x1b');
      expect(stdout).toMatch(/^\d\d:\d\d:\d\d {2}op-\S+ {2}Running/);
      expect(stdout).toMatch(/^\d\d:\d\d:\d\d {2}PreSync {2}wave 0 {2}Job cli-fail\/health-check-pre-job {2}Failed {2}Job has reached the specified backoff limit$/m);
      expect(stdout.match(/^OPERATION: {2}op-/gm)).toHaveLength(1);
      expect(stdout).toMatch(/^ {4}↳ health-check-pre-job-\w+\/main \(exit 1\), last line:\n {6}mattermost is down$/m);
      expect(stdout).toContain('PHASE:      Failed');
      expect(stdout).toMatch(/SYNC WAVE\s+PHASE\s+KIND\s+NAMESPACE\s+NAME\s+STATUS\s+HOOK\s+MESSAGE/);
      expect(stdout).toMatch(/0\s+PreSync\s+Job\s+cli-fail\s+health-check-pre-job\s+Failed\s+PreSync/);
      expect(stdout).toMatch(/0\s+SyncFail\s+Job\s+cli-fail\s+mattermost-post-job-failure\s+Succeeded\s+SyncFail/);
    } finally {
      await lab.cleanup();
    }
  });

  it('should prune from live state with a freshly started Redis: the resource removed from the source goes, the others stay (§9.11)', async () => {
    // No REDIS_URL: each run starts its own private redis-server, so the second run has no inventory.
    const fresh = { PATH: process.env['PATH'], HOME: dir };
    const source = await mkdtemp(join(tmpdir(), 'hookrunner-cli-prune-'));
    const client = createClusterClient({ kubeconfig });
    const cm = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { key: ${name} }\n`;
    const args = ['sync', source, '--app', 'cli-prune', '-n', 'cli-prune', '--create-namespace', '--kubeconfig', kubeconfig, '-o', 'json'];
    try {
      await writeFile(join(source, 'keep.yaml'), cm('keep'));
      await writeFile(join(source, 'drop.yaml'), cm('drop'));
      const first = await runCli(args, fresh);
      expect(first.code, first.stderr).toBe(0);
      await rm(join(source, 'drop.yaml'));
      const second = await runCli([...args, '--prune'], fresh);
      expect(second.code, second.stderr).toBe(0);
      const doc = JSON.parse(second.stdout) as { resources: { kind: string; name: string; status: string }[] };
      expect(doc.resources.map((r) => `${r.kind}/${r.name} ${r.status}`)).toEqual(['ConfigMap/drop Pruned', 'ConfigMap/keep Synced']);
      const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'cli-prune', name });
      expect(await client.get(ref('drop'))).toBeUndefined();
      expect((await client.get(ref('keep')))?.metadata.annotations?.['hookrunner.io/tracking-id']).toBe('cli-prune:/ConfigMap:cli-prune/keep');
    } finally {
      client.close();
      await rm(source, { recursive: true, force: true });
    }
  });

  it('should delete an application with hookrunner delete and a fresh Redis: its live resources go, its PostDelete hook runs (§11)', async () => {
    const fresh = { PATH: process.env['PATH'], HOME: dir };
    const source = await mkdtemp(join(tmpdir(), 'hookrunner-cli-delete-'));
    const client = createClusterClient({ kubeconfig });
    const post = `apiVersion: batch/v1\nkind: Job\nmetadata: { name: farewell, annotations: { argocd.argoproj.io/hook: PostDelete, argocd.argoproj.io/hook-delete-policy: HookSucceeded } }\nspec: { backoffLimit: 0, template: { spec: { restartPolicy: Never, containers: [{ name: main, image: busybox, command: [sh, -c, echo bye] }] } } }\n`;
    try {
      await writeFile(join(source, 'app.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { k: v }\n---\n${post}`);
      const synced = await runCli(['sync', source, '--app', 'cli-del', '-n', 'cli-del', '--create-namespace', '--kubeconfig', kubeconfig, '-o', 'json'], fresh);
      expect(synced.code, synced.stderr).toBe(0);
      const bad = await runCli(['delete', source, '--app', 'cli-del', '-n', 'cli-del', '--cascade', 'all', '--kubeconfig', kubeconfig], fresh);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('must be one of foreground, background, orphan, got "all"');
      const deleted = await runCli(['delete', source, '--app', 'cli-del', '-n', 'cli-del', '--kubeconfig', kubeconfig, '-o', 'json'], fresh);
      expect(deleted.code, deleted.stderr).toBe(0);
      const doc = JSON.parse(deleted.stdout) as { operation: { phase: string }; resources: { syncPhase: string; kind: string; name: string; status: string }[] };
      expect(doc.resources.map((r) => `${r.syncPhase} ${r.kind}/${r.name} ${r.status}`)).toEqual(['Delete ConfigMap/settings Pruned', 'PostDelete Job/farewell Synced']);
      expect(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'cli-del', name: 'settings' })).toBeUndefined();
    } finally {
      client.close();
      await rm(source, { recursive: true, force: true });
    }
  });

  it('should terminate a prune that Prune=confirm holds unless --confirm is given (§9.1)', async () => {
    const fresh = { PATH: process.env['PATH'], HOME: dir };
    const source = await mkdtemp(join(tmpdir(), 'hookrunner-cli-confirm-'));
    const args = ['sync', source, '--app', 'cli-confirm', '-n', 'cli-confirm', '--create-namespace', '--kubeconfig', kubeconfig, '-o', 'json'];
    try {
      await writeFile(join(source, 'keep.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: keep }\n`);
      await writeFile(join(source, 'old.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: old, annotations: { argocd.argoproj.io/sync-options: Prune=confirm } }\n`);
      expect((await runCli(args, fresh)).code).toBe(0);
      await rm(join(source, 'old.yaml'));
      const refused = await runCli([...args, '--prune'], fresh);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('hookrunner sync: waiting for pruning confirmation of /ConfigMap/old; rerun with --confirm to confirm it. Terminating.');
      const confirmed = await runCli([...args, '--prune', '--confirm'], fresh);
      expect(confirmed.code, confirmed.stderr).toBe(0);
      expect((JSON.parse(confirmed.stdout) as { resources: { name: string; status: string }[] }).resources.map((r) => `${r.name} ${r.status}`)).toEqual(['old Pruned', 'keep Synced']);
    } finally {
      await rm(source, { recursive: true, force: true });
    }
  });

  it('should redraw the frame live on a terminal, then print the final result once', async () => {
    const lab = await writeLab({ preJob: 'sleep 1' });
    try {
      const { code, stdout } = await runCli(['sync', lab.dir, '--app', 'cli-live', '-n', 'cli-live', '--create-namespace', '--kubeconfig', kubeconfig], env(), { tty: true });
      expect(code).toBe(0);
      const erasures = stdout.split('\x1b[G').length - 1;
      expect(erasures).toBeGreaterThan(1); // log-update erases each frame's rows before the next
      expect(stdout).toMatch(/PHASE: {6}Running/); // a frame drawn while it ran …
      expect(stdout).toMatch(/PostSync +Job +mattermost\S* +Pending/); // … with the tasks still to come
      const final = stdout.slice(stdout.lastIndexOf('\x1b[G') + 3);
      expect(final).toMatch(/^OPERATION: {2}op-/);
      expect(final).toContain('PHASE:      Succeeded');
      expect(final).not.toContain('Pending');
      for (const line of final.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80); // no columns known: 80
    } finally {
      await lab.cleanup();
    }
  });

  describe('when the input is bad, nothing is applied', () => {
    it('an unreadable path → exit 2, one line', async () => {
      const { code, stdout, stderr } = await runCli(['sync', join(dir, 'nope'), '--app', 'bad1', '-n', 'bad1', '--kubeconfig', kubeconfig], env());
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(`${join(dir, 'nope')}: no such file or directory\n`);
      expect(await writes('bad1')).toBe(0);
    });

    it('invalid manifests → exit 2 with FILE:LINE', async () => {
      const bad = join(dir, 'bad.yaml');
      await writeFile(bad, 'apiVersion: v1\nmetadata:\n  name: x\n');
      const { code, stderr } = await runCli(['sync', bad, '--app', 'bad2', '-n', 'bad2', '--kubeconfig', kubeconfig], env());
      expect(code).toBe(2);
      expect(stderr).toBe(`${bad}:1: document has no kind\n`);
      expect(await writes('bad2')).toBe(0);
    });

    it('a bad application name → exit 2', async () => {
      const lab = await writeLab();
      try {
        const { code, stderr } = await runCli(['sync', lab.dir, '--app', 'Bad_Name', '-n', 'x', '--kubeconfig', kubeconfig], env());
        expect(code).toBe(2);
        expect(stderr).toContain("--app must be a DNS-1123 label");
      } finally {
        await lab.cleanup();
      }
    });

    it('an unreachable cluster → exit 3, one line', async () => {
      const lab = await writeLab();
      const dead = join(dir, 'dead-kubeconfig');
      await writeFile(dead, cluster.kubeconfig().replace(cluster.url, 'http://127.0.0.1:1'));
      try {
        const { code, stdout, stderr } = await runCli(['sync', lab.dir, '--app', 'bad3', '-n', 'bad3', '--kubeconfig', dead], env());
        expect(code).toBe(3);
        expect(stdout).toBe('');
        expect(stderr.trim().split('\n')).toHaveLength(1);
        expect(stderr).toMatch(/^hookrunner sync: cannot reach the cluster: .*127\.0\.0\.1:1/);
      } finally {
        await lab.cleanup();
      }
    });

    it('no Redis at all (no REDIS_URL, no redis-server on PATH) → exit 3 saying how to get one', async () => {
      const lab = await writeLab();
      try {
        const { code, stderr } = await runCli(['sync', lab.dir, '--app', 'bad4', '-n', 'bad4', '--kubeconfig', kubeconfig], { PATH: dir, HOME: dir });
        expect(code).toBe(3);
        expect(stderr).toMatch(/^hookrunner sync: cannot start redis-server .*set REDIS_URL/);
        expect(await writes('bad4')).toBe(0);
      } finally {
        await lab.cleanup();
      }
    });
  });
});
