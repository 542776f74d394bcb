/** `Prune=confirm` and `Delete=confirm` in the state machine (src/sync/confirmation.ts, docs/semantics.md §9.1, §11). */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/manifests/index.js';
import { plan } from '../../src/plan/index.js';
import { advance, confirmOperation, recordStepResult, requestTermination, resultFor, startOperation } from '../../src/sync/index.js';
import type { Operation, OperationSpec } from '../../src/sync/index.js';
import { manifest } from '../helpers/builders.js';

const NOW = 1_800_000_000_000;
const cm = (name: string, options?: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'app', uid: `u-${name}`, ...(options ? { annotations: { 'argocd.argoproj.io/sync-options': options } } : {}) } });

/** An operation whose prepare step planned `keep` and prunes of `live`. */
function prepared(live: KubeObject[], extra: Partial<OperationSpec> = {}): Operation {
  const spec: OperationSpec = { app: 'lab', namespace: 'app', revision: 'r', manifests: [manifest(cm('keep'), 'm.yaml', 1)], warnings: [], createNamespace: false, prune: true, pruneLast: false, dryRun: false, timeoutMs: 60_000, hookTimeoutMs: 30_000, waveDelayMs: 0, initiatedBy: 'test', ...extra };
  const op = advance(startOperation({ id: 'op1', spec, now: NOW }), NOW);
  const step = op.step;
  if (!step) throw new Error('no prepare step');
  const tasks = plan(spec.manifests, { namespace: 'app', startedAt: new Date(NOW), pruneCandidates: live, deletion: spec.deletion !== undefined }).tasks;
  return recordStepResult(op.op, { stepId: step.id, operationId: 'op1', results: [], plan: tasks, finishedAt: NOW });
}

describe('Prune=confirm', () => {
  it('should hold the operation Running without a step, naming what waits, until confirmed', () => {
    const held = advance(prepared([cm('old', 'Prune=confirm'), cm('older', 'Prune=confirm')]), NOW + 1);
    expect(held.step).toBeUndefined();
    expect(held.op).toMatchObject({ phase: 'Running', message: 'waiting for pruning confirmation of /ConfigMap/old and 1 more resource', awaitingConfirmation: { kind: 'pruning', since: NOW + 1 } });
    expect(advance(held.op, NOW + 2).op).toBe(held.op); // nothing changes while it waits

    const confirmed = confirmOperation(held.op, 'api', NOW + 3);
    expect(confirmed.confirmed).toEqual({ at: NOW + 3, by: 'api' });
    expect(confirmed.awaitingConfirmation).toBeUndefined();
    expect(advance(confirmed, NOW + 4).step).toMatchObject({ kind: 'wave', taskKeys: ['/ConfigMap/app/keep:Sync', '/ConfigMap/app/old:Sync', '/ConfigMap/app/older:Sync'] });
  });

  it('should end a chained step before a wave with a prune to confirm, and hold there', () => {
    const first: KubeObject = { ...cm('first'), metadata: { ...cm('first').metadata, annotations: { 'argocd.argoproj.io/sync-wave': '-1' } } };
    const op = prepared([cm('old', 'Prune=confirm')], { manifests: [manifest(first, 'm.yaml', 1), manifest(cm('keep'), 'm.yaml', 2)] });
    const step = advance(op, NOW).step;
    expect(step).toMatchObject({ kind: 'wave', wave: -1, taskKeys: ['/ConfigMap/app/first:Sync'] });
    expect(step?.links).toBeUndefined();
    const firstTask = op.plan?.find((t) => t.name === 'first');
    if (!firstTask) throw new Error('no task first');
    const ran = recordStepResult(advance(op, NOW).op, { stepId: step?.id ?? '', operationId: 'op1', results: [resultFor(firstTask, { status: 'Synced', hookPhase: 'Succeeded', message: 'ok' })], finishedAt: NOW });
    const next = advance(ran, NOW + 1);
    expect(next.step).toBeUndefined();
    expect(next.op.awaitingConfirmation).toMatchObject({ kind: 'pruning' });
  });

  it('should take the application option when the object has none, the object’s value winning; and not hold a sync that does not prune', () => {
    expect(advance(prepared([cm('old')], { syncOptions: ['Prune=confirm'] }), NOW).op.awaitingConfirmation).toBeDefined();
    expect(advance(prepared([cm('old', 'Prune=true')], { syncOptions: ['Prune=confirm'] }), NOW).step?.kind).toBe('wave');
    expect(advance(prepared([cm('old', 'Prune=confirm')], { prune: false }), NOW).step?.kind).toBe('wave');
  });

  it('should fail by the operation deadline while it waits, no longer waiting; and not hold a dry run', () => {
    const held = advance(prepared([cm('old', 'Prune=confirm')]), NOW).op;
    const timedOut = advance(requestTermination(held, 'timeout', NOW + 61_000), NOW + 61_000);
    expect(timedOut.op).toMatchObject({ phase: 'Failed', message: 'operation timed out after 1m' });
    expect(timedOut.op.awaitingConfirmation).toBeUndefined();
    expect(requestTermination(held, 'user', NOW).awaitingConfirmation).toBeUndefined();
    expect(advance(prepared([cm('old', 'Prune=confirm')], { dryRun: true }), NOW).step?.kind).toBe('wave');
  });
});

describe('Delete=confirm', () => {
  it('should hold the whole Delete phase when one object needs a confirmation, Delete=false ones aside', () => {
    const held = advance(prepared([cm('a'), cm('b', 'Delete=confirm'), cm('c', 'Delete=false')], { deletion: { cascade: 'foreground' }, manifests: [] }), NOW);
    expect(held.step).toBeUndefined();
    expect(held.op.message).toBe('waiting for deletion confirmation of /ConfigMap/b');
    expect(advance(confirmOperation(held.op, 'api', NOW), NOW).step?.kind).toBe('wave');
    expect(advance(prepared([cm('a'), cm('c', 'Delete=false')], { deletion: { cascade: 'foreground' }, manifests: [], syncOptions: ['Delete=confirm'] }), NOW).op.message).toBe('waiting for deletion confirmation of /ConfigMap/a');
  });
});
