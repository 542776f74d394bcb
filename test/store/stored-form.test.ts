/** What one save writes (src/store/store.ts storedForm, issue 13): the record without plan objects, the plan once under its key. */
import { describe, expect, it } from 'vitest';
import { storedForm } from '../../src/store/index.js';
import { planHasObjects, syncId } from '../../src/sync/index.js';
import type { StoredPlan } from '../../src/sync/index.js';
import { PLAN_START, operationWithPlan, plannedTasks } from '../helpers/plan-fixtures.js';

const KEY = 'p:op:op-1:plan';

describe('the stored form of an operation', () => {
  it('should split a fresh plan: the record keeps it without objects and names the key, the key holds it whole with its attempt', () => {
    const op = operationWithPlan();
    const { doc, plan } = storedForm(op, KEY);
    expect(doc.planKey).toBe(KEY);
    expect(planHasObjects(doc.plan ?? [])).toBe(false);
    expect(doc.plan?.map((t) => t.key)).toEqual(op.plan?.map((t) => t.key));
    expect(doc.step).toEqual(op.step);
    const stored = JSON.parse(plan ?? 'null') as StoredPlan;
    expect(stored).toEqual({ syncId: syncId(op), tasks: op.plan });
  });

  it('should write nothing more once the record holds the plan without objects (every later transition)', () => {
    const { doc } = storedForm(operationWithPlan(), KEY);
    const later = storedForm({ ...doc, message: 'next wave' }, KEY);
    expect(later.plan).toBeUndefined();
    expect(later.doc.planKey).toBe(KEY);
  });

  it('should split a record an earlier version stored with its plan inline on its next save (migration)', () => {
    const old = operationWithPlan();
    delete old.planKey;
    const { doc, plan } = storedForm(old, KEY);
    expect(doc.planKey).toBe(KEY);
    expect((JSON.parse(plan ?? '{}') as StoredPlan).tasks).toHaveLength(plannedTasks().length);
  });

  it('should keep results and no objects, and no plan key, once the operation finished or waits for a retry', () => {
    const op = operationWithPlan();
    const finished = storedForm({ ...op, phase: 'Succeeded', finishedAt: new Date(PLAN_START).toISOString() }, KEY);
    expect(finished.plan).toBeUndefined();
    expect(finished.doc.planKey).toBeUndefined();
    expect(planHasObjects(finished.doc.plan ?? [])).toBe(false);
    expect(finished.doc.plan).toHaveLength(plannedTasks().length);
    const retrying = storedForm({ ...op, phase: 'Running', retryAt: PLAN_START + 5_000, retryCount: 1 }, KEY);
    expect(retrying.plan).toBeUndefined();
    expect(retrying.doc.planKey).toBeUndefined();
  });

  it('should leave an operation without a plan as it is', () => {
    const op = operationWithPlan();
    delete op.plan;
    expect(storedForm(op, KEY)).toEqual({ doc: op });
  });
});
