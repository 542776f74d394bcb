/** What failed in an operation, for SyncFail hooks (D5 `HOOKRUNNER_FAILURE`) and notifications. */
import { orderedResults } from './document.js';
import { taskFailed } from './results.js';
import type { Operation } from './types.js';

export interface FailedTaskSummary {
  /** `Job/health-check-pre-job` */
  name: string;
  phase: string;
  message: string;
  /** The last lines of the hook's log (D4), when it has one. */
  logExcerpt?: string;
}

export interface FailureSummary {
  message: string;
  tasks: FailedTaskSummary[];
}

/** The last `maxLines` lines, at most `maxChars` characters. */
export function tail(text: string, maxLines = 20, maxChars = 2_000): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  const kept = lines.slice(-maxLines).join('\n');
  return kept.length > maxChars ? kept.slice(kept.length - maxChars) : kept;
}

/** Failed tasks (SyncFail hooks left out) with their messages and log tails. */
export function failureSummary(op: Operation, options: { maxTasks?: number; maxLogLines?: number } = {}): FailureSummary {
  const { maxTasks = 10, maxLogLines = 20 } = options;
  const tasks = orderedResults(op)
    .filter((r) => r.syncPhase !== 'SyncFail' && taskFailed(r))
    .slice(0, maxTasks)
    .map((r) => {
      const log = [...(r.logs ?? [])].reverse().find((l) => l.log.trim() !== '');
      return { name: `${r.kind}/${r.name}`, phase: r.syncPhase, message: r.message, ...(log ? { logExcerpt: tail(log.log, maxLogLines) } : {}) };
    });
  return { message: op.failureMessage ?? op.message, tasks };
}
