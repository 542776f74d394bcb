/** The operation as `hookrunner sync --output json` and the API show it (§12.1). */
import type { Operation, TaskResult } from './types.js';

export interface OperationDocument {
  operation: {
    id: string;
    app: string;
    phase: Operation['phase'];
    message: string;
    revision: string;
    startedAt: string;
    finishedAt: string | null;
  };
  resources: ResourceDocument[];
}

export interface ResourceDocument {
  syncPhase: TaskResult['syncPhase'];
  wave: number;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status: TaskResult['status'] | null;
  hookType: TaskResult['hookType'] | null;
  hookPhase: TaskResult['hookPhase'] | null;
  message: string;
}

/** Results in the order they were first recorded (§12.1). */
export function orderedResults(op: Pick<Operation, 'results'>): TaskResult[] {
  return [...op.results].sort((a, b) => a.order - b.order);
}

/** One row of the document: the result's fields, absent ones as null. */
export function resourceDocument(r: Omit<TaskResult, 'logs'>): ResourceDocument {
  return {
    syncPhase: r.syncPhase,
    wave: r.wave,
    group: r.group,
    version: r.version,
    kind: r.kind,
    namespace: r.namespace,
    name: r.name,
    status: r.status ?? null,
    hookType: r.hookType ?? null,
    hookPhase: r.hookPhase ?? null,
    message: r.message,
  };
}

/** The document's header: the operation's own fields. */
export function operationHeader(op: Operation): OperationDocument['operation'] {
  return { id: op.id, app: op.app, phase: op.phase, message: op.message, revision: op.revision, startedAt: op.startedAt, finishedAt: op.finishedAt ?? null };
}

export function operationDocument(op: Operation): OperationDocument {
  return { operation: operationHeader(op), resources: orderedResults(op).map(resourceDocument) };
}

/** §12.2 STATUS column: the hook phase for hooks, the result code for other resources. */
export function displayStatus(r: Pick<TaskResult, 'hookType' | 'hookPhase' | 'status'>): string {
  if (r.hookType) return r.status === 'SyncFailed' ? 'SyncFailed' : (r.hookPhase ?? '');
  return r.status ?? r.hookPhase ?? '';
}
