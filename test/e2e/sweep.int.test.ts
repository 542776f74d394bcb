/**
 * A Redis without persistence loses its queue (PERF-RELIABILITY §3, §7.5): the orchestrator's
 * sweep re-emits the step of a running operation whose queue entry is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStepWorker } from '../../src/worker/index.js';
import { testBackends } from '../helpers/backends.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { writeLab } from '../helpers/lab.js';

describe.each(testBackends())('the sweep on the %s cluster', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend, workers: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('should re-emit a step whose queue entry vanished, and the operation completes', async () => {
    const lab = await writeLab({ withoutNotifiers: true });
    const op = await h.submit([lab.dir]);
    const step = (await h.engine.store.getOperation(op.id))?.step;
    expect(step?.kind).toBe('prepare');
    // The queue forgets the step (as after a restart of a Redis without persistence).
    await h.engine.bus.removeStep(step?.id ?? '');
    expect((await h.engine.bus.stepJob(step?.id ?? '')).state).toBe('missing');
    const worker = createStepWorker({ redisUrl: h.redisUrl, bus: h.engine.bus, cluster: h.client });
    try {
      const final = await h.waitFor(op.id, 30_000);
      expect(final.phase, final.message).toBe('Succeeded');
      expect(final.results.map((r) => r.name)).toEqual(['app-sync-phases', 'health-check-pre-job', 'nginx', 'nginx', 'nginx']);
    } finally {
      await worker.close();
      await lab.cleanup();
    }
  });
});
