/**
 * The sweep: what the orchestrator does for a running operation that may have lost something in
 * a crash or with a Redis that forgot its queues. Deciding is pure ({@link sweepAction}); the
 * orchestrator carries the action out.
 */
import type { StepJobState } from '../queue/index.js';
import { isDone } from '../sync/index.js';
import type { Operation, StepResult } from '../sync/index.js';

/** What the queue says about the operation's step in flight. */
export interface StepQueueState {
  state: StepJobState;
  result?: StepResult;
  /** A result message for the step is on its way to the orchestrator. */
  resultPending: boolean;
}

export type SweepAction =
  | { kind: 'none' }
  /** The step ran but its result message was lost: handle the result kept with the job. */
  | { kind: 'recoverResult'; result: StepResult }
  /** The step's queue entry is gone or failed: emit it again (removing the old entry unless missing). */
  | { kind: 'reemit'; removeOld: boolean; state: StepJobState }
  /** A retry is due later: make sure its timer exists. */
  | { kind: 'scheduleRetry'; delayMs: number }
  /** Nothing in flight: look at the operation again (retries due, deadline, next step). */
  | { kind: 'advance' };

/** What to do for one running operation; `queue` describes its step in flight (when it has one). */
export function sweepAction(op: Operation, queue: StepQueueState | undefined, now: number): SweepAction {
  if (isDone(op)) return { kind: 'none' };
  if (op.step) {
    if (!queue || queue.resultPending) return { kind: 'none' };
    const { state, result } = queue;
    // A prepare step's job keeps its result without the plan (worker/worker.ts keptResult): run it again.
    const usable = result && !(op.step.kind === 'prepare' && !result.plan && !result.fatal && !result.error) ? result : undefined;
    if (state === 'completed' && usable) return { kind: 'recoverResult', result: usable };
    if (state === 'missing' || state === 'failed' || (state === 'completed' && !usable)) return { kind: 'reemit', removeOld: state !== 'missing', state };
    return { kind: 'none' };
  }
  if (op.retryAt !== undefined && op.retryAt > now) return { kind: 'scheduleRetry', delayMs: op.retryAt - now };
  return { kind: 'advance' };
}

/** Past its deadline and the grace period, with nothing yet stopping it: the orchestrator terminates it itself. */
export function deadlinePassed(op: Operation, now: number, graceMs: number): boolean {
  return !isDone(op) && !op.terminating && !op.syncFailStarted && now >= op.deadlineAt + graceMs;
}
