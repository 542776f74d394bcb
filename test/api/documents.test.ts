import { describe, expect, it } from 'vitest';
import { pendingTasks } from '../../src/api/index.js';
import type { SyncTask } from '../../src/plan/index.js';
import type { TaskResult } from '../../src/sync/index.js';

function task(name: string, phase: SyncTask['phase'], wave: number, extra: Partial<SyncTask> = {}): SyncTask {
  return { key: `batch/Job/app/${name}:${phase}`, phase, wave: wave + 100, declaredWave: wave, group: 'batch', version: 'v1', kind: 'Job', namespace: 'app', name, hook: false, syncOptions: [], prune: false, ...extra };
}

describe('pendingTasks', () => {
  it('should list the planned tasks without a result, in plan order, with the declared wave', () => {
    const plan = [task('pre', 'PreSync', 0, { hook: true, hookType: 'PreSync' }), task('main', 'Sync', 1), task('post', 'PostSync', -2, { hook: true, hookType: 'PostSync' })];
    const results = [{ key: plan[0]?.key } as TaskResult];
    expect(pendingTasks({ plan, results })).toEqual([
      { key: 'batch/Job/app/main:Sync', syncPhase: 'Sync', wave: 1, group: 'batch', kind: 'Job', namespace: 'app', name: 'main', hookType: null, prune: false },
      { key: 'batch/Job/app/post:PostSync', syncPhase: 'PostSync', wave: -2, group: 'batch', kind: 'Job', namespace: 'app', name: 'post', hookType: 'PostSync', prune: false },
    ]);
  });

  it('should list nothing before the plan exists', () => {
    expect(pendingTasks({ results: [] })).toEqual([]);
  });
});
