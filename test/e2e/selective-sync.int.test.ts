/**
 * Selective sync (docs/semantics.md §9.9) through the real engine — queue, workers, both cluster
 * backends: only the selected resources are applied and no hook runs, as Argo CD's
 * `TestSelectiveSyncDoesNotRunHooks`; a full sync afterwards runs them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderedResults } from '../../src/sync/index.js';
import { testBackends } from '../helpers/backends.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { writeLab } from '../helpers/lab.js';

describe.each(testBackends())('selective sync on the %s cluster', (backend) => {
  let h: Harness;
  let lab: Awaited<ReturnType<typeof writeLab>>;
  const app = { app: 'selective', namespace: 'selective', createNamespace: true };
  const jobs = async (): Promise<string[]> => (await h.client.list({ apiVersion: 'batch/v1', kind: 'Job', namespace: app.namespace })).items.map((j) => j.metadata.name ?? '').sort();
  beforeAll(async () => {
    h = await startHarness({ backend });
    lab = await writeLab();
  });
  afterAll(async () => {
    await h?.close();
    await lab?.cleanup();
  });

  it('should apply only the selected resource and create no hook Job', async () => {
    const op = await h.sync([lab.dir], { ...app, resources: [{ group: '', kind: 'Service', name: 'nginx' }] });
    expect(op.phase, op.message).toBe('Succeeded');
    expect(orderedResults(op).map((r) => `${r.syncPhase} ${r.kind} ${r.name}`)).toEqual(['PreSync Namespace selective', 'Sync Service nginx']);
    expect(await h.client.get({ apiVersion: 'v1', kind: 'Service', namespace: app.namespace, name: 'nginx' })).toBeDefined();
    expect(await h.client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: app.namespace, name: 'nginx' })).toBeUndefined();
    expect(await jobs()).toEqual([]);
  });

  it('should fail a selective sync of a resource the application does not have, applying nothing', async () => {
    const op = await h.sync([lab.dir], { ...app, resources: [{ group: 'apps', kind: 'Deployment', name: 'nope' }] });
    expect(op.phase).toBe('Failed');
    expect(op.message).toBe('selected resources are not part of the application (neither in its source nor live): apps:Deployment:nope');
    expect(await h.client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: app.namespace, name: 'nginx' })).toBeUndefined();
  });

  it('should run the hooks again in a full sync', async () => {
    const op = await h.sync([lab.dir], app);
    expect(op.phase, op.message).toBe('Succeeded');
    expect(await jobs()).toEqual(['health-check-pre-job', 'mattermost-post-job-success']);
  });
});
