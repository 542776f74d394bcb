/** A small planned operation for the plan-once tests (issue 13): a PreSync hook, two waves of resources, a prune. */
import { plan } from '../../src/plan/index.js';
import type { SyncTask } from '../../src/plan/index.js';
import { advance, operationSpec, recordStepResult, startOperation } from '../../src/sync/index.js';
import type { Operation } from '../../src/sync/index.js';
import { annotate, manifest, newObj } from './builders.js';

export const PLAN_START = Date.parse('2026-01-01T00:00:00Z');

export function plannedTasks(): SyncTask[] {
  const manifests = [
    manifest(annotate(newObj('Job', 'migrate'), { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' })),
    manifest(newObj('ConfigMap', 'config')),
    manifest(annotate(newObj('Deployment', 'web'), { 'argocd.argoproj.io/sync-wave': '1' })),
  ];
  const live = { ...newObj('ConfigMap', 'old', { namespace: 'shop' }), metadata: { name: 'old', namespace: 'shop', uid: 'u-1' } };
  return plan(manifests, { namespace: 'shop', revision: 'abc', startedAt: new Date(PLAN_START), pruneCandidates: [live] }).tasks;
}

/** An operation whose prepare step reported `tasks` (as the orchestrator holds it before the store splits it), and its first wave decided. */
export function operationWithPlan(tasks: SyncTask[] = plannedTasks()): Operation {
  const spec = operationSpec({ app: 'shop', namespace: 'shop', revision: 'abc', manifests: [], warnings: [], createNamespace: false, prune: true, initiatedBy: 'test' });
  let op = advance(startOperation({ id: 'op-1', spec, now: PLAN_START }), PLAN_START).op;
  op = recordStepResult(op, { stepId: op.step?.id ?? '', operationId: op.id, results: [], plan: tasks, finishedAt: PLAN_START });
  return advance(op, PLAN_START).op;
}
