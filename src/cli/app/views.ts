/** The tables and summaries of `app list`, `app get` and `app history`, like `argocd app list/get/history`. */
import type { ApiOperationDocument, ApiResourceDocument } from '../../api/index.js';
import { cell, renderTable } from '../table.js';
import { UNKNOWN_STATUS } from './argo.js';
import { age, duration, formatTime, oneLine, shortRevision } from './format.js';
import type { Application, OperationSummary, ResourceStatus } from './schemas.js';

function statusOf(app: Application) {
  return app.status ?? UNKNOWN_STATUS;
}

function projectOf(app: Application): string {
  if (app.project) return app.project;
  const spec = app.manifest['spec'];
  const project = spec && typeof spec === 'object' ? (spec as Record<string, unknown>)['project'] : undefined;
  return typeof project === 'string' ? project : 'default';
}

/** `Auto-Prune`, `Auto` or `Manual`, as `argocd app list`'s SYNCPOLICY. */
export function syncPolicyText(app: Application): string {
  const auto = app.syncPolicy.automated;
  if (!auto) return 'Manual';
  return auto.prune ? 'Auto-Prune' : 'Auto';
}

/** `Succeeded 5m ago`, or `never synced`. */
export function lastOperationText(last: OperationSummary | null | undefined, now: number = Date.now()): string {
  if (!last) return 'never synced';
  return `${last.phase} ${age(last.finishedAt ?? last.startedAt, now)} ago`;
}

function revisionOf(app: Application): string {
  return shortRevision(statusOf(app).sync.revision ?? app.lastOperation?.revision);
}

export function renderApplicationList(apps: readonly Application[], wide: boolean, now: number = Date.now()): string {
  const headers = ['NAME', 'NAMESPACE', 'SYNC STATUS', 'HEALTH STATUS', 'SYNC POLICY', 'REVISION', 'LAST OPERATION'];
  const rows = apps.map((app) => {
    const status = statusOf(app);
    const base = [app.name, app.destination.namespace, status.sync.status, status.health.status, syncPolicyText(app), revisionOf(app), lastOperationText(app.lastOperation, now)];
    if (!wide) return base;
    const conditions = (status.conditions ?? []).map((c) => c.type).join(',');
    return [...base, projectOf(app), cell(app.destination.server), app.source.repoURL, app.source.path, app.source.targetRevision, formatTime(app.lastOperation?.finishedAt), cell(conditions)];
  });
  return renderTable(wide ? [...headers, 'PROJECT', 'CLUSTER', 'REPO', 'PATH', 'TARGET', 'LAST SYNC', 'CONDITIONS'] : headers, rows);
}

function field(name: string, value: string): string {
  return `${`${name}:`.padEnd(20)}${value}`;
}

function syncStatusText(app: Application): string {
  const { sync } = statusOf(app);
  if (!sync.revision) return sync.status;
  return `${sync.status} to ${app.source.targetRevision} (${shortRevision(sync.revision)})`;
}

function healthText(app: Application): string {
  const { health } = statusOf(app);
  return health.message ? `${health.status} (${oneLine(health.message, 120)})` : health.status;
}

