/**
 * `Prune=confirm` and `Delete=confirm` (docs/semantics.md §9.1, §11) through the real engine and
 * both cluster backends: the operation holds, shown as waiting, until confirmed — or fails by its
 * deadline, the object kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifestText } from '../../src/manifests/index.js';
import type { Operation } from '../../src/sync/index.js';
import { sleep } from '../../src/util/index.js';
import { testBackends } from '../helpers/backends.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

const cm = (name: string, options = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${options ? `  annotations: { argocd.argoproj.io/sync-options: "${options}" }\n` : ''}data: { k: v }\n`;
const manifests = (...docs: string[]) => parseManifestText(docs.join('---\n'), 'app.yaml').manifests;

describe.each(testBackends())('confirmations on the %s cluster', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend, deadlineGraceMs: 0 });
  });
  afterAll(async () => {
    await h?.close();
  });

  const live = async (ns: string, name: string): Promise<boolean> => (await h.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name })) !== undefined;
  const waiting = async (id: string): Promise<Operation> => {
    const started = Date.now();
    for (;;) {
      const op = await h.engine.store.getOperation(id);
      if (op?.awaitingConfirmation) return op;
      if (!op || Date.now() - started > 20_000) throw new Error(`operation ${id} did not wait for a confirmation: ${op?.phase} ${op?.message}`);
      await sleep(50);
    }
  };

  it('Prune=confirm past the operation deadline: Failed, the object kept', async () => {
    const app = { app: 'confirm-late', namespace: 'confirm-late' };
    expect((await h.sync([], { ...app, manifests: manifests(cm('keep'), cm('old', 'Prune=confirm')) })).phase).toBe('Succeeded');
    const op = await h.sync([], { ...app, manifests: manifests(cm('keep')), prune: true, timeoutMs: 3_000 });
    expect(op.phase).toBe('Failed');
    expect(op.message).toBe('operation timed out after 3s');
    expect(await live(app.namespace, 'old')).toBe(true);
  });

  it('Delete=confirm holds the deletion until confirmed, then every resource goes', async () => {
    const app = { app: 'confirm-delete', namespace: 'confirm-delete' };
    expect((await h.sync([], { ...app, manifests: manifests(cm('plain'), cm('guarded', 'Delete=confirm')) })).phase).toBe('Succeeded');
    const started = await h.submit([], { ...app, manifests: [], deletion: { cascade: 'foreground' } });
    const held = await waiting(started.id);
    expect(held).toMatchObject({ phase: 'Running', message: 'waiting for deletion confirmation of /ConfigMap/guarded' });
    expect(await live(app.namespace, 'plain')).toBe(true);
    await h.engine.orchestrator?.confirm(started.id, 'test');
    const done = await h.waitFor(started.id);
    expect(done.phase, done.message).toBe('Succeeded');
    expect(done.message).toBe('application deleted (all tasks run)');
    expect(await live(app.namespace, 'plain')).toBe(false);
    expect(await live(app.namespace, 'guarded')).toBe(false);
  });
});
