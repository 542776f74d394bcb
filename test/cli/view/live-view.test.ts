/* eslint-disable no-control-regex -- terminal escape sequences are what this file is about */
/**
 * The live view on a (fake) terminal: frames redrawn in place by log-update, stderr lines put
 * above the frame, and once finished exactly one final result in the terminal's history.
 */
import { describe, expect, it } from 'vitest';
import { colorEnabled, createOperationView, renderResult } from '../../../src/cli/view/index.js';
import { createLiveView } from '../../../src/cli/view/live-view.js';
import { displayWidth } from '../../../src/cli/view/text.js';
import { STARTED, containerLog, document, hook, pendingTask, resource } from './documents.js';
import { FakeTerminal } from './terminal.js';

const NOW = Date.parse(STARTED) + 3_000;

/** The lab's operation, step by step: each document is one stored change. */
function steps() {
  const ns = resource('app-sync-phases', { syncPhase: 'PreSync', kind: 'Namespace', namespace: '', message: 'namespace/app-sync-phases created' });
  const later = [pendingTask('nginx', { wave: -2, kind: 'Service', namespace: 'app-sync-phases' }), pendingTask('nginx', { wave: -1, kind: 'ServiceAccount', namespace: 'app-sync-phases' }), pendingTask('mattermost-post-job-success', { syncPhase: 'PostSync', group: 'batch', kind: 'Job', hookType: 'PostSync', namespace: 'app-sync-phases' })];
  const pre = (phase: 'Running' | 'Succeeded') => hook('health-check-pre-job', 'PreSync', phase, { namespace: 'app-sync-phases' });
  const svc = resource('nginx', { wave: -2, kind: 'Service', namespace: 'app-sync-phases', message: 'service/nginx created' });
  const sa = resource('nginx', { wave: -1, kind: 'ServiceAccount', namespace: 'app-sync-phases', message: 'serviceaccount/nginx created' });
  const post = hook('mattermost-post-job-success', 'PostSync', 'Succeeded', { namespace: 'app-sync-phases' });
  return [
    document({ resources: [ns, pre('Running')], pending: later }),
    document({ resources: [ns, pre('Succeeded')], pending: later }),
    document({ resources: [ns, pre('Succeeded'), svc], pending: later.slice(1) }),
    document({ resources: [ns, pre('Succeeded'), svc, sa], pending: later.slice(2) }),
    document({ phase: 'Succeeded', message: 'successfully synced (all tasks run)', finishedAt: '2026-01-01T10:31:09.000Z', resources: [ns, pre('Succeeded'), svc, sa, post] }),
  ];
}

