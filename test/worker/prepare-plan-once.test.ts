/** The prepare step plans once when the application has no prune candidates (issue 13 item 3). */
import { describe, expect, it, vi } from 'vitest';
import type * as PlanModule from '../../src/plan/index.js';
import type { PrepareInput } from '../../src/queue/index.js';
import type { StepResult } from '../../src/sync/index.js';
import { runStep } from '../../src/worker/index.js';
import type { MemoryCluster } from '../helpers/memory-cluster.js';
import { APP, NOW, NS, cluster, configMapYaml, deploymentYaml, deps, jobYaml, manifests, stepData } from './step-fixtures.js';

const planner = vi.hoisted(() => ({ calls: 0 }));
vi.mock('../../src/plan/index.js', async (importOriginal) => {
  const original = await importOriginal<typeof PlanModule>();
  return { ...original, plan: (...args: Parameters<typeof original.plan>) => (planner.calls++, original.plan(...args)) };
});

function prepare(c: MemoryCluster, docs: string[], input: Partial<PrepareInput> = {}): Promise<StepResult> {
  const data = stepData([], { kind: 'prepare', prepare: { manifests: manifests(...docs), startedAt: new Date(NOW).toISOString(), createNamespace: false, pruneLast: false, inventory: [], ...input } });
  return runStep(data, deps(c));
}

describe('prepare: one plan', () => {
  it('should plan once without prune candidates, and again with them only when there are some', async () => {
    const c = cluster();
    planner.calls = 0;
    const once = await prepare(c, [deploymentYaml('web'), configMapYaml('cfg'), jobYaml('pre', 'PreSync')]);
    expect(once.plan?.map((t) => t.key)).toEqual(['batch/Job/app/pre:PreSync', '/ConfigMap/app/cfg:Sync', 'apps/Deployment/app/web:Sync']);
    expect(planner.calls).toBe(1);
    await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: NS, labels: { 'hookrunner.io/app': APP }, annotations: { 'hookrunner.io/tracking-id': `${APP}:/ConfigMap:${NS}/old` } } });
    planner.calls = 0;
    const twice = await prepare(c, [configMapYaml('cfg')]);
    expect(twice.plan?.map((t) => [t.name, t.prune])).toEqual([['cfg', false], ['old', true]]);
    expect(planner.calls).toBe(2);
  });
});
