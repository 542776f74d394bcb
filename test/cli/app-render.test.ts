/** What `hookrunner app` prints: Argo CD's Application shape, the list, summary, resource and history tables, diffs and hook logs. */
import { describe, expect, it } from 'vitest';
import type { ApiOperationDocument, ApiResourceDocument } from '../../src/api/index.js';
import { argoApplication } from '../../src/cli/app/argo.js';
import { renderDiffItem } from '../../src/cli/app/diff.js';
import { age, formatTime, shortRevision } from '../../src/cli/app/format.js';
import { renderHookLogs } from '../../src/cli/app/logs.js';
import type { Application } from '../../src/cli/app/schemas.js';
import { lastOperationText, renderApplicationList, renderApplicationSummary, renderHistory, renderResourceTable } from '../../src/cli/app/views.js';

const SHA = '3f2a1b2c3d4e5f60718293a4b5c6d7e8f9012345';

function application(extra: Partial<Application> = {}): Application {
  return {
    name: 'guestbook',
    manifest: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'guestbook', annotations: { team: 'web' } }, spec: { project: 'web', syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] } } },
    source: { repoURL: 'https://git.example/apps.git', path: 'guestbook', targetRevision: 'main' },
    destination: { namespace: 'demo', server: 'https://kubernetes.default.svc' },
    syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    lastOperation: { id: 'op-7', app: 'guestbook', phase: 'Succeeded', message: 'successfully synced (all tasks run)', revision: SHA, startedAt: '2026-01-02T10:00:00.000Z', finishedAt: '2026-01-02T10:00:05.000Z', initiatedBy: 'api', dryRun: false, resources: 2 },
    status: {
      sync: { status: 'Synced', revision: SHA },
      health: { status: 'Healthy' },
      resources: [
        { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'demo', name: 'web', status: 'Synced', health: { status: 'Healthy' } },
        { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'demo', name: 'old', status: 'OutOfSync', requiresPruning: true },
      ],
      reconciledAt: '2026-01-02T10:00:06.000Z',
      conditions: [],
    },
    ...extra,
  };
}

function row(extra: Partial<ApiResourceDocument>): ApiResourceDocument {
  return { key: 'k', syncPhase: 'Sync', wave: 0, group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'demo', name: 'web', status: 'Synced', hookType: null, hookPhase: null, message: 'deployment.apps/web configured', displayStatus: 'Synced', health: { status: 'Healthy' }, ...extra } as ApiResourceDocument;
}

const opDoc = {
  operation: { id: 'op-7', app: 'guestbook', phase: 'Succeeded', message: 'ok', revision: SHA, startedAt: '2026-01-02T10:00:00.000Z', finishedAt: '2026-01-02T10:00:05.000Z', version: 9, initiatedBy: 'api', retryCount: 0, dryRun: false, kind: 'sync', awaitingConfirmation: null },
  resources: [
    row({ key: 'a' }),
    row({ key: 'b', syncPhase: 'PreSync', group: 'batch', kind: 'Job', name: 'migrate', status: 'Synced', hookType: 'PreSync', hookPhase: 'Succeeded', displayStatus: 'Succeeded', message: 'Reached expected number of succeeded pods' }),
  ],
  pending: [],
  warnings: [],
} as unknown as ApiOperationDocument;

