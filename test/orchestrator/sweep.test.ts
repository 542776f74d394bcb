/** The sweep's decision (src/orchestrator/sweep.ts) for a step whose job kept its result without the plan (issue 14). */
import { describe, expect, it } from 'vitest';
import { sweepAction } from '../../src/orchestrator/index.js';
import { advance, operationSpec, startOperation } from '../../src/sync/index.js';
import type { Operation, StepResult } from '../../src/sync/index.js';
import { keptResult } from '../../src/worker/index.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

function preparing(): Operation {
  const spec = operationSpec({ app: 'shop', namespace: 'shop', revision: 'abc', manifests: [], warnings: [], createNamespace: false, initiatedBy: 'test' });
  return advance(startOperation({ id: 'op-1', spec, now: NOW }), NOW).op;
}

describe('the sweep, for a completed step whose result message was lost', () => {
  it('should run a prepare step again when its job kept the result without the plan, and recover other results', () => {
    const op = preparing();
    expect(op.step?.kind).toBe('prepare');
    const full: StepResult = { stepId: op.step?.id ?? '', operationId: op.id, results: [], plan: [], finishedAt: NOW };
    expect(keptResult(full).plan).toBeUndefined();
    expect(sweepAction(op, { state: 'completed', result: keptResult(full), resultPending: false }, NOW)).toEqual({ kind: 'reemit', removeOld: true, state: 'completed' });
    expect(sweepAction(op, { state: 'completed', result: full, resultPending: false }, NOW)).toEqual({ kind: 'recoverResult', result: full });
    const fatal = keptResult({ ...full, fatal: { phase: 'Failed', message: 'no such kind' } });
    expect(sweepAction(op, { state: 'completed', result: fatal, resultPending: false }, NOW)).toEqual({ kind: 'recoverResult', result: fatal });
  });
});
