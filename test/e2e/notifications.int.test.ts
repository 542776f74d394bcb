/**
 * Chat notifications end to end: the lab's PreSync check and notifier Jobs (hookrunner's own
 * images, run by the dev cluster as `hookrunner check` / `hookrunner notify`) against the local
 * Mattermost, and the built-in triggers: one parent message per operation updated in place, a
 * threaded reply per phase, no duplicates across redeliveries and orchestrator restarts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointAtLocalMattermost } from '../../src/cli/demo.js';
import { notifierFactory } from '../../src/notifications/index.js';
import { freePort } from '../../src/engine/index.js';
import { spawnWorker, startEngine } from '../../src/engine/index.js';
import type { WorkerProcess } from '../../src/engine/index.js';
import { loadManifests } from '../../src/manifests/index.js';
import type { Manifest } from '../../src/manifests/index.js';
import type { OperationSpec, Subscription } from '../../src/sync/index.js';
import { startMattermostServer } from '../helpers/chat-servers.js';
import type { MattermostServer } from '../helpers/chat-servers.js';
import { testBackends } from '../helpers/backends.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startKubeProxy } from '../helpers/kube-proxy.js';
import type { KubeProxy } from '../helpers/kube-proxy.js';

const TOKEN = 'ot3edzrgw7yrzxtoaxpi7hu4dw';
const EXAMPLE = resolve(import.meta.dirname, '..', '..', 'examples', 'sync-phases');
const LAB_CHANNEL = 'argocdorg/argocd-test-phases';
const BUILT_IN: Subscription = { service: 'mattermost', recipient: 'argocdorg/hookrunner', triggers: ['on-sync-running', 'on-sync-succeeded', 'on-sync-failed', 'on-hook-failed'] };

async function labManifests(mattermostPort: number, checkPort = mattermostPort): Promise<Manifest[]> {
  const { manifests } = await loadManifests([EXAMPLE]);
  pointAtLocalMattermost(manifests, mattermostPort);
  if (checkPort !== mattermostPort) {
    const pre = manifests.find((m) => m.object.metadata.name === 'health-check-pre-job');
    const spec = pre?.object['spec'] as { template: { spec: { containers: { args: string[] }[] } } };
    const container = spec.template.spec.containers[0];
    if (container) container.args = container.args.map((a) => a.replace(`:${mattermostPort}`, `:${checkPort}`));
  }
  return manifests;
}

describe.each(testBackends())('notifications on the %s cluster', (backend) => {
  let mm: MattermostServer;
  let h: Harness;
  beforeAll(async () => {
    mm = await startMattermostServer({ token: TOKEN, teams: { argocdorg: ['argocd-test-phases', 'hookrunner'] } });
    h = await startHarness({ backend, notifications: notifierFactory({ MATTERMOST_URL: mm.url, MATTERMOST_TOKEN: TOKEN }, process.stderr) });
  });
  afterAll(async () => {
    await h?.close();
    await mm?.close();
  });
  const posts = (channel: string): typeof mm.posts => mm.posts.filter((p) => p.channel === channel);

  it('the lab succeeds: hookrunner check passes against a live Mattermost, the post-job posts "Sync OK" once', async () => {
    const before = posts(LAB_CHANNEL).length;
    const op = await h.sync([], { app: 'nt-ok', namespace: 'nt-ok', manifests: await labManifests(mm.port) });
    expect(op.phase, op.message).toBe('Succeeded');
    expect(op.results.find((r) => r.name === 'health-check-pre-job')?.logs?.[0]?.log).toMatch(/^OK http:\/\/127\.0\.0\.1:\d+ → 200/);
    expect(posts(LAB_CHANNEL).slice(before).map((p) => p.message)).toEqual(['MESSAGE FROM ARGOCD: The last sync is: ✅ Sync OK']);
  });

  it('a dead endpoint fails the PreSync phase; the fail-job posts "Sync Failed" once', async () => {
    const before = posts(LAB_CHANNEL).length;
    const dead = await freePort();
    const op = await h.sync([], { app: 'nt-dead', namespace: 'nt-dead', manifests: await labManifests(mm.port, dead) });
    expect(op.phase).toBe('Failed');
    expect(op.results.find((r) => r.name === 'health-check-pre-job')?.logs?.[0]?.log).toMatch(new RegExp(`FAIL http://127\\.0\\.0\\.1:${dead}: .*refused`));
    expect(op.results.some((r) => r.syncPhase === 'Sync')).toBe(false);
    expect(posts(LAB_CHANNEL).slice(before).map((p) => p.message)).toEqual(['MESSAGE FROM ARGOCD: The last sync is: ❌ Sync Failed']);
  });

  it('built-in triggers: one parent message updated in place, one threaded reply per phase and one for the outcome', async () => {
    const op = await h.sync([], { app: 'nt-builtin', namespace: 'nt-builtin', manifests: await labManifests(mm.port), notifications: [BUILT_IN] });
    expect(op.phase).toBe('Succeeded');
    expect(await h.engine.notifications?.settled(op.id, 20_000)).toBe(true);
    const mine = posts(BUILT_IN.recipient).filter((p) => p.message.includes('nt-builtin') || mm.posts.some((q) => q.id === p.root_id && q.message.includes('nt-builtin')));
    const roots = mine.filter((p) => !p.root_id);
    expect(roots).toHaveLength(1);
    const root = roots[0];
    expect(root?.patches).toBeGreaterThan(0);
    expect(root?.message).toMatch(/succeeded/i);
    const replies = mine.filter((p) => p.root_id === root?.id).map((p) => p.message.split('\n')[0]);
    expect(replies.filter((r) => r?.startsWith('PreSync '))).toHaveLength(1);
    expect(replies.filter((r) => r?.startsWith('Sync '))).toHaveLength(1);
    expect(replies.filter((r) => r?.startsWith('PostSync '))).toHaveLength(1);
    expect(replies).toHaveLength(4); // + the outcome
    const log = await h.engine.store.deliveries(op.id);
    expect(log.every((e) => e.outcome === 'sent' || e.outcome === 'updated')).toBe(true);
  });

  it('a delivery that fails (an unknown channel) never fails the sync; the delivery log says why', async () => {
    const op = await h.sync([], { app: 'nt-badchan', namespace: 'nt-badchan', manifests: await labManifests(mm.port), notifications: [{ ...BUILT_IN, recipient: 'argocdorg/no-such-channel' }] });
    expect(op.phase).toBe('Succeeded');
    expect(await h.engine.notifications?.settled(op.id, 20_000)).toBe(true);
    const log = await h.engine.store.deliveries(op.id);
    expect(log.length).toBeGreaterThan(0);
    expect(log.every((e) => e.outcome === 'failed' && e.destination === 'mattermost:argocdorg/no-such-channel')).toBe(true);
    expect(log[0]?.error).toMatch(/channel/i);
  });

  it('built-in triggers: on-hook-failed replies with the hook, its message and its log', async () => {
    const op = await h.sync([], { app: 'nt-hookfail', namespace: 'nt-hookfail', manifests: await labManifests(mm.port, await freePort()), notifications: [{ ...BUILT_IN, triggers: ['on-sync-failed', 'on-hook-failed'] }] });
    expect(op.phase).toBe('Failed');
    expect(await h.engine.notifications?.settled(op.id, 20_000)).toBe(true);
    const root = posts(BUILT_IN.recipient).find((p) => !p.root_id && p.message.includes('nt-hookfail'));
    expect(root?.message).toMatch(/failed/i);
    const replies = posts(BUILT_IN.recipient).filter((p) => p.root_id === root?.id);
    // No phase replies (on-sync-running is not subscribed): the failed hook, then the outcome.
    expect(replies).toHaveLength(2);
    expect(JSON.stringify(replies[0])).toContain('health-check-pre-job');
    expect(JSON.stringify(replies[0])).toMatch(/FAIL http:\/\/127\.0\.0\.1:\d+/); // its log excerpt
    expect(replies[1]?.message).toMatch(/failed/i);
  });
});

describe.each(testBackends())('notifications survive restarts on the %s cluster', (backend) => {
  let mm: MattermostServer;
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    mm = await startMattermostServer({ token: TOKEN, teams: { argocdorg: ['argocd-test-phases', 'hookrunner'] } });
    h = await startHarness({ backend, workers: false });
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-notify-crash-'));
  });
  afterAll(async () => {
    await h?.close();
    await mm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a worker killed after the post-job ran: the step is redelivered, the Job adopted, "Sync OK" posted once', async () => {
    const workers: WorkerProcess[] = [];
    const proxies: KubeProxy[] = [];
    let killed = 0;
    try {
      for (let w = 0; w < 2; w++) {
        const index = w;
        const proxy = await startKubeProxy({
          target: h.cluster.proxyTarget,
          before: (r) => {
            if (killed === 0 && r.method === 'GET' && /\/pods\/mattermost-post-job-success-[a-z0-9]+\/log/.test(r.path)) {
              killed++;
              workers[index]?.kill('SIGKILL');
              return 'drop';
            }
            return 'forward';
          },
        });
        proxies.push(proxy);
        const kubeconfig = join(dir, `kubeconfig-${w}`);
        await writeFile(kubeconfig, proxy.kubeconfig());
        workers.push(spawnWorker({ redisUrl: h.redisUrl, prefix: h.prefix, kubeconfig }));
      }
      const op = await h.sync([], { app: 'nt-crash', namespace: 'nt-crash', manifests: await labManifests(mm.port) });
      expect(killed).toBe(1);
      expect(op.phase, op.message).toBe('Succeeded');
      expect(postsIn(mm, LAB_CHANNEL).map((p) => p.message)).toEqual(['MESSAGE FROM ARGOCD: The last sync is: ✅ Sync OK']);
      expect((await h.cluster.audit()).filter((e) => e.verb === 'process-started' && e.name?.startsWith('mattermost-post-job-success'))).toHaveLength(1);
    } finally {
      for (const w of workers) w.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      for (const p of proxies) await p.close();
    }
  }, 90_000);
});

describe.each(testBackends())('built-in notifications across an orchestrator restart on the %s cluster', (backend) => {
  let mm: MattermostServer;
  let h: Harness;
  beforeAll(async () => {
    mm = await startMattermostServer({ token: TOKEN, teams: { argocdorg: ['argocd-test-phases', 'hookrunner'] } });
    // Only the orchestrators this test starts and stops handle the operation.
    h = await startHarness({ backend, workers: false, orchestrator: false });
  });
  afterAll(async () => {
    await h?.close();
    await mm?.close();
  });

  it('the orchestrator restarted mid-operation: the parent and every reply are posted once', async () => {
    const notifications = notifierFactory({ MATTERMOST_URL: mm.url, MATTERMOST_TOKEN: TOKEN }, process.stderr);
    const worker = startEngine({ redisUrl: h.redisUrl, prefix: h.prefix, cluster: h.client, orchestrator: false });
    const first = startEngine({ redisUrl: h.redisUrl, prefix: h.prefix, workers: false, notifications, sweepIntervalMs: 1_000 });
    let firstClosed = false;
    let second: ReturnType<typeof startEngine> | undefined;
    try {
      const manifests = await labManifests(mm.port);
      const pre = manifests.find((m) => m.object.metadata.name === 'health-check-pre-job');
      const spec = pre?.object['spec'] as { template: { spec: { containers: Record<string, unknown>[] } } };
      // A slower PreSync check, so the restart lands while the operation runs.
      spec.template.spec.containers[0] = { name: 'health-check', image: 'busybox', command: ['/bin/sh', '-c', 'sleep 1; echo up'] };
      const base: Omit<OperationSpec, 'manifests'> = { app: 'nt-restart', namespace: 'nt-restart', revision: 'r1', warnings: [], createNamespace: true, prune: false, pruneLast: false, dryRun: false, timeoutMs: 60_000, hookTimeoutMs: 30_000, waveDelayMs: 0, initiatedBy: 'test', notifications: [BUILT_IN] };
      const op = await (first.orchestrator as NonNullable<typeof first.orchestrator>).submit({ ...base, manifests });
      for (let i = 0; i < 200 && postsIn(mm, BUILT_IN.recipient).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      await first.close(); // the orchestrator goes away mid-operation (its delivery worker with it)
      firstClosed = true;
      second = startEngine({ redisUrl: h.redisUrl, prefix: h.prefix, workers: false, notifications, sweepIntervalMs: 1_000 });
      const final = await h.waitFor(op.id, 60_000);
      expect(final.phase, final.message).toBe('Succeeded');
      expect(await second.notifications?.settled(op.id, 20_000)).toBe(true);
      const all = postsIn(mm, BUILT_IN.recipient);
      const roots = all.filter((p) => !p.root_id);
      expect(roots).toHaveLength(1);
      const replies = all.filter((p) => p.root_id === roots[0]?.id).map((p) => p.message.split('\n')[0] ?? '');
      expect(new Set(replies).size).toBe(replies.length);
      expect(replies.filter((r) => /^(PreSync|Sync|PostSync) /.test(r))).toHaveLength(3);
    } finally {
      if (!firstClosed) await first.close();
      await second?.close();
      await worker.close();
    }
  }, 90_000);
});

function postsIn(mm: MattermostServer, channel: string): MattermostServer['posts'] {
  return mm.posts.filter((p) => p.channel === channel);
}
