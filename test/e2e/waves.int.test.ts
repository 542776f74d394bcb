/**
 * §5.4 / D2: in a multi-step sync a wave's resources must be healthy before the next wave is
 * applied — judged by status whose observedGeneration caught up with the spec (no stale reads),
 * and with no fixed pause between waves. Ordering is read from the dev cluster's own clock:
 * `rolled-out` is when its controller brought the Deployment's status up to its generation.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/controlplane/index.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

const deployment = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: ${image}
`;
const after = `apiVersion: v1
kind: ConfigMap
metadata:
  name: after
  annotations:
    argocd.argoproj.io/sync-wave: "1"
data:
  ready: "yes"
`;

describe('waves wait for health, not for a clock (§5.4, D2)', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness({ devCluster: { workloadReadyDelayMs: 300 } });
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-waves-'));
  });
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should apply wave 1 only after the wave-0 Deployment rolled out, also after a spec change (observedGeneration)', async () => {
    const ns = 'waves';
    const audit = async (): Promise<AuditEntry[]> => (await h.cluster.audit()).filter((e) => e.namespace === ns);
    await writeFile(join(dir, 'deployment.yaml'), deployment('nginx:1.26'));
    await writeFile(join(dir, 'after.yaml'), after);

    const first = await h.sync([dir], { app: 'waves', namespace: ns });
    expect(first.phase, first.message).toBe('Succeeded');
    const rolled1 = (await audit()).find((e) => e.verb === 'rolled-out' && e.name === 'web');
    const applied1 = (await audit()).find((e) => e.verb === 'patch' && e.name === 'after');
    expect(rolled1 && applied1).toBeTruthy();
    expect(applied1?.time).toBeGreaterThanOrEqual(rolled1?.time ?? Infinity);

    // A new image: generation 2. The old status (observedGeneration 1, all replicas ready) must not count.
    const mark = (await audit()).length;
    await writeFile(join(dir, 'deployment.yaml'), deployment('nginx:1.27'));
    const second = await h.sync([dir], { app: 'waves', namespace: ns });
    expect(second.phase, second.message).toBe('Succeeded');
    const later = (await audit()).slice(mark);
    const changed = later.find((e) => e.verb === 'patch' && e.name === 'web');
    const rolled2 = later.find((e) => e.verb === 'rolled-out' && e.name === 'web');
    const applied2 = later.find((e) => e.verb === 'patch' && e.name === 'after');
    expect(changed && rolled2 && applied2).toBeTruthy();
    expect(rolled2?.time).toBeGreaterThanOrEqual(changed?.time ?? Infinity);
    expect(applied2?.time).toBeGreaterThanOrEqual(rolled2?.time ?? Infinity);
    const web = await h.client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
    expect(web?.metadata.generation).toBe(2);
  });
});
