import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const exec = promisify(execFile);

describe('hookrunner plan', () => {
  it('should print the lab in execution order: PreSync pre-job; Service (-2), ServiceAccount (-1), Deployment; PostSync post-job; SyncFail fail-job', async () => {
    const { code, stdout, stderr } = await runCli(['plan', 'examples/sync-phases', '--namespace', 'app-sync-phases']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'PHASE     WAVE  KIND            NAMESPACE        NAME                         HOOK      DELETE-POLICY',
        'PreSync   0     Job             app-sync-phases  health-check-pre-job         PreSync   BeforeHookCreation',
        'Sync      -2    Service         app-sync-phases  nginx                        -         -',
        'Sync      -1    ServiceAccount  app-sync-phases  nginx                        -         -',
        'Sync      0     Deployment      app-sync-phases  nginx                        -         -',
        'PostSync  0     Job             app-sync-phases  mattermost-post-job-success  PostSync  BeforeHookCreation',
        'SyncFail  0     Job             app-sync-phases  mattermost-post-job-failure  SyncFail  BeforeHookCreation',
        '',
      ].join('\n'),
    );
  });

  it('should print JSON with sources, deletePolicies only on hooks, and the CreateNamespace task', async () => {
    const { code, stdout } = await runCli(['plan', 'examples/sync-phases', 'examples/sync-fail', '-n', 'app-sync-phases', '--create-namespace', '-o', 'json']);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { tasks: Record<string, unknown>[]; warnings: unknown[] };
    expect(doc.warnings).toEqual([]);
    expect(doc.tasks.map((t) => `${t['phase']} ${t['kind']} ${t['name']}`)).toEqual([
      'PreSync Namespace app-sync-phases',
      'PreSync Job health-check-pre-job',
      'Sync Service nginx',
      'Sync ServiceAccount nginx',
      'Sync Pod quick-fail-pod',
      'Sync Deployment nginx',
      'PostSync Job mattermost-post-job-success',
      'SyncFail Job mattermost-post-job-failure',
    ]);
    expect(doc.tasks[1]).toEqual({
      phase: 'PreSync',
      wave: 0,
      group: 'batch',
      version: 'v1',
      kind: 'Job',
      namespace: 'app-sync-phases',
      name: 'health-check-pre-job',
      hook: true,
      hookType: 'PreSync',
      deletePolicies: ['BeforeHookCreation'],
      source: { file: 'examples/sync-phases/pre-job.yaml', line: 4 },
    });
    expect(doc.tasks[2]).not.toHaveProperty('deletePolicies');
    expect(doc.tasks[4]?.['source']).toEqual({ file: 'examples/sync-fail/fail-during-sync.yaml', line: 5 });
  });

  describe('when the input is bad (D9)', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'hookrunner-plan-'));
      await writeFile(join(dir, 'malformed.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a: b\n');
      await writeFile(join(dir, 'nokind.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\napiVersion: v1\nmetadata:\n  name: x\n');
      await writeFile(join(dir, 'nameless.yaml'), '# a plain resource needs a name\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: cm-\n');
      await writeFile(join(dir, 'wave.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w\n  annotations:\n    argocd.argoproj.io/sync-wave: "abc"\n');
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it.each([
      ['malformed YAML', 'malformed.yaml', 'malformed.yaml:4: invalid YAML: Nested mappings are not allowed in compact mappings'],
      ['a document without kind', 'nokind.yaml', 'nokind.yaml:5: document has no kind'],
      ['a nameless non-hook', 'nameless.yaml', 'nameless.yaml:2: ConfigMap has no metadata.name (generateName is only honoured for hooks, docs/semantics.md §7)'],
    ])('should exit 2 on %s with FILE:LINE on stderr and nothing on stdout', async (_name, file, message) => {
      const { code, stdout, stderr } = await runCli(['plan', join(dir, file)]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(`${join(dir, file)}${message.slice(file.length)}\n`);
    });

    it('should warn about wave "abc" with file and line, and plan it at wave 0', async () => {
      const { code, stdout, stderr } = await runCli(['plan', join(dir, 'wave.yaml')]);
      expect(code).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toContain('Sync   0     ConfigMap  -          w');
      expect(stdout).toContain(`WARNINGS (1):\n${join(dir, 'wave.yaml')}:6: ConfigMap w: argocd.argoproj.io/sync-wave: "abc" is not an integer and is ignored; the wave is 0\n`);
    });

    it('should make wave "abc" an error with --strict', async () => {
      const { code, stdout, stderr } = await runCli(['plan', '--strict', join(dir, 'wave.yaml')]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(`${join(dir, 'wave.yaml')}:6: ConfigMap w: argocd.argoproj.io/sync-wave: "abc" is not an integer and is ignored; the wave is 0\n`);
    });

    it('should report every bad file of a folder at once', async () => {
      const { code, stderr } = await runCli(['plan', dir]);
      expect(code).toBe(2);
      expect(stderr.trim().split('\n').map((l) => l.slice(dir.length + 1).split(':').slice(0, 2).join(':'))).toEqual(['malformed.yaml:4', 'nameless.yaml:2', 'nokind.yaml:5']);
    });

    it('should exit 2 for a missing path and for a bad flag', async () => {
      const missing = await runCli(['plan', join(dir, 'nope')]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toBe(`${join(dir, 'nope')}: no such file or directory\n`);
      const badFlag = await runCli(['plan', 'examples/sync-phases', '-o', 'yaml']);
      expect(badFlag.code).toBe(2);
      expect(badFlag.stderr).toContain('must be table or json, got "yaml"');
      expect(badFlag.stdout).toBe('');
    });
  });

  it('should run as the installed binary (bin/hookrunner → dist)', async () => {
    const { stdout } = await exec('node', ['bin/hookrunner', 'plan', 'examples/sync-phases', '-o', 'json']);
    const doc = JSON.parse(stdout) as { tasks: { name: string }[] };
    expect(doc.tasks).toHaveLength(6);
    const failed = await exec('node', ['bin/hookrunner', 'plan', 'does-not-exist']).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2, stderr: 'does-not-exist: no such file or directory\n' });
  });

  it('should refuse a manifest file over the size limit by name, size and limit, with exit code 2 (issue 14)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hookrunner-plan-limit-'));
    try {
      await writeFile(join(dir, 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n');
      await writeFile(join(dir, 'b.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: b }\ndata: { x: "${'x'.repeat(4096)}" }\n`);
      const over = await runCli(['plan', dir], { HOOKRUNNER_MAX_MANIFEST_FILE_SIZE: '4Ki' });
      expect(over.code).toBe(2);
      expect(over.stderr).toBe(`${join(dir, 'b.yaml')}: 4.1 KiB (4165 bytes), over the manifest file limit of 4 KiB (HOOKRUNNER_MAX_MANIFEST_FILE_SIZE; Kubernetes stores no object over ~1.5 MiB)\n`);
      const total = await runCli(['plan', dir], { HOOKRUNNER_MAX_MANIFESTS_SIZE: '4Ki' });
      expect(total.code).toBe(2);
      expect(total.stderr).toContain('over the limit of 4 KiB for one application (HOOKRUNNER_MAX_MANIFESTS_SIZE)');
      expect((await runCli(['plan', dir])).code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
