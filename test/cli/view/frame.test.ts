/* eslint-disable no-control-regex -- terminal escape sequences are what this file is about */
/** The terminal view's frames, rendered from the API's operation document (§12.2 RESULT table). */
import { describe, expect, it } from 'vitest';
import { renderTable } from '../../../src/cli/table.js';
import { renderFrame, renderResult } from '../../../src/cli/view/index.js';
import { displayWidth } from '../../../src/cli/view/text.js';
import { STARTED, containerLog, document, hook, pendingTask, resource, visible } from './documents.js';

const NOW = Date.parse(STARTED) + 7_000;

/** A sync in its Sync phase: a failed PreSync hook would have stopped it, so this one succeeded. */
function running() {
  return document({
    resources: [
      resource('app-with-a-rather-long-namespace-name', { syncPhase: 'PreSync', kind: 'Namespace', namespace: '', message: 'namespace/app-with-a-rather-long-namespace-name created' }),
      hook('health-check-pre-job-with-a-long-name', 'PreSync', 'Succeeded', { namespace: 'app-with-a-rather-long-namespace-name', message: 'Reached expected number of succeeded pods' }),
      resource('nginx', { wave: -2, kind: 'Service', namespace: 'app-with-a-rather-long-namespace-name', message: 'service/nginx created' }),
      resource('nginx', { wave: -1, kind: 'ServiceAccount', namespace: 'other-namespace', message: 'serviceaccount/nginx created' }),
      resource('nginx', { kind: 'Deployment', group: 'apps', hookPhase: 'Running', status: 'Synced', displayStatus: 'Synced', namespace: 'app-with-a-rather-long-namespace-name', message: 'waiting for healthy state of apps/Deployment/nginx: Waiting for rollout to finish: 0 of 3 updated replicas are available, and a message long enough to need cutting at any width' }),
    ],
    pending: [pendingTask('mattermost-post-job-success', { syncPhase: 'PostSync', group: 'batch', kind: 'Job', hookType: 'PostSync', namespace: 'app-with-a-rather-long-namespace-name' }), pendingTask('mattermost-post-job-failure', { syncPhase: 'SyncFail', group: 'batch', kind: 'Job', hookType: 'SyncFail' })],
  });
}

function lines(text: string): string[] {
  expect(text.endsWith('\n')).toBe(true);
  return visible(text).slice(0, -1).split('\n');
}

