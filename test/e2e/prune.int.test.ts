/**
 * Prune (§4.5): an object this application applied before and no longer declares is deleted when
 * the sync prunes and kept when it does not — on both cluster backends (on the real one, the API
 * server does the deleting).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayStatus, orderedResults } from '../../src/sync/index.js';
import { testBackends } from '../helpers/backends.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

const configMap = (name: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  key: ${name}
`;

describe.each(testBackends())('prune on the %s cluster', (backend) => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness({ backend });
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-prune-'));
  });
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const live = async (namespace: string, name: string): Promise<boolean> => {
    const cm = await h.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });
    return cm !== undefined && !cm.metadata.deletionTimestamp;
  };

  it('keeps a dropped object without prune, deletes it with prune, and reports the pruned row', async () => {
    const app = { app: 'prune-app', namespace: 'prune-app' };
    await writeFile(join(dir, 'keep.yaml'), configMap('keep'));
    await writeFile(join(dir, 'drop.yaml'), configMap('drop'));
    expect((await h.sync([dir], app)).phase).toBe('Succeeded');
    expect(await live(app.namespace, 'drop')).toBe(true);

    await rm(join(dir, 'drop.yaml'));
    const withoutPrune = await h.sync([dir], app);
    expect(withoutPrune.phase).toBe('Succeeded');
    expect(await live(app.namespace, 'drop')).toBe(true);

    const pruned = await h.sync([dir], { ...app, prune: true });
    expect(pruned.phase, pruned.message).toBe('Succeeded');
    expect(orderedResults(pruned).map((r) => `${r.kind} ${r.name} ${displayStatus(r)}`)).toContain('ConfigMap drop Pruned');
    await h.client.waitFor({ apiVersion: 'v1', kind: 'ConfigMap', namespace: app.namespace, name: 'drop' }, (o) => o === undefined, { timeoutMs: 30_000, description: 'ConfigMap drop to be gone' });
    expect(await live(app.namespace, 'keep')).toBe(true);
  });
});
