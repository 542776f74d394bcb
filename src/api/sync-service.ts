/**
 * Start a sync of a registered application: check D6 early, fetch the revision (git cache), load
 * and plan the manifests (for D9 warnings), and submit the operation. Every way this can fail
 * becomes an {@link HttpProblem} naming what to fix.
 */
import { ManifestError, formatIssue } from '../manifests/index.js';
import type { Manifest, Warning } from '../manifests/index.js';
import type { Orchestrator } from '../orchestrator/index.js';
import { plan } from '../plan/index.js';
import type { ResourceSelector } from '../plan/index.js';
import { parseJqPath } from '../diff/index.js';
import { GitCommandError, SourceError } from '../sources/index.js';
import type { GitCache } from '../sources/index.js';
import { OperationRunningError } from '../store/index.js';
import type { ApplicationRecord, Store } from '../store/index.js';
import { isDone } from '../sync/index.js';
import { operationSpec } from '../sync/index.js';
import type { DeletionCascade, Operation, OperationSpec, RetryStrategy } from '../sync/index.js';
import { isSourcePermitted } from '../projects/index.js';
import { syncOptionMap } from './application-manifest.js';
import type { ProjectPolicy } from './projects.js';
import { HttpProblem } from './problem.js';

/** Deadlines and pauses of operations started through the API (D2, D3); what is not given comes from `operationSpec()`. */
export type OperationDefaults = Partial<Pick<OperationSpec, 'timeoutMs' | 'hookTimeoutMs' | 'waveDelayMs'>>;

export interface SyncServiceOptions {
  store: Pick<Store, 'getOperation' | 'runningOperationOf'>;
  orchestrator: Pick<Orchestrator, 'submit'>;
  sources: Pick<GitCache, 'load'>;
  /** The application's project, read again at every sync (docs/semantics.md §18). */
  projects: Pick<ProjectPolicy, 'projectOf' | 'require'>;
  defaults?: OperationDefaults;
  /** Public URL of the dashboard, for links in notifications. @defaultValue none */
  dashboardUrl?: string;
}

export interface SyncRequest {
  app: ApplicationRecord;
  /** Overrides `spec.source.targetRevision`. */
  revision?: string;
  /** @defaultValue `automated.prune` for automated syncs, else false */
  prune?: boolean;
  /** @defaultValue false */
  dryRun?: boolean;
  /** Selective sync (docs/semantics.md §9.9): only these resources, no hooks. @defaultValue all */
  resources?: ResourceSelector[];
  /** Delete the application instead (§11): PreDelete hooks, its live resources, PostDelete hooks. */
  deletion?: { cascade: DeletionCascade };
  /** `api`, `webhook`, … */
  initiatedBy: string;
  /** An automated sync (webhook): §10.3 — retry `{limit: 5}` unless the application sets one. */
  automated?: boolean;
}

/** §10.3: the automated-sync default when the application sets no retry. */
const AUTOMATED_RETRY: RetryStrategy = { limit: 5 };

export interface SyncService {
  /** @throws HttpProblem 409 (D6), 422 (bad source or manifests, a project that does not exist or does not permit the repository), 502 (git unreachable) */
  start(request: SyncRequest): Promise<Operation>;
  /** The id of the application's operation that has not finished, if any (D6). */
  runningOperation(app: string): Promise<string | undefined>;
}

/** D9: `jqPathExpressions` outside the subset hookrunner evaluates are left out; said with every operation. */
function unsupportedIgnoreRules(app: ApplicationRecord): Warning[] {
  return (app.ignoreDifferences ?? []).flatMap((rule, i) =>
    (rule.jqPathExpressions ?? []).flatMap((expression, j) => {
      const parsed = parseJqPath(expression);
      if (!('error' in parsed)) return [];
      return [{ file: `application ${app.name}`, line: 1, message: `spec.ignoreDifferences[${i}].jqPathExpressions[${j}] is ignored: ${parsed.error}; write it as a field path, jsonPointers or managedFieldsManagers (docs/semantics.md §9.12)` }];
    }),
  );
}

/** 409 naming the running operation (D6). */
export function operationRunning(app: string, operationId: string): HttpProblem {
  return new HttpProblem(409, `application ${app} already has a running operation: ${operationId}`, {
    type: 'operation-running',
    extensions: { runningOperation: operationId, links: { operation: `/api/v1/operations/${operationId}` } },
  });
}

