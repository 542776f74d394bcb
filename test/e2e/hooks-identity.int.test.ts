/**
 * Hook identity (§7, D7, D8): a named hook with two phases is two runs; an object this
 * application does not track is never deleted by BeforeHookCreation; the start-up sweep
 * releases the finalizer of hooks whose operation is gone.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOOK_FINALIZER } from '../../src/manifests/index.js';
import { testBackends } from '../helpers/backends.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { writeLab } from '../helpers/lab.js';

describe.each(testBackends())('hook identity on the %s cluster', (backend) => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness({ backend });
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-identity-'));
  });
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a named PreSync,PostSync hook runs once per phase (§2.5), the second replacing the first (BeforeHookCreation)', async () => {
    const marks = join(dir, 'runs');
    const lab = await writeLab({ withoutNotifiers: true, preJob: `echo "$HOOKRUNNER_PHASE" >> ${marks}`, preJobAnnotations: { 'argocd.argoproj.io/hook': 'PreSync,PostSync' } });
    try {
      const op = await h.sync([lab.dir], { app: 'two-phases', namespace: 'two-phases' });
      expect(op.phase, op.message).toBe('Succeeded');
      expect((await readFile(marks, 'utf8')).trim().split('\n')).toEqual(['PreSync', 'PostSync']);
      expect(op.results.filter((r) => r.name === 'health-check-pre-job').map((r) => `${r.syncPhase}:${r.hookPhase}`)).toEqual(['PreSync:Succeeded', 'PostSync:Succeeded']);
    } finally {
      await lab.cleanup();
    }
  });

  it('an object of the same name that this application does not track is applied over, never deleted (§7)', async () => {
    const ns = 'foreign';
    await h.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const foreign = await h.client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns, labels: { owner: 'someone-else' } }, data: { a: '1' } });
    const lab = await writeLab({
      withoutNotifiers: true,
      extra: { 'settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  annotations:\n    argocd.argoproj.io/hook: PreSync\ndata:\n  b: "2"\n' },
    });
    try {
      const op = await h.sync([lab.dir], { app: 'foreign-app', namespace: ns });
      expect(op.phase, op.message).toBe('Succeeded');
      const after = await h.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
      expect(after?.metadata.uid).toBe(foreign.metadata.uid);
    } finally {
      await lab.cleanup();
    }
  });

  it('D7: the start-up sweep releases the finalizer of a hook whose operation is not running', async () => {
    const ns = 'leftover';
    await h.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const ref = { apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: 'orphan-hook' };
    await h.client.apply({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'orphan-hook', namespace: ns, finalizers: [HOOK_FINALIZER], labels: { 'hookrunner.io/hook': 'true', 'hookrunner.io/app': 'gone' }, annotations: { 'hookrunner.io/sync-id': 'op-lost-0/PreSync' } },
      spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'true'] }] } } },
    });
    await h.engine.orchestrator?.sweepFinalizers();
    const released = await h.client.waitFor(ref, (o) => !o?.metadata.finalizers?.includes(HOOK_FINALIZER), { timeoutMs: 20_000, description: 'the orphan hook to lose its finalizer' });
    expect(released?.metadata.finalizers ?? []).not.toContain(HOOK_FINALIZER);
  });
});
