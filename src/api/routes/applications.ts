/** `/api/v1/applications`: register Argo CD Application manifests, list them, start syncs, read history. */
import { Router } from 'express';
import type { Request } from 'express';
import { z } from 'zod';
import { MAX_SELECTED_RESOURCES, selectorProblems } from '../../plan/index.js';
import type { ApplicationStore, Store } from '../../store/index.js';
import { DELETION_CASCADES } from '../../sync/index.js';
import type { DeletionCascade } from '../../sync/index.js';
import { REVISION, applicationRecord, fieldPath, validateApplication } from '../application-manifest.js';
import { hasBody, parseTextBody, textBody } from '../body.js';
import { apiOperationDocument, operationSummary } from '../documents.js';
import type { OperationSummary } from '../documents.js';
import { HttpProblem, validationProblem } from '../problem.js';
import type { SyncService } from '../sync-service.js';
import type { AppStatus } from '../app-status.js';
import type { ProjectPolicy } from '../projects.js';
import { routeLabel } from './route-label.js';

export interface ApplicationRoutesOptions {
  applications: ApplicationStore;
  store: Pick<Store, 'getOperation' | 'history' | 'runningOperationOf'>;
  sync: SyncService;
  appStatus: Pick<AppStatus, 'statusOf' | 'tree' | 'diff' | 'changed'>;
  /** Which project an application belongs to and what it permits (docs/semantics.md §18). */
  projects: Pick<ProjectPolicy, 'defaultProject' | 'require' | 'checkApplication'>;
  bodyLimitBytes: number;
  now: () => Date;
}

const selector = z
  .strictObject({ group: z.string().max(253), kind: z.string().max(63), namespace: z.string().max(63).optional(), name: z.string().max(253) })
  .superRefine((s, ctx) => {
    for (const p of selectorProblems(s)) ctx.addIssue({ code: 'custom', path: [p.field], message: p.message });
  });

const syncBody = z.strictObject({
  revision: z.string().regex(REVISION, 'must be a branch, tag, commit sha or HEAD').optional(),
  prune: z.boolean().optional(),
  dryRun: z.boolean().optional(),
  /** Selective sync (docs/semantics.md §9.9): only these resources, no hooks. */
  resources: z.array(selector).min(1, 'must list at least one resource (omit it to sync everything)').max(MAX_SELECTED_RESOURCES).optional(),
});

function parseSyncBody(req: Request): z.infer<typeof syncBody> {
  const body = parseTextBody({ body: req.body, contentType: req.get('content-type'), hasBody: hasBody(req), required: false });
  const result = syncBody.safeParse(body, { error: (i) => (i.code === 'invalid_type' ? `must be a ${i.expected}` : undefined) });
  if (result.success) return result.data;
  const errors = result.error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ field: fieldPath([...i.path, k]), message: i.path.length === 0 ? 'is not a sync option (revision, prune, dryRun, resources)' : 'is not a field of a resource (group, kind, namespace, name)' }))
      : [{ field: fieldPath(i.path), message: i.message }],
  );
  throw validationProblem(errors);
}

function readManifest(req: Request): { original: Record<string, unknown>; manifest: ReturnType<typeof validateApplication> } {
  const original = parseTextBody({ body: req.body, contentType: req.get('content-type'), hasBody: hasBody(req), required: true });
  return { original, manifest: validateApplication(original) };
}