describe("hookrunner app: Argo CD's Application shape", () => {
  it('should carry metadata, spec as written and status with sync, health, resources and operationState with its syncResult', () => {
    const argo = argoApplication({ app: application(), lastOperation: opDoc });
    expect(argo).toMatchObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'guestbook', creationTimestamp: '2026-01-01T00:00:00.000Z', annotations: { team: 'web' } },
      spec: { project: 'web', source: { repoURL: 'https://git.example/apps.git' }, destination: { namespace: 'demo' }, syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] } },
      status: { sync: { status: 'Synced', revision: SHA }, health: { status: 'Healthy' } },
    });
    expect(argo.status.resources).toHaveLength(2);
    expect(argo.status.operationState).toEqual({
      operation: { sync: { revision: SHA }, initiatedBy: { username: 'api' } },
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      startedAt: '2026-01-02T10:00:00.000Z',
      finishedAt: '2026-01-02T10:00:05.000Z',
      operationId: 'op-7',
      syncResult: {
        revision: SHA,
        resources: [
          { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'demo', name: 'web', status: 'Synced', message: 'deployment.apps/web configured', hookPhase: null, syncPhase: 'Sync' },
          { group: 'batch', version: 'v1', kind: 'Job', namespace: 'demo', name: 'migrate', status: 'Synced', message: 'Reached expected number of succeeded pods', hookType: 'PreSync', hookPhase: 'Succeeded', syncPhase: 'PreSync' },
        ],
      },
    });
  });

  it('should say Unknown when the server reports no status, and have no operationState before any sync', () => {
    const { status: _status, ...withoutStatus } = application({ lastOperation: null });
    const argo = argoApplication({ app: withoutStatus as Application });
    expect(argo.status).toEqual({ sync: { status: 'Unknown', revision: null }, health: { status: 'Unknown' }, resources: [], reconciledAt: null });
  });
});

describe('hookrunner app: tables', () => {
  const now = Date.parse('2026-01-02T10:03:05.000Z');

  it('should list like argocd app list, more columns with -o wide', () => {
    const apps = [application(), application({ name: 'api', syncPolicy: { syncOptions: [] }, lastOperation: null })];
    expect(renderApplicationList(apps, false, now)).toBe(
      [
        'NAME       NAMESPACE  SYNC STATUS  HEALTH STATUS  SYNC POLICY  REVISION  LAST OPERATION',
        'guestbook  demo       Synced       Healthy        Auto-Prune   3f2a1b2   Succeeded 3m ago',
        'api        demo       Synced       Healthy        Manual       3f2a1b2   never synced',
        '',
      ].join('\n'),
    );
    const wide = renderApplicationList([application()], true, now).split('\n');
    expect(wide[0]).toMatch(/LAST OPERATION\s+PROJECT\s+CLUSTER\s+REPO\s+PATH\s+TARGET\s+LAST SYNC\s+CONDITIONS$/);
    expect(wide[1]).toContain('web      https://kubernetes.default.svc  https://git.example/apps.git  guestbook  main');
    expect(lastOperationText(undefined)).toBe('never synced');
  });

  it('should summarise an application like argocd app get, then its resources with the last operation’s messages and hooks', () => {
    const summary = renderApplicationSummary(application());
    expect(summary).toMatch(/^Name:\s{15}guestbook$/m);
    expect(summary).toMatch(/^Project:\s+web$/m);
    // A manifest without spec.project: the project the server resolved (its --default-project).
    expect(renderApplicationSummary(application({ manifest: { spec: {} }, project: 'platform' }))).toMatch(/^Project:\s+platform$/m);
    expect(summary).toMatch(/^Sync Policy:\s+Auto-Prune$/m);
    expect(summary).toMatch(/^Sync Status:\s+Synced to main \(3f2a1b2\)$/m);
    expect(summary).toMatch(/^Last Operation:\s+op-7 \(initiated by api\)$/m);
    expect(renderResourceTable(application(), opDoc, false).split('\n')).toEqual([
      'GROUP  KIND        NAMESPACE  NAME     STATUS                        HEALTH   HOOK     MESSAGE',
      'apps   Deployment  demo       web      Synced                        Healthy  -        deployment.apps/web configured',
      '-      ConfigMap   demo       old      OutOfSync (requires pruning)  -        -',
      'batch  Job         demo       migrate  Succeeded                     Healthy  PreSync  Reached expected number of succeeded pods',
      '',
    ]);
    // Without status resources (an older server): the last operation's rows.
    const bare = application({ status: { sync: { status: 'Unknown', revision: null }, health: { status: 'Unknown' }, resources: [] } });
    expect(renderResourceTable(bare, opDoc, false).split('\n').slice(1, 3).map((l) => l.split(/\s{2,}/).slice(0, 5).join(' '))).toEqual(['apps Deployment demo web Synced', 'batch Job demo migrate Succeeded']);
    expect(renderApplicationSummary(bare)).toMatch(/^Sync Status:\s+Unknown$/m);
  });

  it('should show the history with time zones, the full revision and more with -o wide', () => {
    const items = [application().lastOperation].filter((o) => o !== null && o !== undefined);
    const [head, line] = renderHistory(items, false).split('\n');
    expect(head).toMatch(/^ID\s+STARTED\s+FINISHED\s+PHASE\s+REVISION\s+INITIATED BY$/);
    expect(line).toMatch(/^op-7\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d\s+\S+ \S+ \S+\s+Succeeded\s+3f2a1b2\s+api$/);
    expect(renderHistory(items, true).split('\n')[1]).toMatch(new RegExp(`${SHA}\\s+api\\s+5s\\s+no\\s+2\\s+successfully synced`));
  });

  it('should format times in the local zone with their offset, ages like kubectl, and short commits', () => {
    const shown = formatTime('2026-01-02T10:00:05.000Z');
    expect(shown).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$/);
    expect(Date.parse(shown.replace(' ', 'T').replace(' ', ''))).toBe(Date.parse('2026-01-02T10:00:05.000Z'));
    expect(formatTime(null)).toBe('-');
    expect([age('2026-01-02T10:03:00.000Z', now), age('2026-01-02T09:00:00.000Z', now), age('2025-12-01T00:00:00.000Z', now)]).toEqual(['5s', '63m', '32d']);
    expect([shortRevision(SHA), shortRevision('local'), shortRevision(null)]).toEqual(['3f2a1b2', 'local', '-']);
  });
});

