import { afterEach, describe, expect, it } from 'vitest';
import { connectDevCluster, hasCondition, shJob } from './dev-cluster.js';
import type { Connected } from './dev-cluster.js';

/**
 * PERF-RELIABILITY §7 items 1 and 7 under faults: with 20% of requests answered 429/500/503 and
 * every watch dropped every 300 ms, each hook Job (deterministic name, `adoptOnConflict`) is
 * created exactly once and its completion is seen.
 */
let dev: Connected | undefined;
afterEach(async () => {
  await dev?.close();
  dev = undefined;
});

describe('when 20% of requests fail and watches drop every 300 ms', () => {
  it('should create each Job exactly once and see it Complete', async () => {
    const connected = await connectDevCluster({
      devCluster: { faults: { rate: 0.2, codes: [429, 500, 503], retryAfterSeconds: 0, dropWatchEveryMs: 300 } },
      client: { retry: { attempts: 10, initialMs: 20, maxMs: 200 } },
    });
    dev = connected;
    const ns = await connected.namespace();
    const faultedJobCreates = (): number =>
      connected.cluster.requests().filter((r) => r.method === 'POST' && r.url.startsWith(`/apis/batch/v1/namespaces/${ns}/jobs`) && r.code >= 429).length;

    const run = async (name: string): Promise<void> => {
      const created = await connected.client.create(shJob(name, ns, 'sleep 1; echo ok', { labels: { 'hookrunner.io/hook': name } }), { adoptOnConflict: true });
      const done = await connected.client.waitFor({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name }, (o) => hasCondition(o, 'Complete'), {
        timeoutMs: 20_000,
        description: `Job ${ns}/${name} to complete`,
      });
      expect(done?.metadata.uid).toBe(created.metadata.uid);
    };

    // Batches of six until at least one Job create itself met an injected fault (20% each).
    const names: string[] = [];
    for (let batch = 0; batch < 5 && (batch === 0 || faultedJobCreates() === 0); batch++) {
      const batchNames = Array.from({ length: 6 }, (_, i) => `pre-job-${batch}-${i}`);
      await Promise.all(batchNames.map(run));
      names.push(...batchNames);
    }

    expect(faultedJobCreates()).toBeGreaterThan(0);
    const audit = connected.cluster.audit();
    for (const name of names) {
      const creates = audit.filter((e) => e.verb === 'create' && e.kind === 'Job' && e.name === name && e.code === 201);
      expect(creates, name).toHaveLength(1);
      const started = audit.filter((e) => e.verb === 'process-started' && e.namespace === ns && e.name?.startsWith(`${name}-`));
      expect(started, name).toHaveLength(1);
    }
    const counters = connected.cluster.faultCounters();
    expect(counters.injected[429] + counters.injected[500] + counters.injected[503]).toBeGreaterThan(0);
    expect(counters.droppedWatches).toBeGreaterThan(0);
  });
});
