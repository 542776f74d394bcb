/** A step's payload names its tasks and the plan key (src/orchestrator/step-payload.ts, issue 13). */
import { describe, expect, it } from 'vitest';
import { inventoryChanges, stepPayload } from '../../src/orchestrator/step-payload.js';
import { storedForm } from '../../src/store/index.js';
import { resultFor } from '../../src/sync/index.js';
import { operationWithPlan } from '../helpers/plan-fixtures.js';

const KEY = 'p:op:op-1:plan';

describe('the payload of a wave step', () => {
  it('should carry the plan key and the step\'s task keys, not the tasks, once the store keeps the plan apart', () => {
    const { doc } = storedForm(operationWithPlan(), KEY);
    expect(doc.step?.kind).toBe('wave');
    const data = stepPayload(doc, []);
    expect(data.planKey).toBe(KEY);
    expect(data.tasks).toBeUndefined();
    expect(data.deleteTasks).toBeUndefined();
    expect(data.step.taskKeys).toEqual(doc.step?.taskKeys);
    expect(JSON.stringify(data)).not.toContain('"target"');
  });

  it('should carry the tasks inline for a record that keeps its plan inline (in-memory store, an earlier version\'s record)', () => {
    const op = operationWithPlan();
    const data = stepPayload(op, []);
    expect(data.planKey).toBeUndefined();
    expect(data.tasks?.map((t) => t.key)).toEqual(op.step?.taskKeys);
    expect(data.tasks?.every((t) => t.target !== undefined || (t.prune && t.live !== undefined))).toBe(true);
    // A record of an earlier version that the new store never saved: plan inline with objects, no key.
    expect(stepPayload({ ...op, planKey: KEY }, []).tasks).toHaveLength(op.step?.taskKeys.length ?? -1);
  });

  it('should record the inventory from the plan without objects as from the whole plan', () => {
    const op = operationWithPlan();
    const { doc } = storedForm(op, KEY);
    const results = (op.plan ?? []).map((t) => resultFor(t, { message: '', status: t.prune ? 'Pruned' : 'Synced' }));
    const result = { stepId: op.step?.id ?? '', operationId: op.id, results, finishedAt: 0 };
    expect(inventoryChanges(doc, result)).toEqual(inventoryChanges(op, result));
    expect(inventoryChanges(doc, result).remove.map((e) => e.name)).toEqual(['old']);
  });
});
