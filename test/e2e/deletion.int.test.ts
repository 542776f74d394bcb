/**
 * Deleting an application (docs/semantics.md §11) through the real engine — queue, workers, both
 * cluster backends, built-in notifications to a Mattermost on the wire: PreDelete hooks, then the
 * application's live resources (highest wave first, Delete=false kept), then PostDelete hooks. A
 * failing PreDelete hook stops the deletion and keeps every resource.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifestText } from '../../src/manifests/index.js';
import { notifierFactory } from '../../src/notifications/index.js';
import type { Operation, Subscription } from '../../src/sync/index.js';
import { orderedResults } from '../../src/sync/index.js';
import { startMattermostServer } from '../helpers/chat-servers.js';
import type { MattermostServer } from '../helpers/chat-servers.js';
import { testBackends } from '../helpers/backends.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { jobYaml } from '../helpers/lab.js';

const TOKEN = 'ot3edzrgw7yrzxtoaxpi7hu4dw';
const CHAT: Subscription = { service: 'mattermost', recipient: 'argocdorg/hookrunner', triggers: ['on-sync-running', 'on-sync-succeeded', 'on-sync-failed', 'on-hook-failed'] };

const hookJob = (name: string, hook: string, script: string): string => jobYaml(name, script, { 'argocd.argoproj.io/hook': hook });

const source = (preDelete: string): string =>
  [
    hookJob('pre-delete', 'PreDelete', preDelete),
    hookJob('post-delete', 'PostDelete', 'echo cleaned up'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: early }\ndata: { k: v }\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: late, annotations: { argocd.argoproj.io/sync-wave: "1" } }\ndata: { k: v }\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: kept, annotations: { argocd.argoproj.io/sync-options: Delete=false } }\ndata: { k: v }\n`,
  ].join('---\n');

describe.each(testBackends())('deleting an application on the %s cluster', (backend) => {
  let h: Harness;
  let mm: MattermostServer;
  const app = { app: 'deleted', namespace: 'deleted', notifications: [CHAT] };
  const manifests = (preDelete: string) => parseManifestText(source(preDelete), 'app.yaml').manifests;
  const live = async (kind: string, name: string): Promise<boolean> => {
    const obj = await h.client.get({ apiVersion: kind === 'Job' ? 'batch/v1' : 'v1', kind, namespace: app.namespace, name });
    return obj !== undefined && !obj.metadata.deletionTimestamp;
  };
  const run = async (spec: Parameters<Harness['sync']>[1]): Promise<Operation> => h.sync([], spec);

  beforeAll(async () => {
    mm = await startMattermostServer({ token: TOKEN, teams: { argocdorg: ['hookrunner'] } });
    h = await startHarness({ backend, notifications: notifierFactory({ MATTERMOST_URL: mm.url, MATTERMOST_TOKEN: TOKEN }, process.stderr) });
  });
  afterAll(async () => {
    await h?.close();
    await mm?.close();
  });

  it('a sync applies the resources and runs no PreDelete or PostDelete hook', async () => {
    const op = await run({ ...app, manifests: manifests('exit 1'), notifications: [] });
    expect(op.phase, op.message).toBe('Succeeded');
    expect(orderedResults(op).map((r) => `${r.syncPhase} ${r.kind} ${r.name}`)).toEqual(['PreSync Namespace deleted', 'Sync ConfigMap early', 'Sync ConfigMap kept', 'Sync ConfigMap late']);
    expect(await live('Job', 'pre-delete')).toBe(false);
  });

  it('a failing PreDelete hook stops the deletion: every resource kept, the reason given', async () => {
    const op = await run({ ...app, manifests: manifests('echo not now; exit 1'), deletion: { cascade: 'foreground' } });
    expect(op.phase).toBe('Failed');
    expect(op.message).toContain('Job pre-delete');
    const rows = orderedResults(op);
    expect(rows.map((r) => `${r.syncPhase} ${r.name} ${r.hookPhase}`)).toEqual(['PreDelete pre-delete Failed']);
    expect(rows[0]?.logs?.[0]?.log).toContain('not now');
    for (const name of ['early', 'late', 'kept']) expect(await live('ConfigMap', name)).toBe(true);
  });

  it('a succeeding PreDelete hook: the resources are deleted highest wave first, Delete=false kept, PostDelete run, chat told', async () => {
    const before = mm.posts.length;
    const op = await run({ ...app, manifests: manifests('echo bye'), deletion: { cascade: 'foreground' } });
    expect(op.phase, op.message).toBe('Succeeded');
    expect(orderedResults(op).map((r) => `${r.syncPhase} ${r.kind} ${r.name} ${r.status ?? ''} ${r.message}`)).toEqual([
      'PreDelete Job pre-delete Synced Reached expected number of succeeded pods',
      'Delete ConfigMap late Pruned pruned',
      'Delete ConfigMap early Pruned pruned',
      'Delete ConfigMap kept PruneSkipped ignored (Delete=false)',
      // The failed attempt's instance was replaced by BeforeHookCreation; the cascade deletes the live one (as Argo CD).
      'Delete Job pre-delete Pruned pruned',
      // The Namespace CreateNamespace made is not the app's (§9.11), so it stays.
      'PostDelete Job post-delete Synced Reached expected number of succeeded pods',
    ]);
    expect(await live('Job', 'pre-delete')).toBe(false);
    expect(await live('Job', 'post-delete')).toBe(true);
    for (const name of ['early', 'late']) expect(await live('ConfigMap', name)).toBe(false);
    expect(await live('ConfigMap', 'kept')).toBe(true);
    // The outcome is posted after the operation finished: wait for the deliveries to settle.
    expect(await h.engine.notifications?.settled(op.id, 20_000)).toBe(true);
    const messages = mm.posts.slice(before).map((p) => p.message).join('\n');
    expect(messages).toContain('deleted: deletion succeeded');
  });
});