describe('createLiveView', () => {
  it('should leave exactly one final result and every stderr line in the history of an 80-column terminal', () => {
    const term = new FakeTerminal(80, 24);
    const view = createLiveView({ stdout: term, stderr: term, tickMs: 0, now: () => NOW });
    const docs = steps();
    docs.forEach((doc, i) => {
      view.update(doc);
      view.stderr.write(`{"level":30,"msg":"notify #${i + 1}: step ${i + 1} of the sync, a log line long enough to wrap on an 80-column terminal"}\n`);
    });
    const final = docs[docs.length - 1];
    if (!final) throw new Error('no steps');
    view.finish(final);
    const history = term.history();
    expect(history.filter((l) => l.startsWith('OPERATION:'))).toHaveLength(1);
    expect(history.filter((l) => /health-check-pre/.test(l))).toHaveLength(1);
    expect(history.filter((l) => l.includes('Pending'))).toEqual([]);
    // Each log line once, in order, above the final result (wrapped rows joined back).
    const joined = history.join('\n');
    const positions = docs.map((_, i) => joined.indexOf(`notify #${i + 1}: step`));
    expect(positions.every((p, i) => p >= 0 && (i === 0 || p > (positions[i - 1] ?? 0)))).toBe(true);
    expect(joined.indexOf('OPERATION:')).toBeGreaterThan(positions[positions.length - 1] ?? 0);
    expect(joined.endsWith(renderResult(final, { columns: 80 }).trimEnd())).toBe(true);
  });

  it('should draw the tasks still to come while the operation runs', () => {
    const term = new FakeTerminal(80, 24);
    const view = createLiveView({ stdout: term, stderr: term, tickMs: 0, now: () => NOW });
    view.update(steps()[0] ?? document());
    const screen = term.history();
    expect(screen[0]).toBe('OPERATION:  op-1');
    expect(screen.filter((l) => l.includes('Pending'))).toHaveLength(3);
    for (const line of screen) expect(displayWidth(line)).toBeLessThanOrEqual(80);
    view.close();
    expect(term.history()).toEqual([]); // closed without a result: the frame is gone
  });

  it('should keep a partial stderr line until its newline, and pass stderr through once finished', () => {
    const writes: string[] = [];
    const out = { isTTY: true, columns: 80, rows: 24, write: (t: string) => writes.push(`out:${t}`) };
    const err = { write: (t: string) => writes.push(`err:${t}`) };
    const view = createLiveView({ stdout: out, stderr: err, tickMs: 0, now: () => NOW });
    view.update(document());
    view.stderr.write('half a ');
    expect(writes.filter((w) => w.startsWith('err:'))).toEqual([]);
    view.stderr.write('line\nand more');
    expect(writes.filter((w) => w.startsWith('err:'))).toEqual(['err:half a line\n']);
    const at = writes.indexOf('err:half a line\n');
    expect(writes[at - 1]).toMatch(/^out:(\x1b\[2K\x1b\[1A)+\x1b\[2K\x1b\[G$/); // the frame erased first …
    expect(writes[at + 1]).toMatch(/^out:OPERATION: {2}op-1/); // … and drawn again below the line
    view.finish(document({ phase: 'Succeeded', finishedAt: STARTED }));
    expect(writes.filter((w) => w.startsWith('err:'))).toEqual(['err:half a line\n', 'err:and more']);
    view.stderr.write('late\n');
    expect(writes[writes.length - 1]).toBe('err:late\n');
  });

  it('should draw the frame again, fitted, when the terminal is resized', () => {
    let listener: (() => void) | undefined;
    const writes: string[] = [];
    const out = {
      isTTY: true,
      columns: 120,
      rows: 30,
      write: (t: string) => writes.push(t),
      on: (_event: 'resize', l: () => void) => (listener = l),
      off: () => (listener = undefined),
    };
    const view = createLiveView({ stdout: out, stderr: { write: () => true }, tickMs: 0, now: () => NOW });
    view.update(document({ resources: [hook('a-hook-whose-name-is-long-enough-to-matter', 'PreSync', 'Failed', { message: 'Job has reached the specified backoff limit', logs: [containerLog('a-hook-pod', 'x'.repeat(150))] })] }));
    const lastFrame = (): string[] => (writes[writes.length - 1] ?? '').split('\x1b[G').pop()?.split('\n') ?? [];
    expect(Math.max(...lastFrame().map(displayWidth))).toBeGreaterThan(60);
    out.columns = 60;
    listener?.();
    for (const line of lastFrame()) expect(displayWidth(line), line).toBeLessThanOrEqual(60);
    view.close();
    expect(listener).toBeUndefined();
  });
});

describe('createOperationView', () => {
  it('should colour only a terminal without NO_COLOR', () => {
    expect(colorEnabled(true, {})).toBe(true);
    expect(colorEnabled(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(true, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(false, {})).toBe(false);
  });

  it('should draw dimmed tasks to come on a terminal, and no escape at all with NO_COLOR', () => {
    const doc = steps()[0] ?? document();
    const coloured: string[] = [];
    createOperationView({ stdout: { isTTY: true, columns: 80, rows: 24, write: (t: string) => coloured.push(t) }, stderr: { write: () => true } }).update(doc);
    expect(coloured.join('')).toMatch(/\x1b\[2m-2 +Sync +Service/);
    const plain: string[] = [];
    const view = createOperationView({ stdout: { isTTY: true, columns: 80, rows: 24, write: (t: string) => plain.push(t) }, stderr: { write: () => true }, env: { NO_COLOR: '1' } });
    view.update(doc);
    view.close();
    expect(plain.join('')).toContain('Pending');
    expect(plain.join('')).not.toMatch(/\x1b\[[0-9;]*m/);
  });

  it('should print plain lines when stdout is not a terminal', () => {
    const out: string[] = [];
    const view = createOperationView({ stdout: { write: (t: string) => out.push(t) }, stderr: { write: () => true } });
    view.update(steps()[0] ?? document());
    expect(out.join('')).not.toContain('\x1b');
    expect(out.join('')).toMatch(/^\d\d:\d\d:\d\d {2}op-1 {2}Running/);
  });
});
