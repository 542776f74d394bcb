/**
 * Automated syncs asked for by git pushes. They start in the background: the caller (the webhook)
 * answers at once, because GitHub gives up on a delivery after 10 s and a fetch can take longer.
 * While an operation of the application runs (D6 allows one), the request is remembered in Redis
 * and the sync starts when that operation ends: a push is never dropped for arriving at the wrong
 * moment. The end of an operation reaches {@link AutoSync.onTransition} through the engine's
 * `onTransition` hook (every `serve` process runs an orchestrator), and taking the request out of
 * Redis is atomic, so one process starts the resync.
 */
import type { Logger } from 'pino';
import type { ApplicationRecord, ApplicationStore } from '../store/index.js';
import { isDone } from '../sync/index.js';
import type { Operation } from '../sync/index.js';
import { HttpProblem } from './problem.js';
import type { SyncService } from './sync-service.js';

/** What became of one application's sync request. */
export type AutoSyncOutcome =
  /** The sync is being started in the background (a failure to start is logged). */
  | { app: string; status: 'starting' }
  /** An operation of the application runs: the sync starts when it ends. */
  | { app: string; status: 'queued'; runningOperation?: string };

export interface AutoSyncOptions {
  applications: Pick<ApplicationStore, 'getApplication' | 'requestResync' | 'takeResync'>;
  sync: Pick<SyncService, 'start' | 'runningOperation'>;
  logger: Logger;
}

/** Told what became of a sync started in the background. */
export interface StartHooks {
  /** The operation started. */
  started?(operationId: string): Promise<void>;
  /** It did not start (an error; not when queued behind a running operation). */
  notStarted?(): Promise<void>;
}

export interface AutoSync {
  /** Start an automated sync of `app` in the background, or queue it behind the application's running operation. */
  request(app: ApplicationRecord, initiatedBy: string, hooks?: StartHooks): Promise<AutoSyncOutcome>;
  /** The engine's `onTransition`: when an operation ends and its application has a queued sync, start that sync. */
  onTransition(previous: Operation | undefined, next: Operation): Promise<void>;
  /** Start nothing more; wait for the starts in progress. */
  close(): Promise<void>;
}

/** Rounds of "start → 409 → queue → nothing runs any more → start again" before giving up (each round means another operation began meanwhile). */
const MAX_ROUNDS = 3;

const isOperationRunning = (err: unknown): err is HttpProblem => err instanceof HttpProblem && err.type === 'urn:hookrunner:problem:operation-running';

export function createAutoSync(options: AutoSyncOptions): AutoSync {
  const { applications, sync, logger } = options;
  const pending = new Set<Promise<void>>();
  let closed = false;

  /**
   * Record the resync request, then look again: an operation that ended before the record was
   * written would never take it. Undefined when nothing runs any more and the record was taken
   * back: then the caller starts the sync itself.
   */
  async function queue(app: string): Promise<{ runningOperation?: string } | undefined> {
    await applications.requestResync(app);
    const running = await sync.runningOperation(app);
    if (running) return { runningOperation: running };
    if (await applications.takeResync(app)) return undefined;
    return {}; // another process took the request: it starts the sync
  }

  async function start(app: ApplicationRecord, initiatedBy: string, hooks: StartHooks): Promise<void> {
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      try {
        const op = await sync.start({ app, initiatedBy, automated: true });
        logger.info({ app: app.name, operation: op.id, revision: op.revision, initiatedBy }, 'automated sync started');
        await hooks.started?.(op.id).catch((err: unknown) => logger.warn({ app: app.name, operation: op.id, err }, 'could not record the operation of the push'));
        return;
      } catch (err) {
        if (!isOperationRunning(err)) {
          logger.error({ app: app.name, initiatedBy, err }, `automated sync of ${app.name} could not start: ${err instanceof Error ? err.message : String(err)}`);
          await hooks.notStarted?.();
          return;
        }
        const queued = await queue(app.name);
        if (queued) {
          logger.info({ app: app.name, initiatedBy, runningOperation: queued.runningOperation }, 'automated sync queued until the running operation ends');
          return;
        }
      }
    }
    logger.error({ app: app.name, initiatedBy }, `automated sync of ${app.name} not started: another operation began each time, ${MAX_ROUNDS} times`);
    await hooks.notStarted?.();
  }

  function startInBackground(app: ApplicationRecord, initiatedBy: string, hooks: StartHooks = {}): void {
    const work = start(app, initiatedBy, hooks).catch((err: unknown) => {
      logger.error({ app: app.name, initiatedBy, err }, `automated sync of ${app.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    });
    pending.add(work);
    void work.then(() => pending.delete(work));
  }

  return {
    async request(app, initiatedBy, hooks = {}) {
      if (await sync.runningOperation(app.name)) {
        const queued = await queue(app.name);
        if (queued) return { app: app.name, status: 'queued', ...queued };
      }
      startInBackground(app, initiatedBy, hooks);
      return { app: app.name, status: 'starting' };
    },
    async onTransition(_previous, next) {
      if (closed || !isDone(next)) return;
      if (!(await applications.takeResync(next.app))) return;
      const app = await applications.getApplication(next.app);
      if (!app?.syncPolicy.automated) {
        logger.info({ app: next.app, operation: next.id }, 'queued automated sync dropped: the application is gone or no longer automated');
        return;
      }
      startInBackground(app, `webhook (a push arrived while ${next.id} ran)`);
    },
    async close() {
      closed = true;
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