describe('renderFrame', () => {
  it.each([80, 200])('should fit every line in %i columns, header, rows and tasks to come included', (columns) => {
    const frame = lines(renderFrame(running(), { columns, now: NOW, color: true }));
    for (const line of frame) expect(displayWidth(line), line).toBeLessThanOrEqual(columns);
    expect(frame[0]).toBe('OPERATION:  op-1');
    expect(frame).toContain('PHASE:      Running');
    expect(frame).toContain('DURATION:   7s');
    expect(frame.filter((l) => /nginx/.test(l))).toHaveLength(3);
    expect(frame.filter((l) => /mattermost/.test(l))).toHaveLength(2);
    expect(frame.some((l) => l.endsWith('…'))).toBe(true); // the long message is cut, not wrapped
  });

  it('should keep every column at 200 columns and leave some out at 80', () => {
    const wide = lines(renderFrame(running(), { columns: 200, now: NOW }));
    expect(wide).toContainEqual(expect.stringMatching(/^(SYNC )?WAVE +PHASE +KIND +NAMESPACE +NAME +STATUS +HOOK +MESSAGE$/));
    const narrow = lines(renderFrame(running(), { columns: 80, now: NOW }));
    const title = narrow.find((l) => l.startsWith('WAVE'));
    expect(title).toMatch(/^WAVE +PHASE +KIND +NAMESPACE +NAME +STATUS +MESSAGE$/); // HOOK goes first; two namespaces keep theirs
  });

  it('should move a single namespace from the table into the header when the table is too wide', () => {
    const doc = document({ resources: [resource('frontend', { namespace: 'shop-production-eu-west', message: 'configmap/frontend created' }), resource('backend', { namespace: 'shop-production-eu-west' })] });
    const frame = lines(renderFrame(doc, { columns: 80, now: NOW }));
    expect(frame).toContain('NAMESPACE:  shop-production-eu-west');
    expect(frame.find((l) => l.includes('WAVE'))).toMatch(/^SYNC WAVE +PHASE +KIND +NAME +STATUS +MESSAGE$/);
    expect(frame).toContainEqual(expect.stringMatching(/^0 +Sync +ConfigMap +frontend +Synced +configmap\/frontend created$/));
  });

  it('should show the tasks still to come dimmed after the results, only with colour', () => {
    const coloured = renderFrame(running(), { columns: 200, now: NOW, color: true }).split('\n');
    const post = coloured.find((l) => l.includes('mattermost-post-job-success'));
    expect(post).toMatch(/^\x1b\[2m0 +PostSync +Job +.*Pending.*\x1b\[22m$/);
    expect(coloured.findIndex((l) => l.includes('mattermost-post-job-success'))).toBeGreaterThan(coloured.findIndex((l) => l.includes('Deployment')));
    expect(coloured.find((l) => l.includes('mattermost-post-job-failure'))).toContain('runs if the sync fails');
    expect(coloured.find((l) => l.includes('ServiceAccount'))).not.toContain('\x1b[');
    expect(renderFrame(running(), { columns: 200, now: NOW, color: false })).not.toContain('\x1b');
  });

  it('should show only what may still run: SyncFail hooks once they run, nothing once the operation ended', () => {
    const later = [pendingTask('web'), pendingTask('notify-failure', { syncPhase: 'SyncFail', group: 'batch', kind: 'Job', hookType: 'SyncFail' })];
    const names = (doc: ReturnType<typeof document>): string[] => lines(renderFrame(doc, { columns: 200, now: NOW })).filter((l) => l.includes('Pending'));
    expect(names(document({ resources: [hook('pre', 'PreSync', 'Running')], pending: later }))).toHaveLength(2);
    const failing = document({ resources: [hook('pre', 'PreSync', 'Failed'), hook('notify-other', 'SyncFail', 'Running')], pending: later });
    expect(names(failing)).toEqual([expect.stringMatching(/SyncFail +Job +shop +notify-failure +Pending/)]);
    expect(names({ ...failing, operation: { ...failing.operation, phase: 'Failed', finishedAt: STARTED } })).toEqual([]);
  });

  it("should show a failed hook's last output lines under its row, without the terminal escapes it printed", () => {
    const output = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n\x1b[31mcurl: (7) Failed to connect\x1b[0m\n\n';
    const doc = document({
      phase: 'Failed',
      resources: [hook('health-check-pre-job', 'PreSync', 'Failed', { logs: [containerLog('health-check-pre-job-x7k2p', output)] }), hook('mattermost-post-job-failure', 'SyncFail', 'Running')],
    });
    const frame = lines(renderFrame(doc, { columns: 80, now: NOW }));
    const row = frame.findIndex((l) => /PreSync +Job +health-check-pre-job +Failed/.test(l));
    expect(row).toBeGreaterThan(0);
    expect(frame.slice(row + 1, row + 7)).toEqual([
      '    ↳ health-check-pre-job-x7k2p/main (exit 1), last 5 lines:',
      '      line 7',
      '      line 8',
      '      line 9',
      '      line 10',
      '      curl: (7) Failed to connect',
    ]);
    expect(frame[row + 7]).toMatch(/SyncFail +Job +mattermost-post-job-f\S* +Running/);
    expect(frame.join('\n')).not.toContain('line 5');
    expect(lines(renderFrame(doc, { columns: 80, now: NOW, logLines: 0 })).join('\n')).not.toContain('↳');
  });

  it('should stay within maxLines by collapsing finished waves, oldest first, then cutting the tasks to come', () => {
    const resources = [
      ...Array.from({ length: 12 }, (_, i) => resource(`first-${i}`, { wave: 1 })),
      ...Array.from({ length: 12 }, (_, i) => resource(`second-${i}`, { wave: 2 })),
      ...Array.from({ length: 3 }, (_, i) => hook(`third-${i}`, 'Sync', 'Running', { wave: 3 })),
    ];
    const pending = Array.from({ length: 30 }, (_, i) => pendingTask(`later-${i}`, { wave: 4 }));
    const frame = lines(renderFrame(document({ resources, pending }), { columns: 80, maxLines: 22, now: NOW }));
    expect(frame.length).toBeLessThanOrEqual(22);
    expect(frame).toContainEqual(expect.stringMatching(/^1 +Sync +12 tasks +done: 12 Synced$/));
    expect(frame).toContainEqual(expect.stringMatching(/^2 +Sync +12 tasks +done: 12 Synced$/));
    expect(frame.filter((l) => /third-\d/.test(l))).toHaveLength(3); // running rows stay
    expect(frame.some((l) => l.includes('later-0'))).toBe(true);
    expect(frame[frame.length - 1]).toMatch(/… \d+ more to come$/);

    // Enough room: only the oldest wave collapses.
    const roomier = lines(renderFrame(document({ resources, pending: [] }), { columns: 80, maxLines: 25, now: NOW }));
    expect(roomier.filter((l) => l.includes('tasks'))).toHaveLength(1);
    expect(roomier.filter((l) => /second-\d/.test(l))).toHaveLength(12);
  });

  it('should never exceed maxLines, even when nothing can collapse', () => {
    const resources = Array.from({ length: 40 }, (_, i) => hook(`job-${i}`, 'Sync', 'Running'));
    const frame = lines(renderFrame(document({ resources }), { columns: 80, maxLines: 15, now: NOW }));
    expect(frame).toHaveLength(15);
    expect(frame[14]).toMatch(/^… \d+ more lines$/);
  });
});

describe('renderResult', () => {
  it('should print no tasks to come, and at an unlimited width exactly the plain table', () => {
    const doc = { ...running(), operation: { ...running().operation, phase: 'Succeeded' as const, message: 'successfully synced (all tasks run)', finishedAt: '2026-01-01T10:31:12.000Z' } };
    const text = renderResult(doc);
    expect(text).not.toContain('mattermost-post-job');
    const rows = doc.resources.map((r) => [String(r.wave), r.syncPhase, r.kind, r.namespace || '-', r.name, r.displayStatus, r.hookType ?? '-', r.message.length > 100 ? `${r.message.slice(0, 99)}…` : r.message]);
    const header = ['OPERATION:  op-1', 'APP:        shop', 'PHASE:      Succeeded', 'MESSAGE:    successfully synced (all tasks run)', 'REVISION:   0123456789abcdef', 'DURATION:   12s', ''].join('\n');
    expect(text).toBe(`${header}\n${renderTable(['SYNC WAVE', 'PHASE', 'KIND', 'NAMESPACE', 'NAME', 'STATUS', 'HOOK', 'MESSAGE'], rows)}`);
  });

  it('should size columns by the rows alone (no collapsed-wave line is ever printed)', () => {
    expect(renderResult(document({ resources: [hook('pre', 'PreSync', 'Succeeded')] }), { now: NOW })).toMatch(/^0 {10}PreSync {2}Job {3}shop {7}pre/m);
  });

  it('should print the header only before any task has a result', () => {
    expect(renderResult(document(), { now: NOW })).toBe(['OPERATION:  op-1', 'APP:        shop', 'PHASE:      Running', 'MESSAGE:    waiting for completion of hook batch/Job/pre', 'REVISION:   0123456789abcdef', 'DURATION:   7s', ''].join('\n'));
  });

  it('should colour a failed operation and its failed rows red, only with colour', () => {
    const doc = document({ phase: 'Failed', message: 'one or more synchronization tasks completed unsuccessfully', resources: [hook('pre', 'PreSync', 'Failed')] });
    const text = renderResult(doc, { color: true, now: NOW });
    expect(text).toContain('\x1b[31mPHASE:      Failed\x1b[39m');
    expect(text).toMatch(/\x1b\[31m0 +PreSync +Job +shop +pre +Failed/);
    expect(renderResult(doc, { now: NOW })).not.toContain('\x1b');
  });
});
