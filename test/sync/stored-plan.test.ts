/** The plan as the operation record keeps it, and the lookup of a step's tasks (src/sync/stored-plan.ts, issue 13). */
import { describe, expect, it } from 'vitest';
import { planHasObjects, planWithoutObjects, tasksByKey } from '../../src/sync/index.js';
import { plannedTasks } from '../helpers/plan-fixtures.js';

describe('the plan without objects', () => {
  it('should keep every field but the objects and the source, and leave the plan it came from as it was', () => {
    const tasks = plannedTasks();
    expect(planHasObjects(tasks)).toBe(true);
    const light = planWithoutObjects(tasks);
    expect(planHasObjects(light)).toBe(false);
    expect(light.map((t) => Object.keys(t).filter((k) => k === 'target' || k === 'live' || k === 'source'))).toEqual(tasks.map(() => []));
    for (const [i, task] of tasks.entries()) {
      const { target: _t, live: _l, source: _s, ...rest } = task;
      expect(light[i]).toEqual(rest);
    }
    expect(tasks.find((t) => t.prune)?.live?.metadata.name).toBe('old');
    expect(tasks.find((t) => t.name === 'web')?.target?.kind).toBe('Deployment');
  });

  it('should return a plan that has no objects unchanged', () => {
    const light = planWithoutObjects(plannedTasks());
    const again = planWithoutObjects(light);
    expect(again.every((t, i) => t === light[i])).toBe(true);
  });
});

describe('a step\'s tasks by key', () => {
  it('should give the named tasks in the order named, from a list or a map, and leave out unknown keys', () => {
    const tasks = plannedTasks();
    const keys = [tasks[2]?.key ?? '', 'nope', tasks[0]?.key ?? ''];
    expect(tasksByKey(tasks, keys)).toEqual([tasks[2], tasks[0]]);
    expect(tasksByKey(new Map(tasks.map((t) => [t.key, t])), keys)).toEqual([tasks[2], tasks[0]]);
    expect(tasksByKey(tasks, [])).toEqual([]);
  });
});
