/**
 * §10.1 terminate, D3 timeouts and §10.3 retries, end to end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../helpers/backends.js';
import { jobNames, startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { writeLab } from '../helpers/lab.js';

describe.each(testBackends())('terminate, timeouts and retries on the %s cluster', (backend) => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness({ backend });
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-retry-'));
  });
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function whenJobRuns(namespace: string): Promise<void> {
    for (let i = 0; i < 400; i++) {
      if ((await jobNames(h.client, namespace)).includes('health-check-pre-job')) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the pre-job never appeared');
  }

  it('§10.1: terminating deletes the running hook, marks it Failed "Terminated", runs no SyncFail hook', async () => {
    const lab = await writeLab({ preJob: 'sleep 60' });
    try {
      const op = await h.submit([lab.dir], { app: 'term', namespace: 'term' });
      await whenJobRuns('term');
      await h.engine.orchestrator?.terminate(op.id);
      const final = await h.waitFor(op.id, 30_000);
      expect(final.phase).toBe('Failed');
      expect(final.message).toBe('Operation terminated');
      const pre = final.results.find((r) => r.name === 'health-check-pre-job');
      expect([pre?.hookPhase, pre?.message]).toEqual(['Failed', 'Terminated']);
      expect(final.results.some((r) => r.syncPhase === 'SyncFail')).toBe(false);
      expect(await jobNames(h.client, 'term')).toEqual([]);
    } finally {
      await lab.cleanup();
    }
  });

  it('D3: a hook past its hookrunner.io/hook-timeout fails with what was awaited and what was last seen; SyncFail runs', async () => {
    const lab = await writeLab({ preJob: 'sleep 60', preJobAnnotations: { 'hookrunner.io/hook-timeout': '1s' } });
    try {
      const final = await h.sync([lab.dir], { app: 'hook-timeout', namespace: 'hook-timeout' });
      expect(final.phase).toBe('Failed');
      const pre = final.results.find((r) => r.name === 'health-check-pre-job');
      expect(pre?.hookPhase).toBe('Failed');
      expect(pre?.message).toMatch(/^timed out after 1s waiting for job\.batch\/health-check-pre-job to complete; last seen: /);
      expect(final.results.find((r) => r.name === 'mattermost-post-job-failure')?.hookPhase).toBe('Succeeded');
      expect(await jobNames(h.client, 'hook-timeout')).not.toContain('health-check-pre-job'); // stopped, not left running
    } finally {
      await lab.cleanup();
    }
  });

  it('D3: the operation deadline bounds every wait; SyncFail hooks still run after it', async () => {
    const lab = await writeLab({ preJob: 'sleep 60' });
    try {
      const final = await h.sync([lab.dir], { app: 'op-timeout', namespace: 'op-timeout', timeoutMs: 1_500 });
      expect(final.phase).toBe('Failed');
      expect(final.results.find((r) => r.name === 'health-check-pre-job')?.message).toMatch(/^timed out after \d+(ms|s) waiting for job\.batch\/health-check-pre-job to complete/);
      expect(final.results.find((r) => r.name === 'mattermost-post-job-failure')?.hookPhase).toBe('Succeeded');
    } finally {
      await lab.cleanup();
    }
  });

  it('§10.3: a failed operation is retried after its backoff with the same hook names, and succeeds', async () => {
    const flag = join(dir, 'first-attempt-done');
    const lab = await writeLab({ preJob: `if [ -f ${flag} ]; then echo second; exit 0; else touch ${flag}; echo first; exit 1; fi` });
    try {
      const final = await h.sync([lab.dir], { app: 'retry', namespace: 'retry', retry: { limit: 2, backoffMs: 200 } });
      expect(final.phase, final.message).toBe('Succeeded');
      expect(final.retryCount).toBe(1);
      expect(final.message).toBe('successfully synced (all tasks run)');
      // the first attempt ran the SyncFail hook; the results were reset for the second
      expect(final.results.some((r) => r.syncPhase === 'SyncFail')).toBe(false);
      const pre = final.results.find((r) => r.name === 'health-check-pre-job');
      expect(pre?.logs?.map((l) => l.log.trim())).toEqual(['first', 'second']); // BeforeHookCreation kept the first attempt's log (D4)
    } finally {
      await lab.cleanup();
    }
  });
});

describe.each(testBackends())('the orchestrator enforces the deadline when no worker reports (D3) on the %s cluster', (backend) => {
  it('should terminate on timeout, then still run the SyncFail hooks once a worker is back', async () => {
    const { createStepWorker } = await import('../../src/worker/index.js');
    const h = await startHarness({ backend, workers: false, deadlineGraceMs: 200 });
    const lab = await writeLab();
    try {
      const op = await h.submit([lab.dir], { app: 'forced-timeout', namespace: 'forced-timeout', timeoutMs: 500 });
      for (let i = 0; i < 200; i++) {
        if ((await h.engine.store.getOperation(op.id))?.terminating) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await h.engine.store.getOperation(op.id))?.terminating?.reason).toBe('timeout');
      const worker = createStepWorker({ redisUrl: h.redisUrl, bus: h.engine.bus, cluster: h.client });
      try {
        const final = await h.waitFor(op.id, 30_000);
        expect(final.phase).toBe('Failed');
        expect(final.message).toMatch(/^operation timed out after 500ms/);
        expect(final.results.find((r) => r.name === 'mattermost-post-job-failure')?.hookPhase).toBe('Succeeded');
      } finally {
        await worker.close();
      }
    } finally {
      await lab.cleanup();
      await h.close();
    }
  });
});
