import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClusterClient } from '../../src/cluster/index.js';
import type { KubeClusterClient, WatchEvent } from '../../src/cluster/index.js';
import type { Logger } from '../../src/util/index.js';
import { kubeconfigYaml, sendJson, startScriptedServer } from './scripted-server.js';
import type { ScriptedServer } from './scripted-server.js';

/**
 * A watch whose connection stays open but goes silent (PERF-RELIABILITY §7 item 7, "a watch that
 * drops silently: the periodic resync recovers"): a scripted server that never sends an event
 * while its list changes. The dev cluster cannot lose events on purpose, so this one is scripted.
 */
let dir: string;
let server: ScriptedServer | undefined;
let client: KubeClusterClient | undefined;
const openWatches: ServerResponse[] = [];
let state: Record<string, { rv: string; uid: string }>;
let listRv: number;
let messages: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hookrunner-watch-resync-'));
  state = { a: { rv: '10', uid: 'ua' }, b: { rv: '11', uid: 'ub' } };
  listRv = 11;
  messages = [];
});
afterEach(async () => {
  client?.close();
  client = undefined;
  for (const res of openWatches.splice(0)) res.destroy();
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const logger: Logger = {
  debug: (m) => messages.push(m),
  info: (m) => messages.push(m),
  warn: (m) => messages.push(m),
  error: (m) => messages.push(m),
};

async function connect(options: { resyncMs?: number; watchIdleTimeoutMs?: number }): Promise<KubeClusterClient> {
  server = await startScriptedServer((req, res) => {
    if (req.url.includes('watch=true')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      openWatches.push(res); // silent: never an event
      return;
    }
    const items = Object.entries(state).map(([name, s]) => ({ metadata: { name, namespace: 'app', resourceVersion: s.rv, uid: s.uid }, data: {} }));
    sendJson(res, 200, { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: String(listRv) }, items });
  });
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, kubeconfigYaml(server.url, { namespace: 'app' }));
  client = createClusterClient({ kubeconfig: file, logger, retry: { attempts: 2, initialMs: 1, maxMs: 5 }, ...options });
  return client;
}

function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (check()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`gave up waiting for ${what}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

describe('when the watch connection is open but silent', () => {
  it('should emit the initial list, then what the periodic re-list finds changed', async () => {
    const c = await connect({ resyncMs: 50 });
    const events: string[] = [];
    const handle = c.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app' }, {}, (e: WatchEvent) =>
      events.push(`${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`),
    );
    await handle.ready;
    expect(events).toEqual(['ADDED a 10', 'ADDED b 11']);
    expect(server?.requests.find((r) => r.url.includes('watch=true'))?.url).toContain('resourceVersion=11&allowWatchBookmarks=true');

    state = { a: { rv: '12', uid: 'ua' }, c: { rv: '13', uid: 'uc' } };
    listRv = 13;
    await until(() => events.length >= 5, 'the resync to report the changes');
    expect(events.slice(2).sort()).toEqual(['ADDED c 13', 'DELETED b 11', 'MODIFIED a 12']);

    // nothing changed: further re-lists emit nothing
    const count = events.length;
    await until(() => messages.filter((m) => m === 'watch re-listed').length >= 4, 'two more re-lists');
    expect(events).toHaveLength(count);

    // re-created under the same name: the old one is deleted, the new one added
    state = { a: { rv: '14', uid: 'ua-2' }, c: { rv: '13', uid: 'uc' } };
    listRv = 14;
    await until(() => events.length >= count + 2, 'the re-creation to be reported');
    expect(events.slice(count)).toEqual(['DELETED a 12', 'ADDED a 14']);
    handle.stop();
  });

  it('should drop an idle connection and resume from the last resourceVersion', async () => {
    const c = await connect({ resyncMs: 60_000, watchIdleTimeoutMs: 50 });
    const handle = c.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app' }, {}, () => undefined);
    await handle.ready;
    await until(() => (server?.requests.filter((r) => r.url.includes('watch=true')).length ?? 0) >= 3, 'two reconnects');
    const watches = server?.requests.filter((r) => r.url.includes('watch=true')) ?? [];
    for (const w of watches) expect(w.url).toContain('resourceVersion=11');
    expect(messages).toContain('watch idle, reconnecting');
    handle.stop();
  });
});
