/** §10.1: a step that starts after its operation began terminating applies nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifests } from '../../src/manifests/index.js';
import { plan } from '../../src/plan/index.js';
import { silentLogger } from '../../src/util/index.js';
import { createLiveIndex, runStep } from '../../src/worker/index.js';
import { testBackends } from '../helpers/backends.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { writeLab } from '../helpers/lab.js';

describe.each(testBackends())('runStep on the %s cluster', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend, workers: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('should apply nothing for a wave whose operation is already terminating (§10.1)', async () => {
    const lab = await writeLab({ withoutNotifiers: true });
    try {
      const { manifests } = await loadManifests([lab.dir]);
      const tasks = plan(manifests, { namespace: 'default', startedAt: new Date() }).tasks.filter((t) => t.phase === 'Sync' && t.wave === -2);
      const controller = new AbortController();
      controller.abort();
      expect(tasks.map((t) => t.kind)).toEqual(['Service']);
      // Writes to the wave's objects only: kube-apiserver's own controllers write in the background.
      const waveWrites = async (): Promise<number> => (await h.cluster.audit()).filter((e) => tasks.some((t) => t.kind === e.kind && t.name === e.name)).length;
      const writesBefore = await waveWrites();
      const result = await runStep(
        {
          step: { id: 'op-x-0-2', kind: 'wave', seq: 2, phase: 'Sync', wave: -2, taskKeys: tasks.map((t) => t.key), waitForResources: true, finalWave: false, emittedAt: Date.now() },
          context: { app: 'x', operationId: 'op-x', syncId: 'op-x-0', namespace: 'default', revision: 'r', deadlineAt: Date.now() + 60_000, hookTimeoutMs: 60_000, waveDelayMs: 0, prune: false, dryRun: false },
          tasks,
          deleteTasks: [],
        },
        { cluster: h.client, liveIndex: createLiveIndex(h.client), logger: silentLogger, cancel: { signal: controller.signal, reason: () => 'user' }, progress: () => undefined, logTailBytes: 65_536, now: () => Date.now() },
      );
      expect(result.terminated).toBe(true);
      expect(result.results).toEqual([]);
      expect(await waveWrites()).toBe(writesBefore);
    } finally {
      await lab.cleanup();
    }
  });
});
