/** Automated syncs asked for by pushes (C4): started in the background, or queued behind the running operation and started when it ends. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAutoSync } from '../../src/api/auto-sync.js';
import type { AutoSyncOptions } from '../../src/api/auto-sync.js';
import { operationRunning } from '../../src/api/sync-service.js';
import type { SyncRequest } from '../../src/api/sync-service.js';
import type { ApplicationRecord } from '../../src/store/index.js';
import type { Operation } from '../../src/sync/index.js';

const record = (name: string, automated = true): ApplicationRecord => ({
  name,
  manifest: {},
  source: { repoURL: 'file:///srv/git/lab.git', path: '.', targetRevision: 'main' },
  destination: { namespace: name },
  syncPolicy: { syncOptions: [], ...(automated ? { automated: {} } : {}) },
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
});

const finished = (id: string, app: string): Operation => ({ id, app, phase: 'Succeeded' }) as Operation;
const running = (id: string, app: string): Operation => ({ id, app, phase: 'Running' }) as Operation;

/** An application store (the resync set in memory) and a sync service whose running operations and start outcomes a test sets. */
function fakes(options: { apps?: ApplicationRecord[]; running?: (app: string) => string | undefined; start?: (request: SyncRequest) => Operation } = {}) {
  const apps = new Map((options.apps ?? []).map((a) => [a.name, a]));
  const resync = new Set<string>();
  const started: SyncRequest[] = [];
  const logs: string[] = [];
  const deps: AutoSyncOptions = {
    applications: {
      getApplication: (name) => Promise.resolve(apps.get(name)),
      requestResync: (name) => Promise.resolve(void resync.add(name)),
      takeResync: (name) => Promise.resolve(resync.delete(name)),
    },
    sync: {
      runningOperation: (app) => Promise.resolve(options.running?.(app)),
      start: (request) => {
        started.push(request);
        try {
          return Promise.resolve(options.start ? options.start(request) : ({ id: `op-${started.length}`, revision: 'abc' } as Operation));
        } catch (err) {
          return Promise.reject(err);
        }
      },
    },
    logger: pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) }),
  };
  return { deps, apps, resync, started, logs };
}

describe('when a push asks for an automated sync', () => {
  it('should start it in the background when nothing runs', async () => {
    const f = fakes();
    const auto = createAutoSync(f.deps);
    expect(await auto.request(record('a'), 'webhook (github push to refs/heads/main)')).toEqual({ app: 'a', status: 'starting' });
    await auto.close();
    expect(f.started.map((r) => [r.app.name, r.initiatedBy, r.automated])).toEqual([['a', 'webhook (github push to refs/heads/main)', true]]);
  });

  it('should queue it in the resync set while an operation runs, and start nothing yet', async () => {
    const f = fakes({ running: () => 'op-9' });
    const auto = createAutoSync(f.deps);
    expect(await auto.request(record('a'), 'push')).toEqual({ app: 'a', status: 'queued', runningOperation: 'op-9' });
    await auto.close();
    expect([...f.resync]).toEqual(['a']);
    expect(f.started).toEqual([]);
  });

  it('should start it itself when the operation ended before the request was recorded (nobody else would see it)', async () => {
    let calls = 0;
    const f = fakes({ running: () => (++calls === 1 ? 'op-9' : undefined) });
    const auto = createAutoSync(f.deps);
    expect(await auto.request(record('a'), 'push')).toEqual({ app: 'a', status: 'starting' });
    await auto.close();
    expect(f.resync.size).toBe(0);
    expect(f.started).toHaveLength(1);
  });

  it('should queue it when the background start finds an operation begun meanwhile (409)', async () => {
    const f = fakes({ running: (app) => (f.started.length > 0 ? `op-of-${app}` : undefined), start: (r) => { throw operationRunning(r.app.name, 'op-other'); } });
    const auto = createAutoSync(f.deps);
    expect(await auto.request(record('a'), 'push')).toEqual({ app: 'a', status: 'starting' });
    await auto.close();
    expect([...f.resync]).toEqual(['a']);
    expect(f.logs.some((l) => l.includes('automated sync queued until the running operation ends'))).toBe(true);
  });
});

describe('when an operation ends', () => {
  it('should start the queued sync of its application once, however often the end is reported', async () => {
    const f = fakes({ apps: [record('a')] });
    f.resync.add('a');
    const auto = createAutoSync(f.deps);
    await auto.onTransition(undefined, running('op-1', 'a'));
    expect(f.resync.has('a')).toBe(true);
    await auto.onTransition(running('op-1', 'a'), finished('op-1', 'a'));
    await auto.onTransition(finished('op-1', 'a'), finished('op-1', 'a'));
    await auto.close();
    expect(f.started.map((r) => [r.app.name, r.initiatedBy])).toEqual([['a', 'webhook (a push arrived while op-1 ran)']]);
    expect(f.resync.size).toBe(0);
  });

  it('should start nothing without a queued request, and drop one whose application is no longer automated', async () => {
    const f = fakes({ apps: [record('a'), record('manual', false)] });
    f.resync.add('manual');
    const auto = createAutoSync(f.deps);
    await auto.onTransition(undefined, finished('op-1', 'a'));
    await auto.onTransition(undefined, finished('op-2', 'manual'));
    await auto.close();
    expect(f.started).toEqual([]);
    expect(f.resync.size).toBe(0);
    expect(f.logs.some((l) => l.includes('queued automated sync dropped'))).toBe(true);
  });

  it('should log a queued sync that cannot start', async () => {
    const f = fakes({ apps: [record('a')], start: () => { throw new Error('git unreachable'); } });
    f.resync.add('a');
    const auto = createAutoSync(f.deps);
    await auto.onTransition(undefined, finished('op-1', 'a'));
    await auto.close();
    expect(f.logs.some((l) => l.includes('automated sync of a could not start: git unreachable'))).toBe(true);
  });
});