/** The summary of `app get`: where the app comes from and goes to, its status, its last operation. */
export function renderApplicationSummary(app: Application): string {
  const status = statusOf(app);
  const lines = [
    field('Name', app.name),
    field('Project', projectOf(app)),
    field('Server', cell(app.destination.server)),
    field('Namespace', app.destination.namespace),
    field('Repo', app.source.repoURL),
    field('Target', app.source.targetRevision),
    field('Path', app.source.path),
    field('Sync Policy', syncPolicyText(app)),
    field('Sync Status', syncStatusText(app)),
    field('Health Status', healthText(app)),
  ];
  if (!app.status) lines.push(field('Reconciled At', 'never (this server reports no application status)'));
  else lines.push(field('Reconciled At', status.reconciledAt ? formatTime(status.reconciledAt) : 'not yet'));
  for (const c of status.conditions ?? []) lines.push(field('Condition', `${c.type}: ${oneLine(c.message, 160)}`));
  const last = app.lastOperation;
  lines.push('');
  if (!last) {
    lines.push(field('Last Operation', 'none (never synced)'));
  } else {
    lines.push(field('Last Operation', `${last.id}${last.initiatedBy ? ` (initiated by ${last.initiatedBy}${last.dryRun ? ', dry run' : ''})` : ''}`));
    lines.push(field('Phase', last.phase));
    lines.push(field('Message', oneLine(last.message, 160)));
    lines.push(field('Revision', last.revision));
    lines.push(field('Started At', formatTime(last.startedAt)));
    lines.push(field('Finished At', last.finishedAt ? `${formatTime(last.finishedAt)} (took ${duration(last.startedAt, last.finishedAt)})` : `- (running for ${duration(last.startedAt, null)})`));
  }
  return `${lines.join('\n')}\n`;
}

type Identity = { group: string; kind: string; namespace?: string | undefined; name: string };
const identity = (r: Identity): string => `${r.group}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

/**
 * The resources table of `app get`: the application's resources from its status, with the
 * message (and hook type) of the last operation's row for each; the last operation's hooks
 * after them. Without status resources (an older server, not compared yet), the last
 * operation's rows.
 */
export function renderResourceTable(app: Application, doc: ApiOperationDocument | undefined, wide: boolean): string {
  const opRows = new Map<string, ApiResourceDocument>();
  for (const r of doc?.resources ?? []) opRows.set(identity(r), r);
  const statusRows: ResourceStatus[] = statusOf(app).resources ?? [];
  const seen = new Set(statusRows.map(identity));
  const rows: string[][] = statusRows.map((r) => {
    const op = opRows.get(identity(r));
    const hook = r.hook ? (op?.hookType ?? 'Hook') : op?.hookType;
    const status = r.requiresPruning ? `${r.status ?? 'OutOfSync'} (requires pruning)` : r.status;
    const base = [cell(r.group), r.kind, cell(r.namespace), r.name, cell(status), cell(r.health?.status), cell(hook), oneLine(op?.message ?? '')];
    return wide ? [cell(r.version ?? op?.version), ...base, cell(r.health?.message ? oneLine(r.health.message, 80) : undefined)] : base;
  });
  for (const r of doc?.resources ?? []) {
    if (seen.has(identity(r)) || (statusRows.length > 0 && !r.hookType)) continue;
    const base = [cell(r.group), r.kind, cell(r.namespace), r.name, cell(r.displayStatus), cell(r.health?.status), cell(r.hookType), oneLine(r.message)];
    rows.push(wide ? [cell(r.version), ...base, cell(r.health?.message ? oneLine(r.health.message, 80) : undefined)] : base);
  }
  const headers = ['GROUP', 'KIND', 'NAMESPACE', 'NAME', 'STATUS', 'HEALTH', 'HOOK', 'MESSAGE'];
  return renderTable(wide ? ['VERSION', ...headers, 'HEALTH MESSAGE'] : headers, rows);
}

/** `app history`: newest first, timestamps with their time zone. */
export function renderHistory(items: readonly OperationSummary[], wide: boolean): string {
  const headers = ['ID', 'STARTED', 'FINISHED', 'PHASE', 'REVISION', 'INITIATED BY'];
  const rows = items.map((op) => {
    const base = [op.id, formatTime(op.startedAt), formatTime(op.finishedAt), op.phase, wide ? op.revision : shortRevision(op.revision), cell(op.initiatedBy)];
    return wide ? [...base, duration(op.startedAt, op.finishedAt), op.dryRun ? 'yes' : 'no', cell(op.resources), oneLine(op.message)] : base;
  });
  return renderTable(wide ? [...headers, 'DURATION', 'DRY RUN', 'RESOURCES', 'MESSAGE'] : headers, rows);
}
