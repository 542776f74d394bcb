import type { OperationPhase } from '../manifests/index.js';

/** A task that failed, as a notification shows it. */
export interface FailedTask {
  /** `Job/health-check-pre-job`, or just a name. */
  name: string;
  /** The sync phase it ran in. */
  phase?: string;
  /** Why it failed: `Job has reached the specified backoff limit`, the API server's refusal, a timeout message. */
  message: string;
  /** The tail of the hook's log (D4); shown fenced and shortened. */
  logExcerpt?: string;
}

/** What a sync notification is about. Every field but `app` may be missing (e.g. no revision when loading failed early). */
export interface SyncContext {
  app: string;
  /** What the operation does: sync the application, or delete it (docs/semantics.md §11). @defaultValue 'sync' */
  kind?: 'sync' | 'deletion';
  operationId?: string;
  revision?: string;
  /** The sync phase the notice is about (`PreSync`, `Sync`, `PostSync`, `SyncFail`). */
  phase?: string;
  /** The operation's phase: `Running`, `Succeeded`, `Failed`, `Error`, `Terminating`. */
  outcome?: OperationPhase;
  startedAt?: Date;
  finishedAt?: Date;
  /** Defaults to `finishedAt - startedAt` when both are known. */
  durationMs?: number;
  /** The operation's message, e.g. `one or more synchronization tasks completed unsuccessfully`. */
  message?: string;
  failedTasks?: readonly FailedTask[];
  /** Link to the operation in the dashboard, when one is configured. */
  dashboardUrl?: string;
}

/** The sync-context variables hook pods get (docs/semantics.md D5). */
export const SYNC_CONTEXT_ENV = {
  app: 'HOOKRUNNER_APP',
  operationId: 'HOOKRUNNER_OPERATION_ID',
  revision: 'HOOKRUNNER_REVISION',
  phase: 'HOOKRUNNER_PHASE',
  failure: 'HOOKRUNNER_FAILURE',
} as const;

const OUTCOME_OF_PHASE: Readonly<Record<string, OperationPhase>> = {
  PreSync: 'Running',
  Sync: 'Running',
  PostSync: 'Succeeded',
  SyncFail: 'Failed',
};

/**
 * The D5 sync context of a hook pod, or undefined when the pod has none (no `HOOKRUNNER_APP` and
 * no `HOOKRUNNER_OPERATION_ID`). A PostSync hook runs only after a successful sync, so its outcome
 * is `Succeeded`; a SyncFail hook's is `Failed`. `HOOKRUNNER_FAILURE` is read as a JSON list of
 * `{ name, message, phase?, logExcerpt? }` (or `{ tasks: [...] }`); any other text is taken as the
 * operation's failure message.
 */
export function syncContextFromEnv(env: Readonly<Record<string, string | undefined>>): SyncContext | undefined {
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const app = value(SYNC_CONTEXT_ENV.app);
  const operationId = value(SYNC_CONTEXT_ENV.operationId);
  if (app === undefined && operationId === undefined) return undefined;
  const revision = value(SYNC_CONTEXT_ENV.revision);
  const phase = value(SYNC_CONTEXT_ENV.phase);
  const failure = value(SYNC_CONTEXT_ENV.failure);
  const outcome = phase !== undefined ? OUTCOME_OF_PHASE[phase] : undefined;
  const tasks = failure !== undefined ? parseFailedTasks(failure) : undefined;
  return {
    app: app ?? '(unknown app)',
    ...(operationId !== undefined ? { operationId } : {}),
    ...(revision !== undefined ? { revision } : {}),
    ...(phase !== undefined ? { phase } : {}),
    ...(outcome !== undefined ? { outcome } : failure !== undefined ? { outcome: 'Failed' as const } : {}),
    ...(tasks !== undefined ? { failedTasks: tasks } : failure !== undefined ? { message: failure } : {}),
  };
}

function parseFailedTasks(text: string): FailedTask[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const list = Array.isArray(parsed) ? parsed : isRecord(parsed) && Array.isArray(parsed['tasks']) ? (parsed['tasks'] as unknown[]) : undefined;
  if (!list) return undefined;
  const tasks: FailedTask[] = [];
  for (const item of list) {
    if (!isRecord(item) || typeof item['name'] !== 'string') continue;
    const str = (key: string): string | undefined => (typeof item[key] === 'string' ? item[key] : undefined);
    const phase = str('phase');
    const logExcerpt = str('logExcerpt');
    tasks.push({ name: item['name'], message: str('message') ?? '', ...(phase ? { phase } : {}), ...(logExcerpt ? { logExcerpt } : {}) });
  }
  return tasks.length > 0 ? tasks : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
