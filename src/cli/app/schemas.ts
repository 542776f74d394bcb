/**
 * What the service answers, checked before use: every field this CLI reads must be there with
 * its type (an old or foreign server gets a clear "unexpected answer", not a crash). Objects are
 * loose: fields the CLI does not read pass through as the server sent them (`-o json` shows
 * them). Enumerations are read as strings, so a value a newer server adds is shown as it is.
 * Application `status` follows /work/notes/status-api.md (Argo CD's shape); a server without it
 * gives none, shown as Unknown.
 */
import { z } from 'zod';
import type { ApiOperationDocument } from '../../api/index.js';
import { ResponseError } from './client.js';

const health = z.looseObject({ status: z.string(), message: z.string().optional() });

/** The header fields every operation answer carries (`operationHeader` on the server). */
const operationHeader = {
  id: z.string(),
  app: z.string(),
  phase: z.string(),
  message: z.string(),
  revision: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
};

export const operationSummarySchema = z.looseObject({
  ...operationHeader,
  initiatedBy: z.string().optional(),
  dryRun: z.boolean().optional(),
  resources: z.number().optional(),
});
export type OperationSummary = z.infer<typeof operationSummarySchema>;

export const resourceStatusSchema = z.looseObject({
  group: z.string(),
  version: z.string().optional(),
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  status: z.string().optional(),
  health: health.optional(),
  requiresPruning: z.boolean().optional(),
  hook: z.boolean().optional(),
});
export type ResourceStatus = z.infer<typeof resourceStatusSchema>;

export const applicationStatusSchema = z.looseObject({
  sync: z.looseObject({ status: z.string(), revision: z.string().nullable().optional(), comparedTo: z.unknown().optional() }),
  health,
  resources: z.array(resourceStatusSchema).optional(),
  reconciledAt: z.string().nullable().optional(),
  conditions: z.array(z.looseObject({ type: z.string(), message: z.string(), lastTransitionTime: z.string().optional() })).optional(),
  summary: z.unknown().optional(),
});
export type ApplicationStatus = z.infer<typeof applicationStatusSchema>;

export const applicationSchema = z.looseObject({
  name: z.string(),
  manifest: z.record(z.string(), z.unknown()),
  source: z.looseObject({ repoURL: z.string(), path: z.string(), targetRevision: z.string(), directory: z.record(z.string(), z.unknown()).optional() }),
  destination: z.looseObject({ namespace: z.string(), server: z.string().optional() }),
  /** The application's project as the server resolved it (docs/semantics.md §18); absent from servers before projects. */
  project: z.string().optional(),
  syncPolicy: z.looseObject({
    automated: z.looseObject({ prune: z.boolean().optional(), selfHeal: z.boolean().optional() }).optional(),
    syncOptions: z.array(z.string()),
    retry: z.unknown().optional(),
  }),
  ignoreDifferences: z.array(z.unknown()).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastOperation: operationSummarySchema.nullable().optional(),
  status: applicationStatusSchema.optional(),
});
export type Application = z.infer<typeof applicationSchema>;

export const applicationListSchema = z.looseObject({ items: z.array(applicationSchema) });
export const historySchema = z.looseObject({ items: z.array(operationSummarySchema) });

const hookLog = z.looseObject({
  pod: z.string(),
  container: z.string(),
  log: z.string(),
  truncated: z.boolean(),
  exitCode: z.number().optional(),
  reason: z.string().optional(),
  terminationMessage: z.string().optional(),
});

const resultRow = z.looseObject({
  key: z.string(),
  syncPhase: z.string(),
  wave: z.number(),
  group: z.string(),
  version: z.string(),
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
  status: z.string().nullable(),
  hookType: z.string().nullable(),
  hookPhase: z.string().nullable(),
  message: z.string(),
  displayStatus: z.string(),
  health: health.nullable(),
  logs: z.array(hookLog).optional(),
});

const pendingTask = z.looseObject({ key: z.string(), syncPhase: z.string(), wave: z.number(), group: z.string(), kind: z.string(), namespace: z.string(), name: z.string() });

export const operationDocumentSchema = z.looseObject({
  operation: z.looseObject({
    ...operationHeader,
    version: z.number(),
    initiatedBy: z.string(),
    dryRun: z.boolean(),
    kind: z.string().optional(),
    awaitingConfirmation: z.looseObject({ kind: z.string(), resources: z.array(z.string()), since: z.string() }).nullable().optional(),
  }),
  resources: z.array(resultRow),
  pending: z.array(pendingTask).optional(),
  warnings: z.array(z.looseObject({ file: z.string(), line: z.number(), message: z.string() })).optional(),
});

export const diffItemSchema = z.looseObject({
  group: z.string(),
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  action: z.string(),
  diff: z.string(),
  differences: z.array(z.unknown()).optional(),
});
export type DiffItem = z.infer<typeof diffItemSchema>;
export const diffSchema = z.looseObject({ revision: z.string().nullable().optional(), items: z.array(diffItemSchema) });

/** Check `data` against `schema`; a mismatch names the first field at fault and what was asked. */
export function expectShape<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at = issue && issue.path.length > 0 ? issue.path.join('.') : 'the body';
  throw new ResponseError(`unexpected answer for ${what}: ${at}: ${issue?.message ?? 'invalid'} (a hookrunner server of another version?)`);
}

/**
 * The operation document of `GET /api/v1/operations/:id` (src/api/documents.ts). The fields this
 * CLI reads are checked; the values of enumerations (phases, result codes) are the server's.
 */
export function operationDocument(data: unknown, what: string): ApiOperationDocument {
  expectShape(operationDocumentSchema, data, what);
  const doc = data as ApiOperationDocument;
  // A server older than `pending` and `warnings` sends none: the same as empty lists.
  return { ...doc, pending: doc.pending ?? [], warnings: doc.warnings ?? [] };
}
