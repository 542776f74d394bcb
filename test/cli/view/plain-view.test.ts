/** The view when stdout is not a terminal: one line per change, then the final result once. */
import { describe, expect, it } from 'vitest';
import { renderResult } from '../../../src/cli/view/index.js';
import { createPlainView, taskLine } from '../../../src/cli/view/plain-view.js';
import { containerLog, document, hook, pendingTask, resource } from './documents.js';

const clock = (): Date => new Date(2026, 0, 1, 10, 31, 2);

describe('createPlainView', () => {
  it('should print one line per change of the operation or of a task, no escapes, then the final result', () => {
    let out = '';
    const view = createPlainView({ stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, clock });
    const ns = resource('app', { syncPhase: 'PreSync', kind: 'Namespace', namespace: '', message: 'namespace/app created' });
    const pre = (phase: 'Running' | 'Failed') => hook('pre-job', 'PreSync', phase, { namespace: 'app', ...(phase === 'Failed' ? { logs: [containerLog('pre-job-abcde', 'connecting\ncurl: (7) Failed to connect')] } : {}) });
    view.update(document({ resources: [ns, pre('Running')], pending: [pendingTask('web', { namespace: 'app' })] }));
    view.update(document({ resources: [ns, pre('Running')], pending: [pendingTask('web', { namespace: 'app' })] })); // nothing changed
    const failed = document({ phase: 'Failed', message: 'one or more synchronization tasks completed unsuccessfully', finishedAt: '2026-01-01T10:31:09.000Z', resources: [ns, pre('Failed')] });
    view.finish(failed);
    view.finish(failed); // once
    expect(out).not.toContain('\x1b');
    // The progress lines, a blank line, the result (whose own blank line comes later).
    const cut = out.indexOf('\n\n');
    const [progress, result] = [out.slice(0, cut), out.slice(cut + 2)];
    expect(progress.split('\n')).toEqual([
      '10:31:02  op-1  Running  waiting for completion of hook batch/Job/pre',
      '10:31:02  PreSync  wave 0  Namespace app  Synced',
      '10:31:02  PreSync  wave 0  Job app/pre-job  Running',
      '10:31:02  op-1  Failed  one or more synchronization tasks completed unsuccessfully',
      '10:31:02  PreSync  wave 0  Job app/pre-job  Failed  Job has reached the specified backoff limit',
    ]);
    expect(result).toBe(renderResult(failed));
    expect(result).toContain('    ↳ pre-job-abcde/main (exit 1), last 2 lines:\n      connecting\n      curl: (7) Failed to connect\n');
    expect(result).not.toContain('Pending');
  });

  it('should print only the result when the operation had ended before the first update', () => {
    let out = '';
    const view = createPlainView({ stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, clock });
    const done = document({ phase: 'Succeeded', message: 'successfully synced (all tasks run)', finishedAt: '2026-01-01T10:31:09.000Z', resources: [resource('settings')] });
    view.finish(done);
    expect(out).toBe(`10:31:02  op-1  Succeeded  successfully synced (all tasks run)\n10:31:02  Sync  wave 0  ConfigMap shop/settings  Synced\n\n${renderResult(done)}`);
  });

  it("should name a cluster-scoped task without a namespace and leave a task's message out unless it failed", () => {
    expect(taskLine('10:31:02', resource('app', { kind: 'Namespace', namespace: '' }))).toBe('10:31:02  Sync  wave 0  Namespace app  Synced');
    expect(taskLine('10:31:02', resource('web', { wave: -1, status: 'SyncFailed', displayStatus: 'SyncFailed', hookPhase: 'Failed', message: 'the server rejected\nthe object' }))).toBe('10:31:02  Sync  wave -1  ConfigMap shop/web  SyncFailed  the server rejected the object');
  });
});
