import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAutomation } from '../../src/api/automation.js';
import type { SyncRequest } from '../../src/api/sync-service.js';
import type { ApplicationStatus, ConditionType, ResourceStatus } from '../../src/status/index.js';
import type { ApplicationRecord } from '../../src/store/index.js';
import type { Operation } from '../../src/sync/index.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function app(automated: ApplicationRecord['syncPolicy']['automated']): ApplicationRecord {
  return { name: 'shop', manifest: {}, source: { repoURL: 'file:///r', path: 'app', targetRevision: 'main' }, destination: { namespace: 'shop' }, syncPolicy: { syncOptions: [], ...(automated ? { automated } : {}) }, createdAt: '', updatedAt: '' };
}
const resource = (name: string, status: ResourceStatus['status'], extra: Partial<ResourceStatus> = {}): ResourceStatus => ({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name, status, ...extra });
function status(sync: ApplicationStatus['sync']['status'], revision: string, resources: ResourceStatus[]): ApplicationStatus {
  return { sync: { status: sync, revision, comparedTo: { source: { repoURL: '', path: '', targetRevision: 'main' } } }, health: { status: 'Healthy' }, resources, reconciledAt: 'now', conditions: [] };
}
const lastOp = (revision: string, phase: Operation['phase']): Operation => ({ id: 'op-1', revision, phase, message: 'boom', spec: { dryRun: false } } as unknown as Operation);

/** The automation over fakes: what it started, the conditions it set. */
function harness(record: ApplicationRecord, history: Operation[] = []) {
  let current = status('Synced', 'a'.repeat(40), []);
  let found: { revision: string; reason: string } | undefined;
  const started: SyncRequest[] = [];
  const conditions = new Map<ConditionType, string>();
  const automation = createAutomation({
    applications: { getApplication: async () => record },
    store: { history: async () => history.map((o) => o.id), getOperation: async (id) => history.find((o) => o.id === id) },
    sync: {
      start: async (request) => {
        started.push(request);
        history.unshift({ id: `op-${started.length + 1}`, revision: current.sync.revision ?? '', phase: 'Succeeded', message: '', spec: { dryRun: false } } as unknown as Operation);
        return history[0] as Operation;
      },
      runningOperation: async () => undefined,
    },
    status: {
      refresh: async () => current,
      status: () => current,
      foundBy: () => found,
      setCondition: (_name, type, message) => (message === undefined ? conditions.delete(type) : conditions.set(type, message)),
    },
    selfHeal: { timeoutMs: 20, factor: 2, loopLimit: 2, loopWindowMs: 60_000 },
    logger: pino({ level: 'silent' }),
  });
  return {
    automation,
    started,
    conditions,
    /** The reason of the source read that first saw a revision. */
    found(revision: string, reason: string) {
      found = { revision, reason };
    },
    set(next: ApplicationStatus) {
      current = next;
      automation.onStatus('shop', next);
    },
  };
}

const REV = 'b'.repeat(40);

describe('automated sync decisions', () => {
  it('should do nothing for an application without syncPolicy.automated', async () => {
    const h = harness(app(undefined));
    h.set(status('OutOfSync', REV, [resource('web', 'OutOfSync')]));
    await sleep(20);
    await h.automation.close();
    expect(h.started).toEqual([]);
  });

  it('should sync a new revision, naming its trigger and the last synced one', async () => {
    const h = harness(app({}), [lastOp('c'.repeat(40), 'Succeeded')]);
    h.found(REV, 'git poll (every 3m)');
    h.set(status('OutOfSync', REV, [resource('web', 'OutOfSync')]));
    await sleep(20);
    await h.automation.close();
    expect(h.started).toEqual([expect.objectContaining({ initiatedBy: 'automated: git poll (every 3m): new revision bbbbbbb (last synced ccccccc)', automated: true })]);
    expect(h.started[0]?.resources).toBeUndefined();
  });

  it('should not retry a revision whose last attempt failed, saying so in a SyncError condition', async () => {
    const h = harness(app({ selfHeal: true }), [lastOp(REV, 'Failed')]);
    h.set(status('OutOfSync', REV, [resource('web', 'OutOfSync')]));
    await sleep(60);
    await h.automation.close();
    expect(h.started).toEqual([]);
    expect(h.conditions.get('SyncError')).toBe('failed sync attempt to bbbbbbb: boom; automated sync waits for a new revision or a manual sync');
  });

  it('should refuse to prune every resource without allowEmpty, and do it with allowEmpty', async () => {
    const empty = status('OutOfSync', REV, [resource('web', 'OutOfSync', { requiresPruning: true })]);
    const refused = harness(app({ prune: true }), [lastOp('c'.repeat(40), 'Succeeded')]);
    refused.set(empty);
    await sleep(20);
    await refused.automation.close();
    expect(refused.started).toEqual([]);
    expect(refused.conditions.get('SyncError')).toMatch(/^auto-sync would delete every resource of the application .*allowEmpty/);
    const allowed = harness(app({ prune: true, allowEmpty: true }), [lastOp('c'.repeat(40), 'Succeeded')]);
    allowed.set(empty);
    await sleep(20);
    await allowed.automation.close();
    expect(allowed.started).toHaveLength(1);
  });

  it('should leave drift alone without selfHeal', async () => {
    const h = harness(app({}), [lastOp(REV, 'Succeeded')]);
    h.set(status('OutOfSync', REV, [resource('web', 'OutOfSync')]));
    await sleep(60);
    await h.automation.close();
    expect(h.started).toEqual([]);
  });

  it('should self-heal only the drifted resources after the debounce, wait longer each time, and stop a loop', async () => {
    const h = harness(app({ selfHeal: true }), [lastOp(REV, 'Succeeded')]);
    const drifted = status('OutOfSync', REV, [resource('web', 'OutOfSync'), resource('api', 'Synced'), resource('old', 'OutOfSync', { requiresPruning: true })]);
    h.set(drifted);
    await sleep(5);
    expect(h.started).toHaveLength(0); // the debounce
    await sleep(150);
    expect(h.started.map((s) => s.initiatedBy)).toEqual([`automated: self-heal #1 (Deployment shop/web drifted from bbbbbbb)`]);
    expect(h.started[0]?.resources).toEqual([{ group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' }]); // not the extraneous one: prune is off
    h.set(drifted);
    await sleep(25);
    expect(h.started).toHaveLength(1); // 20 ms × 2 now
    await sleep(150);
    expect(h.started).toHaveLength(2);
    h.set(drifted);
    await sleep(200);
    expect(h.started).toHaveLength(2);
    expect(h.conditions.get('SelfHealLoop')).toMatch(/^self-heal stopped: Deployment shop\/web, Deployment shop\/old drifted again after each of 2 self-heal syncs within 1m/);
    // A change of the application starts self-heal over.
    h.automation.forget('shop');
    expect(h.conditions.has('SelfHealLoop')).toBe(false);
    h.set(drifted);
    await sleep(150);
    await h.automation.close();
    expect(h.started).toHaveLength(3);
  });

  it('should not self-heal a drift that is gone when the debounce ends', async () => {
    const h = harness(app({ selfHeal: true }), [lastOp(REV, 'Succeeded')]);
    h.set(status('OutOfSync', REV, [resource('web', 'OutOfSync')]));
    h.set(status('Synced', REV, [resource('web', 'Synced')]));
    await sleep(60);
    await h.automation.close();
    expect(h.started).toEqual([]);
  });
});