export function applicationRoutes(options: ApplicationRoutesOptions): Router {
  const { applications, store, sync, appStatus, projects, bodyLimitBytes, now } = options;
  const router = Router();
  const text = textBody(bodyLimitBytes);

  async function lastOperation(app: string): Promise<OperationSummary | null> {
    const [id] = await store.history(app, 1);
    const op = id ? await store.getOperation(id) : undefined;
    return op ? operationSummary(op) : null;
  }

  async function found(name: string) {
    const record = await applications.getApplication(name);
    if (!record) throw new HttpProblem(404, `application ${name} not found`, { type: 'not-found' });
    return record;
  }

  router.get('/', routeLabel, async (_req, res) => {
    const records = await applications.listApplications();
    const items = await Promise.all(records.map(async (r) => ({ ...r, lastOperation: await lastOperation(r.name), status: appStatus.statusOf(r) })));
    res.json({ items });
  });

  router.post('/', routeLabel, text, async (req, res) => {
    const { original, manifest } = readManifest(req);
    if (!manifest.ok) throw validationProblem(manifest.errors);
    const name = manifest.manifest.metadata.name;
    const record = applicationRecord({ manifest: manifest.manifest, original, now: now(), defaultProject: projects.defaultProject });
    projects.checkApplication(record, await projects.require(record.project ?? projects.defaultProject));
    // Create-only in one step: of two concurrent POSTs of one name, the second gets the 409.
    if (!(await applications.createApplication(record))) {
      throw new HttpProblem(409, `application ${name} already exists; PUT /api/v1/applications/${name} replaces it`, { type: 'already-exists' });
    }
    appStatus.changed(record, 'application created');
    res.status(201).location(`/api/v1/applications/${name}`).json(record);
  });

  router.get('/:name', routeLabel, async (req, res) => {
    const record = await found(req.params['name'] as string);
    res.json({ ...record, lastOperation: await lastOperation(record.name), status: appStatus.statusOf(record) });
  });

  /** docs/semantics.md §17.3: the application's live objects and what they own, as Argo CD's resource tree. */
  router.get('/:name/resource-tree', routeLabel, async (req, res) => {
    const record = await found(req.params['name'] as string);
    res.json({ nodes: appStatus.tree(record) });
  });

  /** docs/semantics.md §17.2: desired (the source at the target revision) against live. */
  router.get('/:name/diff', routeLabel, async (req, res) => {
    const record = await found(req.params['name'] as string);
    res.json(appStatus.diff(record));
  });

  router.put('/:name', routeLabel, text, async (req, res) => {
    const name = req.params['name'] as string;
    const { original, manifest } = readManifest(req);
    if (!manifest.ok) throw validationProblem(manifest.errors);
    if (manifest.manifest.metadata.name !== name) throw validationProblem([{ field: 'metadata.name', message: `must be "${name}", the name in the URL` }]);
    const existing = await applications.getApplication(name);
    const record = applicationRecord({ manifest: manifest.manifest, original, now: now(), defaultProject: projects.defaultProject, ...(existing ? { createdAt: existing.createdAt } : {}) });
    projects.checkApplication(record, await projects.require(record.project ?? projects.defaultProject));
    await applications.putApplication(record);
    appStatus.changed(record, existing ? 'application changed' : 'application created');
    res.status(existing ? 200 : 201).json(record);
  });

  /**
   * §11: deleting an application is an operation — PreDelete hooks, its live resources (reverse
   * waves, `?cascade=foreground|background|orphan`), PostDelete hooks; the record goes once it succeeded.
   */
  router.delete('/:name', routeLabel, async (req, res) => {
    const record = await found(req.params['name'] as string);
    const cascade = req.query['cascade'] ?? 'foreground';
    if (typeof cascade !== 'string' || !(DELETION_CASCADES as readonly string[]).includes(cascade)) {
      throw validationProblem([{ field: 'cascade', message: `must be one of ${DELETION_CASCADES.join(', ')}` }]);
    }
    const op = await sync.start({ app: record, initiatedBy: 'api', deletion: { cascade: cascade as DeletionCascade } });
    res.status(202).location(`/api/v1/operations/${op.id}`).json(apiOperationDocument(op));
  });

  router.post('/:name/sync', routeLabel, text, async (req, res) => {
    const record = await found(req.params['name'] as string);
    const body = parseSyncBody(req);
    const op = await sync.start({
      app: record,
      initiatedBy: 'api',
      ...(body.revision !== undefined ? { revision: body.revision } : {}),
      ...(body.prune !== undefined ? { prune: body.prune } : {}),
      ...(body.dryRun !== undefined ? { dryRun: body.dryRun } : {}),
      ...(body.resources !== undefined ? { resources: body.resources } : {}),
    });
    res.status(202).location(`/api/v1/operations/${op.id}`).json(apiOperationDocument(op));
  });

  router.get('/:name/operations', routeLabel, async (req, res) => {
    const record = await found(req.params['name'] as string);
    const raw = req.query['limit'];
    const limit = raw === undefined ? 20 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw validationProblem([{ field: 'limit', message: 'must be an integer from 1 to 100' }]);
    const ids = await store.history(record.name, limit);
    const ops = await Promise.all(ids.map((id) => store.getOperation(id)));
    res.json({ items: ops.filter((op) => op !== undefined).map(operationSummary) });
  });

  return router;
}
