/**
 * The lab's scenarios end to end (issue "sync engine"): the real Redis, the dev cluster over HTTP,
 * the Kubernetes adapter, the orchestrator and step workers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayStatus, orderedResults } from '../../src/sync/index.js';
import type { Operation } from '../../src/sync/index.js';
import { testBackends } from '../helpers/backends.js';
import { jobNames, startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { writeLab } from '../helpers/lab.js';

const NS = 'app-sync-phases';
const rows = (op: Operation): string[] => orderedResults(op).map((r) => `${r.syncPhase} ${r.kind} ${r.name} ${displayStatus(r)}`);

describe.each(testBackends())('the lab end to end (§5, §6) on the %s cluster', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('success: PreSync pre-job → Service (-2) → ServiceAccount (-1) → Deployment → PostSync post-job; no SyncFail; Succeeded', async () => {
    const lab = await writeLab();
    try {
      const op = await h.sync([lab.dir]);
      expect(op.phase, op.message).toBe('Succeeded');
      expect(rows(op)).toEqual([
        'PreSync Namespace app-sync-phases Synced',
        'PreSync Job health-check-pre-job Succeeded',
        'Sync Service nginx Synced',
        'Sync ServiceAccount nginx Synced',
        'Sync Deployment nginx Synced',
        'PostSync Job mattermost-post-job-success Succeeded',
      ]);
      const pre = op.results.find((r) => r.name === 'health-check-pre-job');
      expect(pre?.logs?.[0]?.log).toContain('Mattermost is up and Running');
      // Wave order from the API server's own record (the dev cluster's audit, the real API server's audit log): each apply after the previous wave was healthy.
      // (By name: a real cluster's controllers also write, e.g. the ServiceAccount "default" of the new namespace.)
      const creates = (await h.cluster.audit()).filter((e) => e.namespace === NS && (e.verb === 'create' || e.verb === 'patch') && e.code < 300 && !e.subresource);
      const firstWrite = (kind: string, name = 'nginx'): number => creates.find((e) => e.kind === kind && e.name === name)?.time ?? Number.NaN;
      expect(firstWrite('Job', 'health-check-pre-job')).toBeLessThan(firstWrite('Service'));
      expect(firstWrite('Service')).toBeLessThan(firstWrite('ServiceAccount'));
      expect(firstWrite('ServiceAccount')).toBeLessThan(firstWrite('Deployment'));
      expect(await jobNames(h.client, NS)).toEqual(['health-check-pre-job', 'mattermost-post-job-success']);
    } finally {
      await lab.cleanup();
    }
  });

  it('scenario 1: the pre-job fails → no Sync-phase resource applied, the SyncFail fail-job runs, Failed', async () => {
    const lab = await writeLab({ preJob: "echo 'Mattermost is NOT accessible'; exit 1" });
    try {
      const op = await h.sync([lab.dir], { app: 'lab-s1', namespace: 'scenario-1' });
      expect(op.phase).toBe('Failed');
      expect(rows(op)).toEqual(['PreSync Namespace scenario-1 Synced', 'PreSync Job health-check-pre-job Failed', 'SyncFail Job mattermost-post-job-failure Succeeded']);
      expect(op.message).toMatch(/^one or more synchronization tasks completed unsuccessfully, reason: Job health-check-pre-job: /);
      const pre = op.results.find((r) => r.name === 'health-check-pre-job');
      expect(pre?.logs?.[0]?.log).toContain('Mattermost is NOT accessible');
      expect(await h.client.get({ apiVersion: 'v1', kind: 'Service', namespace: 'scenario-1', name: 'nginx' })).toBeUndefined();
    } finally {
      await lab.cleanup();
    }
  });

  it('scenario 2: the invalid Pod is SyncFailed with the API server\'s own message, the fail-job runs, PostSync does not', async () => {
    const lab = await writeLab({ invalidPod: true });
    try {
      const op = await h.sync([lab.dir], { app: 'lab-s2', namespace: 'scenario-2' });
      expect(op.phase).toBe('Failed');
      const pod = op.results.find((r) => r.name === 'quick-fail-pod');
      expect(pod?.status).toBe('SyncFailed');
      // kube-apiserver refuses the apply while decoding the quantity (a 500 "failed to convert new object", not retried); the dev cluster answers the same.
      expect(pod?.message).toContain("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
      expect(op.results.some((r) => r.name === 'mattermost-post-job-failure' && r.hookPhase === 'Succeeded')).toBe(true);
      expect(op.results.some((r) => r.name === 'mattermost-post-job-success')).toBe(false);
    } finally {
      await lab.cleanup();
    }
  });
});
