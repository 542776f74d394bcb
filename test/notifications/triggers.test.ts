/** What each destination is owed, as the delivery loop will send it: pure, no Redis, no chat server. */
import { describe, expect, it } from 'vitest';
import { destinationKey, finishedPhases, firedTriggers, pendingDeliveries } from '../../src/notifications/index.js';
import type { Delivery, DestinationState } from '../../src/notifications/index.js';
import { plan } from '../../src/plan/index.js';
import { operationSpec, resultFor, startOperation } from '../../src/sync/index.js';
import type { Operation, Subscription, TaskResult } from '../../src/sync/index.js';
import { hook, manifest, newObj } from '../helpers/builders.js';

const START = Date.parse('2026-01-01T00:00:00Z');
const ALL: Subscription = { service: 'slack', recipient: '#deploys', triggers: ['on-sync-running', 'on-sync-succeeded', 'on-sync-failed', 'on-hook-failed'] };

function operation(): Operation {
  const spec = operationSpec({
    app: 'shop',
    namespace: 'shop',
    revision: 'r1',
    initiatedBy: 'test',
    manifests: [manifest(hook('Job', 'migrate', 'PreSync')), manifest(newObj('ConfigMap', 'settings'))],
  });
  const op = startOperation({ id: 'op-1', spec, now: START });
  return { ...op, plan: plan(spec.manifests, { namespace: 'shop', startedAt: new Date(START) }).tasks };
}

function result(op: Operation, name: string, ok: boolean, extra: Partial<TaskResult> = {}): TaskResult {
  const task = op.plan?.find((t) => t.name === name);
  if (!task) throw new Error(`no task ${name}`);
  return { ...resultFor(task, ok ? { message: 'done', status: 'Synced', hookPhase: 'Succeeded' } : { message: 'job failed', status: 'SyncFailed', hookPhase: 'Failed' }), ...extra };
}

const names = (ds: Delivery[]): string[] => ds.map((d) => `${d.kind}:${d.field}`);

describe('notification triggers', () => {
  it('should name a destination service:recipient', () => {
    expect(destinationKey(ALL)).toBe('slack:#deploys');
  });

  it('should post the parent once while running, nothing more until something changes', () => {
    const op = operation();
    const first = pendingDeliveries(op, ALL, {});
    expect(names(first)).toEqual(['parent:parent']);
    const parent = first[0];
    if (parent?.kind !== 'parent') throw new Error('expected a parent');
    expect(parent.idempotencyKey).toBe('op-1/slack:#deploys/parent');
    const state: DestinationState = { parent: '{"ts":"1"}', parentHash: parent.hash, parentEarly: '1' };
    expect(pendingDeliveries(op, ALL, state)).toEqual([]);
  });

  it('should update the parent in place and reply once per finished phase', () => {
    const op = operation();
    const parent = pendingDeliveries(op, ALL, {})[0];
    if (parent?.kind !== 'parent') throw new Error('expected a parent');
    const later: Operation = { ...op, results: [result(op, 'migrate', true)], message: 'PreSync done' };
    expect(finishedPhases(later)).toEqual(['PreSync']);
    const owed = pendingDeliveries(later, ALL, { parent: '{"ts":"1"}', parentHash: parent.hash, parentEarly: '1' });
    expect(names(owed)).toEqual(['update:lastUpdate', 'reply:phase:0:PreSync']);
    expect(owed[1]?.message.text).toContain('PreSync done (1 task) for shop');
    expect(names(pendingDeliveries(later, ALL, { parent: '{"ts":"1"}', parentHash: owed[0]?.kind === 'update' ? owed[0].hash : '', parentEarly: '1', 'phase:0:PreSync': '1' }))).toEqual([]);
  });

  it('should reply for each failed hook with its log excerpt, and the outcome when the parent was posted early', () => {
    const op = operation();
    const failed: Operation = {
      ...op,
      phase: 'Failed',
      message: 'one or more synchronization tasks completed unsuccessfully',
      finishedAt: new Date(START + 5_000).toISOString(),
      results: [result(op, 'migrate', false, { logs: [{ pod: 'migrate-x', container: 'main', log: 'ERROR: relation "users" exists', truncated: false }] })],
    };
    expect(firedTriggers(failed)).toEqual({ 'on-sync-running': true, 'on-sync-succeeded': false, 'on-sync-failed': true, 'on-hook-failed': true });
    const owed = pendingDeliveries(failed, ALL, { parent: '{"ts":"1"}', parentHash: 'old', parentEarly: '1' });
    expect(names(owed)).toEqual(['update:lastUpdate', 'reply:phase:0:PreSync', 'reply:hook:0:batch/Job/shop/migrate:PreSync', 'reply:final']);
    expect(JSON.stringify(owed[2]?.message)).toContain('relation \\"users\\" exists');
    // Posted only at the end: the parent itself tells the outcome, no extra reply.
    expect(names(pendingDeliveries(failed, ALL, {}))).not.toContain('reply:final');
  });

  it('should report phases and failed hooks again for a retried attempt (§10.3)', () => {
    const op = operation();
    const retried: Operation = { ...op, retryCount: 1, results: [result(op, 'migrate', true)] };
    const owed = pendingDeliveries(retried, ALL, { parent: '{"ts":"1"}', parentHash: 'x', parentEarly: '1', 'phase:0:PreSync': '1' });
    expect(names(owed)).toContain('reply:phase:1:PreSync');
  });

  it('should owe nothing to a destination whose triggers do not fire', () => {
    const op = operation();
    const onlySuccess: Subscription = { ...ALL, triggers: ['on-sync-succeeded'] };
    expect(pendingDeliveries(op, onlySuccess, {})).toEqual([]);
    const done: Operation = { ...op, phase: 'Succeeded', finishedAt: new Date(START).toISOString() };
    expect(names(pendingDeliveries(done, onlySuccess, {}))).toEqual(['parent:parent']);
  });

  it('should keep secrets out of every message', () => {
    const op = operation();
    const leaky: Operation = { ...op, phase: 'Failed', finishedAt: new Date(START).toISOString(), message: 'token xoxb-123-secret refused', results: [result(op, 'migrate', false, { message: 'xoxb-123-secret' })] };
    for (const d of pendingDeliveries(leaky, ALL, {}, ['xoxb-123-secret'])) expect(JSON.stringify(d.message)).not.toContain('xoxb-123-secret');
  });
});
