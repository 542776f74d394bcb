/** The prepare step plans once when the application has no prune candidates (issue 13 item 3). */
import { describe, expect, it } from 'vitest';
import { plan } from '../../src/plan/index.js';
import type { PrepareInput } from '../../src/queue/index.js';
import { planOperation } from '../../src/worker/prepare.js';
import type { MemoryCluster } from '../helpers/memory-cluster.js';
import { APP, NOW, NS, cluster, configMapYaml, context, deploymentYaml, deps, jobYaml, manifests } from './step-fixtures.js';

async function planned(c: MemoryCluster, docs: string[]): Promise<{ calls: number; tasks: [string, boolean][] }> {
  let calls = 0;
  const counting: typeof plan = (...args) => (calls++, plan(...args));
  const input: PrepareInput & { manifests: ReturnType<typeof manifests> } = { manifests: manifests(...docs), startedAt: new Date(NOW).toISOString(), createNamespace: false, pruneLast: false, inventory: [] };
  const out = await planOperation(context(), input, true, deps(c), counting);
  return { calls, tasks: out.tasks.map((t) => [t.name, t.prune]) };
}

describe('prepare: one plan', () => {
  it('should plan once without prune candidates, and again with them only when there are some', async () => {
    const c = cluster();
    expect(await planned(c, [deploymentYaml('web'), configMapYaml('cfg'), jobYaml('pre', 'PreSync')])).toEqual({ calls: 1, tasks: [['pre', false], ['cfg', false], ['web', false]] });
    await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: NS, labels: { 'hookrunner.io/app': APP }, annotations: { 'hookrunner.io/tracking-id': `${APP}:/ConfigMap:${NS}/old` } } });
    expect(await planned(c, [configMapYaml('cfg')])).toEqual({ calls: 2, tasks: [['cfg', false], ['old', true]] });
  });
});