describe('hookrunner app: diffs and hook logs', () => {
  const change = { group: 'apps', kind: 'Deployment', namespace: 'demo', name: 'web', action: 'change', diff: '--- live/apps/Deployment demo/web\n+++ desired/apps/Deployment demo/web\n@@ -1,1 +1,1 @@\n-  replicas: 3\n+  replicas: 1' };

  it('should print the unified diff, a prune under a note, and colour it only when asked', () => {
    expect(renderDiffItem(change, false)).toBe(`${change.diff}\n`);
    expect(renderDiffItem({ ...change, group: '', kind: 'ConfigMap', name: 'old', action: 'prune', diff: '--- live\n+++ desired\n' }, false)).toBe('# ConfigMap demo/old: not in the source (a sync with --prune deletes it)\n--- live\n+++ desired\n');
    const coloured = renderDiffItem(change, true);
    expect(coloured).toContain('\x1b[31m-  replicas: 3\x1b[0m');
    expect(coloured).toContain('\x1b[32m+  replicas: 1\x1b[0m');
    expect(coloured).toContain('\x1b[36m@@ -1,1 +1,1 @@\x1b[0m');
    expect(coloured).toContain('\x1b[1m--- live/apps/Deployment demo/web\x1b[0m');
  });

  it('should print each kept container log under a header, saying when it was cut or when a hook kept none', () => {
    const hook = row({ kind: 'Job', name: 'migrate', hookType: 'PreSync', hookPhase: 'Failed', displayStatus: 'Failed', logs: [{ pod: 'migrate-x1', container: 'main', log: 'step 9\nboom', truncated: true, exitCode: 1, reason: 'Error', terminationMessage: 'db down\n' }] });
    const silent = row({ kind: 'Job', name: 'notify', hookType: 'PostSync', hookPhase: 'Succeeded', displayStatus: 'Succeeded', logs: [] });
    expect(renderHookLogs([hook, silent])).toBe(
      [
        '==> Job demo/migrate (PreSync, Failed) — pod migrate-x1, container main, exit code 1, reason Error <==',
        '[… earlier output dropped: only the last 64 KiB are kept]',
        'step 9',
        'boom',
        '[termination message: db down]',
        '',
        "==> Job demo/notify (PostSync, Succeeded): no logs kept (the hook's pod left none, or it did not run) <==",
        '',
      ].join('\n'),
    );
  });
});
