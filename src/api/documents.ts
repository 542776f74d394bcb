/**
 * What the API returns for operations: exactly `hookrunner sync --output json` (`operationDocument`),
 * plus each row's health and hook logs (D4), and who started it; and short summaries for lists.
 */
import type { OperationEvent } from '../store/index.js';
import { displayStatus, operationDocument, operationHeader, orderedResults, resourceDocument } from '../sync/index.js';
import type { Health, HookLog, Operation, OperationDocument, ResourceDocument, TaskResult } from '../sync/index.js';
import type { Warning } from '../manifests/index.js';
import type { SyncTask } from '../plan/index.js';

/** A result row: the CLI's fields, plus what the dashboard's RESULT table shows (§12.2). */
export interface ApiResourceDocument extends ResourceDocument {
  /** `<group>/<kind>/<namespace>/<name>:<phase>` — stable across updates of the row. */
  key: string;
  /** §12.2 STATUS column: the hook phase for hooks, the result code for others. */
  displayStatus: string;
  health: Health | null;
  /** When the task first ran (ISO), null before. */
  startedAt: string | null;
  /** When the task finished (ISO), null while it runs. */
  finishedAt: string | null;
  /** D4: container logs of hooks (not in live events; fetch the operation for them). */
  logs?: HookLog[];
}

export interface ApiOperationDocument extends OperationDocument {
  operation: OperationDocument['operation'] & {
    /** Bumped by every stored change; live events carry it too. */
    version: number;
    initiatedBy: string;
    retryCount: number;
    dryRun: boolean;
    /** What the operation does: `sync`, or `deletion` of the application (docs/semantics.md §11). */
    kind: 'sync' | 'deletion';
    /** Set while the operation holds for a confirmation (`Prune=confirm`, `Delete=confirm`): `POST …/confirm` releases it. */
    awaitingConfirmation: { kind: 'pruning' | 'deletion'; resources: string[]; since: string } | null;
  };
  resources: ApiResourceDocument[];
  /** Planned tasks with no result yet, in execution order: still to come while the operation runs, never run once it ended (e.g. SyncFail hooks of a sync that succeeded, waves after a failure); empty before the prepare step planned. */
  pending: PendingTask[];
  /** D9 warnings from loading and planning. */
  warnings: Warning[];
}

function row(base: ResourceDocument, result: Omit<TaskResult, 'logs'> & { logs?: HookLog[] }, withLogs: boolean): ApiResourceDocument {
  return {
    ...base,
    key: result.key,
    displayStatus: displayStatus(result),
    health: result.health ?? null,
    startedAt: result.startedAt !== undefined ? new Date(result.startedAt).toISOString() : null,
    finishedAt: result.finishedAt !== undefined ? new Date(result.finishedAt).toISOString() : null,
    ...(withLogs ? { logs: result.logs ?? [] } : {}),
  };
}

/** A planned task that has not started: what the dashboard and the terminal view show greyed out. */
export interface PendingTask {
  key: string;
  syncPhase: SyncTask['phase'];
  /** The declared wave (the SYNC WAVE column), as in result rows. */
  wave: number;
  group: string;
  kind: string;
  namespace: string;
  name: string;
  /** For hooks, the phase they run in. */
  hookType: SyncTask['phase'] | null;
  /** A prune (or, in a deletion, a Delete task). */
  prune: boolean;
}

/** Tasks of the plan that have no result yet, in plan order. */
export function pendingTasks(op: Pick<Operation, 'plan' | 'results'>): PendingTask[] {
  const started = new Set(op.results.map((r) => r.key));
  return (op.plan ?? [])
    .filter((t) => !started.has(t.key))
    .map((t) => ({ key: t.key, syncPhase: t.phase, wave: t.declaredWave, group: t.group, kind: t.kind, namespace: t.namespace, name: t.name, hookType: t.hookType ?? null, prune: t.prune }));
}

/** The full document of `GET /api/v1/operations/:id`: the CLI's JSON plus logs, health and context. */
export function apiOperationDocument(op: Operation): ApiOperationDocument {
  const doc = operationDocument(op);
  const ordered = orderedResults(op);
  return {
    operation: {
      ...doc.operation,
      version: op.version,
      initiatedBy: op.spec.initiatedBy,
      retryCount: op.retryCount,
      dryRun: op.spec.dryRun,
      kind: op.spec.deletion ? 'deletion' : 'sync',
      awaitingConfirmation: awaitingOf(op),
    },
    resources: doc.resources.map((r, i) => row(r, ordered[i] as TaskResult, true)),
    pending: pendingTasks(op),
    warnings: op.spec.warnings,
  };
}

function awaitingOf(op: Operation): ApiOperationDocument['operation']['awaitingConfirmation'] {
  const waiting = op.awaitingConfirmation;
  if (!waiting) return null;
  const byKey = new Map((op.plan ?? []).map((t) => [t.key, t]));
  const resources = waiting.taskKeys.map((k) => byKey.get(k)).map((t) => (t ? `${t.group}/${t.kind}/${t.namespace ? `${t.namespace}/` : ''}${t.name}` : ''));
  return { kind: waiting.kind, resources: resources.filter((r) => r !== ''), since: new Date(waiting.since).toISOString() };
}

/** The live form of an operation, from a store event (no logs, no spec). */
export interface LiveOperation {
  /** `awaitingConfirmation` says what the operation holds for; the full document lists the resources. */
  operation: { id: string; app: string; phase: Operation['phase']; message: string; version: number; awaitingConfirmation: 'pruning' | 'deletion' | null };
  resources: ApiResourceDocument[];
}

export function liveOperation(event: OperationEvent): LiveOperation {
  return {
    operation: { id: event.id, app: event.app, phase: event.phase, message: event.message, version: event.version, awaitingConfirmation: event.awaitingConfirmation ?? null },
    resources: orderedResults(event).map((r) => row(resourceDocument(r), r, false)),
  };
}

/** A line of a list: the header fields of an operation (those of {@link operationDocument}) and a few more. */
export type OperationSummary = OperationDocument['operation'] & { initiatedBy: string; dryRun: boolean; resources: number };

export function operationSummary(op: Operation): OperationSummary {
  return { ...operationHeader(op), initiatedBy: op.spec.initiatedBy, dryRun: op.spec.dryRun, resources: op.results.length };
}
