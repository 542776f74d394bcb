/** §10.1: a step that starts after its operation began terminating applies nothing; a chained wave step (issue 13) runs its links in order and ends at a failed one. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifests } from '../../src/manifests/index.js';
import { plan } from '../../src/plan/index.js';
import type { SyncTask } from '../../src/plan/index.js';
import type { StepJobData } from '../../src/queue/index.js';
import type { TaskResult, WaveLink } from '../../src/sync/index.js';
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

  /** PreSync/0 (the lab's pre-job running `preJob`) then Sync/-2 (its Service), as one chained step in a namespace of its own. */
  async function chained(preJob: string): Promise<{ result: Awaited<ReturnType<typeof runStep>>; progress: TaskResult[][]; namespace: string; tasks: SyncTask[] }> {
    const namespace = `chain-${Math.random().toString(36).slice(2, 8)}`;
    await h.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    const lab = await writeLab({ withoutNotifiers: true, preJob });
    try {
      const { manifests } = await loadManifests([lab.dir]);
      const all = plan(manifests, { namespace, startedAt: new Date() }).tasks;
      const pick = (phase: string, wave: number): SyncTask[] => all.filter((t) => t.phase === phase && t.wave === wave);
      const link = (tasks: SyncTask[], finalWave: boolean): WaveLink => ({ phase: tasks[0]?.phase ?? 'Sync', wave: tasks[0]?.wave ?? 0, taskKeys: tasks.map((t) => t.key), waitForResources: true, finalWave });
      const links = [link(pick('PreSync', 0), false), link(pick('Sync', -2), false)];
      const tasks = [...pick('PreSync', 0), ...pick('Sync', -2)];
      expect(tasks.map((t) => t.kind)).toEqual(['Job', 'Service']);
      const progress: TaskResult[][] = [];
      const data: StepJobData = {
        step: { id: `op-${namespace}-0-2`, kind: 'wave', seq: 2, phase: 'PreSync', wave: 0, taskKeys: tasks.map((t) => t.key), waitForResources: true, finalWave: false, links, emittedAt: Date.now() },
        context: { app: namespace, operationId: `op-${namespace}`, syncId: `op-${namespace}-0`, namespace, revision: 'r', deadlineAt: Date.now() + 60_000, hookTimeoutMs: 60_000, waveDelayMs: 0, prune: false, dryRun: false },
        tasks,
        deleteTasks: [],
      };
      const result = await runStep(data, { cluster: h.client, liveIndex: createLiveIndex(h.client), logger: silentLogger, cancel: { signal: new AbortController().signal, reason: () => undefined }, progress: (r) => progress.push(r), logTailBytes: 65_536, now: () => Date.now() });
      return { result, progress, namespace, tasks };
    } finally {
      await lab.cleanup();
    }
  }

  it("should run a chained step's links in order, the progress of a later link carrying the earlier results (issue 13)", async () => {
    const { result, progress, namespace } = await chained('exit 0');
    expect(result.results.map((r) => `${r.kind}:${r.hookPhase}`)).toEqual(['Job:Succeeded', 'Service:Succeeded']);
    expect(result.error).toBeUndefined();
    expect(progress.at(-1)?.map((r) => `${r.kind}:${r.hookPhase}`)).toEqual(['Job:Succeeded', 'Service:Running']);
    // The second link started only once the first was done: the Service's first write after the Job was seen Complete.
    const service = (await h.cluster.audit()).find((e) => e.namespace === namespace && e.kind === 'Service');
    expect(service?.time).toBeGreaterThanOrEqual(result.results[0]?.finishedAt ?? Number.POSITIVE_INFINITY);
    await h.client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  });

  it('should end a chained step at a link with a failed task, applying nothing of the links after it (§5.6)', async () => {
    const { result, namespace } = await chained('exit 1');
    expect(result.results.map((r) => `${r.kind}:${r.hookPhase}`)).toEqual(['Job:Failed']);
    const services = (await h.cluster.audit()).filter((e) => e.namespace === namespace && e.kind === 'Service');
    expect(services).toEqual([]);
    await h.client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  });
});