export function createSyncService(options: SyncServiceOptions): SyncService {
  const { store, orchestrator, sources, projects, defaults = {} } = options;

  async function runningOperation(app: string): Promise<string | undefined> {
    const id = await store.runningOperationOf(app);
    if (!id) return undefined;
    const op = await store.getOperation(id);
    return op && !isDone(op) ? id : undefined;
  }

  async function load(request: SyncRequest): Promise<{ revision: string; manifests: Manifest[]; warnings: Warning[] }> {
    const { app } = request;
    try {
      return await sources.load({
        repoURL: app.source.repoURL,
        targetRevision: request.revision ?? app.source.targetRevision,
        path: app.source.path,
        ...(app.source.directory ? { directory: app.source.directory } : {}),
      });
    } catch (err) {
      if (err instanceof SourceError) {
        const field = err.field === 'targetRevision' && request.revision !== undefined ? 'revision' : `spec.source.${err.field}`;
        throw new HttpProblem(422, err.message, { type: 'source', title: 'Source not found', errors: [{ field, message: err.message }], cause: err });
      }
      if (err instanceof ManifestError) {
        throw new HttpProblem(422, `the manifests at ${app.source.path} are invalid`, {
          type: 'manifests',
          title: 'Invalid manifests',
          errors: err.issues.map((issue) => ({ field: 'spec.source.path', message: formatIssue(issue) })),
          cause: err,
        });
      }
      if (err instanceof GitCommandError) throw new HttpProblem(502, err.message, { type: 'git', title: 'Repository unavailable', cause: err });
      throw err;
    }
  }

  return {
    runningOperation,
    async start(request) {
      const { app } = request;
      const running = await runningOperation(app.name);
      if (running) throw operationRunning(app.name, running);
      // §18: the project as it is now; a repository it does not permit is not even fetched.
      const project = await projects.require(projects.projectOf(app));
      if (!isSourcePermitted(project.spec, app.source.repoURL)) {
        const message = `application repo ${app.source.repoURL} is not permitted in project '${project.name}'`;
        throw new HttpProblem(422, message, { type: 'project', title: 'Not permitted by the project', errors: [{ field: 'spec.source.repoURL', message }] });
      }
      const source = await load(request);
      const syncOptions = syncOptionMap(app.syncPolicy.syncOptions);
      const createNamespace = syncOptions.get('CreateNamespace') === 'true';
      let planned;
      try {
        planned = plan(source.manifests, { namespace: app.destination.namespace, revision: source.revision, startedAt: new Date(), createNamespace });
      } catch (err) {
        if (!(err instanceof ManifestError)) throw err;
        throw new HttpProblem(422, `the manifests at ${app.source.path} cannot be synced`, {
          type: 'manifests',
          title: 'Invalid manifests',
          errors: err.issues.map((issue) => ({ field: 'spec.source.path', message: formatIssue(issue) })),
          cause: err,
        });
      }
      const retry = app.syncPolicy.retry ?? (request.automated ? AUTOMATED_RETRY : undefined);
      const spec = operationSpec({
        ...defaults,
        app: app.name,
        namespace: app.destination.namespace,
        revision: source.revision,
        manifests: source.manifests,
        warnings: [...source.warnings, ...planned.warnings, ...unsupportedIgnoreRules(app)],
        createNamespace,
        prune: request.prune ?? (request.automated ? (app.syncPolicy.automated?.prune ?? false) : false),
        pruneLast: syncOptions.get('PruneLast') === 'true',
        dryRun: request.dryRun ?? false,
        ...(request.resources?.length ? { resources: request.resources } : {}),
        ...(app.syncPolicy.syncOptions.length > 0 ? { syncOptions: [...app.syncPolicy.syncOptions] } : {}),
        ...(app.ignoreDifferences?.length ? { ignoreDifferences: app.ignoreDifferences } : {}),
        initiatedBy: request.initiatedBy,
        ...(retry && !request.deletion ? { retry } : {}),
        // §11: a deletion deletes every live resource of the app and creates nothing.
        ...(request.deletion ? { deletion: request.deletion, prune: true, createNamespace: false } : {}),
        ...(app.notifications?.length ? { notifications: app.notifications } : {}),
        project: { name: project.name, spec: project.spec },
        ...(options.dashboardUrl ? { dashboardUrl: `${options.dashboardUrl.replace(/\/+$/, '')}/#/applications/${app.name}` } : {}),
      });
      try {
        return await orchestrator.submit(spec);
      } catch (err) {
        if (err instanceof OperationRunningError) throw operationRunning(err.app, err.runningOperationId);
        throw err;
      }
    },
  };
}
