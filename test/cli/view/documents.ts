/* eslint-disable no-control-regex -- terminal escape sequences are what this file is about */
/** Operation documents (the API's shape) for the view's unit tests. */
import type { ApiOperationDocument, ApiResourceDocument, PendingTask } from '../../../src/api/index.js';
import type { HookLog } from '../../../src/sync/index.js';

export const STARTED = '2026-01-01T10:31:00.000Z';

/** A plain resource's row: synced and healthy unless told otherwise. */
export function resource(name: string, extra: Partial<ApiResourceDocument> = {}): ApiResourceDocument {
  const row: ApiResourceDocument = {
    syncPhase: 'Sync',
    wave: 0,
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    namespace: 'shop',
    name,
    status: 'Synced',
    hookType: null,
    hookPhase: 'Succeeded',
    message: `configmap/${name} created`,
    key: '',
    displayStatus: 'Synced',
    health: null,
    ...extra,
  };
  return { ...row, key: row.key || `${row.group}/${row.kind}/${row.namespace}/${row.name}:${row.syncPhase}` };
}

/** A hook Job's row in `phase` with the task's state `hookPhase` (the STATUS column). */
export function hook(name: string, phase: ApiResourceDocument['syncPhase'], hookPhase: NonNullable<ApiResourceDocument['hookPhase']>, extra: Partial<ApiResourceDocument> = {}): ApiResourceDocument {
  return resource(name, { syncPhase: phase, group: 'batch', kind: 'Job', hookType: phase, hookPhase, displayStatus: hookPhase, status: hookPhase === 'Running' ? null : 'Synced', message: hookPhase === 'Failed' ? 'Job has reached the specified backoff limit' : '', ...extra });
}

export function containerLog(pod: string, log: string, exitCode = 1): HookLog {
  return { pod, container: 'main', log, truncated: false, exitCode, reason: 'Error' };
}

export function pendingTask(name: string, extra: Partial<PendingTask> = {}): PendingTask {
  const task: PendingTask = { key: '', syncPhase: 'Sync', wave: 0, group: '', kind: 'ConfigMap', namespace: 'shop', name, hookType: null, prune: false, ...extra };
  return { ...task, key: task.key || `${task.group}/${task.kind}/${task.namespace}/${task.name}:${task.syncPhase}` };
}

export function document(parts: { phase?: ApiOperationDocument['operation']['phase']; message?: string; finishedAt?: string | null; resources?: ApiResourceDocument[]; pending?: PendingTask[] } = {}): ApiOperationDocument {
  return {
    operation: {
      id: 'op-1',
      app: 'shop',
      phase: parts.phase ?? 'Running',
      message: parts.message ?? 'waiting for completion of hook batch/Job/pre',
      revision: '0123456789abcdef',
      startedAt: STARTED,
      finishedAt: parts.finishedAt ?? null,
      version: 3,
      initiatedBy: 'cli',
      retryCount: 0,
      dryRun: false,
      kind: 'sync',
      awaitingConfirmation: null,
    },
    resources: parts.resources ?? [],
    pending: parts.pending ?? [],
    warnings: [],
  };
}

/** What a terminal shows of `text`: SGR sequences removed. */
export function visible(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
