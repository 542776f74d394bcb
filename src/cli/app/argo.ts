/**
 * The application as Argo CD's `argocd app get -o json` shows it — `metadata`, `spec`, and
 * `status.sync.status`, `status.health.status`, `status.resources`, `status.operationState` —
 * built from the API's application document (and, when given, its last operation's document for
 * `operationState.syncResult`). Scripts written for Argo CD read the same paths.
 */
import type { ApiOperationDocument } from '../../api/index.js';
import type { Application, ApplicationStatus, OperationSummary } from './schemas.js';

export interface ArgoResourceResult {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status: string | null;
  message: string;
  hookType?: string;
  hookPhase: string | null;
  syncPhase: string;
}

export interface ArgoOperationState {
  operation: { sync: { revision: string; dryRun?: boolean }; initiatedBy: { username: string } };
  phase: string;
  message: string;
  startedAt: string;
  finishedAt?: string;
  /** hookrunner's operation id (`GET /api/v1/operations/:id`). */
  operationId: string;
  syncResult?: { revision: string; resources: ArgoResourceResult[] };
}

export interface ArgoApplication {
  apiVersion: 'argoproj.io/v1alpha1';
  kind: 'Application';
  metadata: { name: string; creationTimestamp: string; annotations?: Record<string, unknown>; labels?: Record<string, unknown> };
  spec: {
    project: string;
    source: Application['source'];
    destination: Application['destination'];
    syncPolicy: Record<string, unknown>;
    ignoreDifferences?: unknown[];
  };
  status: Omit<ApplicationStatus, 'resources'> & { resources: NonNullable<ApplicationStatus['resources']>; operationState?: ArgoOperationState };
}

/** A server without the status API, or an app not compared yet: Argo CD's Unknown. */
export const UNKNOWN_STATUS: ApplicationStatus = { sync: { status: 'Unknown', revision: null }, health: { status: 'Unknown' }, resources: [], reconciledAt: null };

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** `spec.syncPolicy` as the manifest wrote it (Argo CD's own form), else as the server read it. */
function syncPolicyOf(app: Application): Record<string, unknown> {
  const written = record(record(app.manifest['spec'])?.['syncPolicy']);
  if (written) return written;
  return { ...(app.syncPolicy.automated ? { automated: app.syncPolicy.automated } : {}), ...(app.syncPolicy.syncOptions.length > 0 ? { syncOptions: app.syncPolicy.syncOptions } : {}) };
}

function syncResultOf(doc: ApiOperationDocument): ArgoOperationState['syncResult'] {
  return {
    revision: doc.operation.revision,
    resources: doc.resources.map((r) => ({
      group: r.group,
      version: r.version,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      status: r.status ?? null,
      message: r.message,
      ...(r.hookType ? { hookType: r.hookType } : {}),
      hookPhase: r.hookPhase ?? null,
      syncPhase: r.syncPhase,
    })),
  };
}

export function argoOperationState(last: OperationSummary, doc?: ApiOperationDocument): ArgoOperationState {
  return {
    operation: { sync: { revision: last.revision, ...(last.dryRun ? { dryRun: true } : {}) }, initiatedBy: { username: last.initiatedBy ?? 'unknown' } },
    phase: last.phase,
    message: last.message,
    startedAt: last.startedAt,
    ...(last.finishedAt ? { finishedAt: last.finishedAt } : {}),
    operationId: last.id,
    ...(doc && doc.operation.id === last.id ? { syncResult: syncResultOf(doc) } : {}),
  };
}

export interface ArgoApplicationInput {
  app: Application;
  /** The document of `app.lastOperation`, for `status.operationState.syncResult`. @defaultValue none */
  lastOperation?: ApiOperationDocument;
}

export function argoApplication(input: ArgoApplicationInput): ArgoApplication {
  const { app } = input;
  const metadata = record(app.manifest['metadata']) ?? {};
  const spec = record(app.manifest['spec']) ?? {};
  const status = app.status ?? UNKNOWN_STATUS;
  const annotations = record(metadata['annotations']);
  const labels = record(metadata['labels']);
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: app.name, creationTimestamp: app.createdAt, ...(annotations ? { annotations } : {}), ...(labels ? { labels } : {}) },
    spec: {
      project: app.project ?? (typeof spec['project'] === 'string' && spec['project'] ? spec['project'] : 'default'),
      source: app.source,
      destination: app.destination,
      syncPolicy: syncPolicyOf(app),
      ...(app.ignoreDifferences ? { ignoreDifferences: app.ignoreDifferences } : {}),
    },
    status: {
      ...status,
      resources: status.resources ?? [],
      ...(app.lastOperation ? { operationState: argoOperationState(app.lastOperation, input.lastOperation) } : {}),
    },
  };
}
