/**
 * Argo CD's `syncPolicy.automated` (docs/semantics.md §17.4), driven by application status:
 * - a **new revision** (found by git polling, a push webhook, or a changed application) makes an
 *   automated application OutOfSync at a commit it was not synced to: a sync of that commit starts
 *   (not again after a failed attempt at the same commit: a SyncError condition says so);
 * - **self-heal**: an application OutOfSync at the commit it was last synced to has drifted; with
 *   `selfHeal` the drifted resources are synced again (a selective sync, no hooks, as Argo CD does)
 *   after `timeoutMs`, the delay growing by `factor` with each self-heal in the loop window; after
 *   `loopLimit` self-heals within `loopWindowMs` something is fighting the sync: self-heal stops for
 *   that commit, with a SelfHealLoop condition, until a new revision or a change of the application;
 * - `prune` deletes what the source dropped; without `allowEmpty` a sync that would leave the
 *   application without resources is refused (SyncError condition).
 * Every automated sync says what triggered it in `initiatedBy`.
 */
import type { Logger } from 'pino';
import type { ApplicationRecord, ApplicationStore, Store } from '../store/index.js';
import type { ApplicationStatus, StatusController } from '../status/index.js';
import { isDone } from '../sync/index.js';
import type { Operation } from '../sync/index.js';
import { formatMs } from '../util/index.js';
import { HttpProblem } from './problem.js';
import type { SyncService } from './sync-service.js';

export interface SelfHealOptions {
  /** Drift is healed this long after it is seen (Argo CD's `--self-heal-timeout-seconds`). @defaultValue 5_000 */
  timeoutMs?: number;
  /** Each further self-heal within the loop window waits `factor` times longer. @defaultValue 3 */
  factor?: number;
  /** @defaultValue 300_000 */
  maxDelayMs?: number;
  /** Self-heals of one commit within {@link SelfHealOptions.loopWindowMs} that make a loop. @defaultValue 5 */
  loopLimit?: number;
  /** @defaultValue 600_000 */
  loopWindowMs?: number;
}

export interface AutomationOptions {
  applications: Pick<ApplicationStore, 'getApplication'>;
  store: Pick<Store, 'history' | 'getOperation'>;
  sync: Pick<SyncService, 'start' | 'runningOperation'>;
  status: Pick<StatusController, 'refresh' | 'setCondition' | 'status' | 'foundBy'>;
  selfHeal?: SelfHealOptions;
  logger: Logger;
  /** @defaultValue Date.now */
  now?: () => number;
  /**
   * False while another `serve` replica holds the automation lease: this one then starts no automated
   * sync (decisions and self-heals are skipped; the leader makes them). @defaultValue always true
   */
  active?: () => boolean;
}

export interface Automation {
  /** The status controller's `onStatus`: decide whether an automated sync is due. */
  onStatus(name: string, status: ApplicationStatus): void;
  /** Decide now. */
  evaluate(name: string): void;
  /** Read the application's source again (git polling, a webhook) and act on what changed; `trigger` names who asked. */
  refresh(name: string, trigger: string): Promise<void>;
  /** The engine's transitions: when an operation ends, compare again (its result may leave the app OutOfSync). */
  onTransition(previous: Operation | undefined, next: Operation): Promise<void>;
  /** The application was changed or removed: its self-heal history starts over. */
  forget(name: string): void;
  close(): Promise<void>;
}

interface HealState {
  /** Epoch ms of the self-heal syncs started for `revision`. */
  attempts: number[];
  revision?: string;
  timer?: NodeJS.Timeout;
  /** Self-heal stopped for this commit (a loop). */
  stoppedAt?: string;
}

const short = (rev: string): string => rev.slice(0, 7);

/** The last operation that synced the application (not a dry run, not a deletion). */
async function lastSync(store: AutomationOptions['store'], app: string): Promise<Operation | undefined> {
  for (const id of await store.history(app, 10)) {
    const op = await store.getOperation(id);
    if (op && !op.spec.dryRun && !op.spec.deletion) return op;
  }
  return undefined;
}

export function createAutomation(options: AutomationOptions): Automation {
  const { applications, store, sync, status, logger, now = Date.now, active = () => true } = options;
  const { timeoutMs = 5_000, factor = 3, maxDelayMs = 300_000, loopLimit = 5, loopWindowMs = 600_000 } = options.selfHeal ?? {};
  const heal = new Map<string, HealState>();
  const evaluating = new Map<string, Promise<void>>();
  const pending = new Set<Promise<unknown>>();
  let closed = false;

  const track = <T>(work: Promise<T>): Promise<T> => {
    pending.add(work);
    void work.finally(() => pending.delete(work)).catch(() => undefined);
    return work;
  };

  async function start(app: ApplicationRecord, initiatedBy: string, extra: { resources?: { group: string; kind: string; namespace?: string; name: string }[] } = {}): Promise<boolean> {
    try {
      const op = await sync.start({ app, initiatedBy, automated: true, ...(extra.resources ? { resources: extra.resources } : {}) });
      logger.info({ app: app.name, operation: op.id, revision: op.revision, initiatedBy }, 'automated sync started');
      return true;
    } catch (err) {
      // Another operation began meanwhile: its end compares again.
      if (err instanceof HttpProblem && err.type === 'urn:hookrunner:problem:operation-running') return false;
      const message = err instanceof Error ? err.message : String(err);
      status.setCondition(app.name, 'SyncError', `automated sync could not start: ${message}`);
      logger.error({ app: app.name, initiatedBy, err }, `automated sync of ${app.name} could not start: ${message}`);
      return false;
    }
  }

  function stateOf(name: string, revision: string): HealState {
    let s = heal.get(name);
    if (!s || s.revision !== revision) {
      if (s?.timer) clearTimeout(s.timer);
      if (s?.stoppedAt) status.setCondition(name, 'SelfHealLoop', undefined);
      s = { attempts: [], revision };
      heal.set(name, s);
    }
    return s;
  }

  /** Drift seen: heal it after the debounce (grown by the self-heals already in the loop window), if it is still there then. */
  function scheduleSelfHeal(app: ApplicationRecord, revision: string): void {
    const s = stateOf(app.name, revision);
    if (s.stoppedAt || s.timer) return;
    s.attempts = s.attempts.filter((t) => now() - t < loopWindowMs);
    const delay = Math.min(maxDelayMs, timeoutMs * Math.pow(factor, s.attempts.length));
    s.timer = setTimeout(() => {
      s.timer = undefined;
      void track(runSelfHeal(app.name, revision));
    }, delay);
    s.timer.unref();
  }

  function stopLoop(name: string, s: HealState, current: ApplicationStatus): void {
    s.stoppedAt = new Date(now()).toISOString();
    const drifted = current.resources.filter((r) => r.status === 'OutOfSync').map((r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`);
    const message = `self-heal stopped: ${drifted.join(', ') || 'the application'} drifted again after each of ${s.attempts.length} self-heal syncs within ${formatMs(loopWindowMs)}; something else keeps changing it. Self-heal resumes with the next revision or a change of the application`;
    status.setCondition(name, 'SelfHealLoop', message);
    logger.warn({ app: name, revision: s.revision }, message);
  }

  /** The debounce is over: still drifted (a momentary OutOfSync, e.g. right after a sync, is gone by now)? Then heal, or stop a loop. */
  async function runSelfHeal(name: string, revision: string): Promise<void> {
    if (closed || !active()) return;
    const app = await applications.getApplication(name);
    if (!app?.syncPolicy.automated?.selfHeal) return;
    const current = status.status(app);
    if (current.sync.status !== 'OutOfSync' || current.sync.revision !== revision) return;
    if (await sync.runningOperation(name)) return; // its end compares again
    const prune = app.syncPolicy.automated.prune ?? false;
    const drifted = current.resources.filter((r) => r.status === 'OutOfSync' && (prune || !r.requiresPruning));
    if (drifted.length === 0) return;
    const s = stateOf(name, revision);
    s.attempts = s.attempts.filter((t) => now() - t < loopWindowMs);
    if (s.attempts.length >= loopLimit) {
      stopLoop(name, s, current);
      return;
    }
    const what = drifted.slice(0, 3).map((r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`).join(', ') + (drifted.length > 3 ? ` and ${drifted.length - 3} more` : '');
    const resources = drifted.map((r) => ({ group: r.group, kind: r.kind, ...(r.namespace ? { namespace: r.namespace } : {}), name: r.name }));
    const at = now();
    // Only a self-heal that started counts towards a loop (another operation may have begun meanwhile).
    if (await start(app, `automated: self-heal #${s.attempts.length + 1} (${what} drifted from ${short(revision)})`, { resources })) s.attempts.push(at);
  }

  async function evaluate(name: string, current: ApplicationStatus): Promise<void> {
    const app = await applications.getApplication(name);
    const automated = app?.syncPolicy.automated;
    if (!app || !automated || closed || !active()) return;
    const revision = current.sync.revision;
    if (current.sync.status !== 'OutOfSync' || !revision) {
      if (current.sync.status === 'Synced') status.setCondition(name, 'SyncError', undefined);
      return;
    }
    if (await sync.runningOperation(name)) return; // its end compares again
    if (automated.prune && !automated.allowEmpty && current.resources.length > 0 && current.resources.every((r) => r.requiresPruning)) {
      status.setCondition(name, 'SyncError', `auto-sync would delete every resource of the application (the source at ${short(revision)} declares none); set syncPolicy.automated.allowEmpty to allow it`);
      return;
    }
    const last = await lastSync(store, name);
    if (!last || last.revision !== revision) {
      stateOf(name, revision); // a new commit: self-heal starts over
      // What read the source when this commit was first seen: the poller, a change of the application, the end of an operation.
      const found = status.foundBy(name);
      const trigger = found?.revision === revision ? found.reason : undefined;
      await start(app, `automated: ${trigger ?? 'OutOfSync'}: new revision ${short(revision)}${last ? ` (last synced ${short(last.revision)})` : ' (never synced)'}`);
      return;
    }
    if (last.phase !== 'Succeeded') {
      status.setCondition(name, 'SyncError', `failed sync attempt to ${short(revision)}: ${last.message}; automated sync waits for a new revision or a manual sync`);
      return;
    }
    if (automated.selfHeal) scheduleSelfHeal(app, revision);
  }

  /** One evaluation at a time per application; the latest status wins. */
  function queueEvaluation(name: string): void {
    const previous = evaluating.get(name) ?? Promise.resolve();
    const next = previous.then(async () => {
      const app = await applications.getApplication(name);
      if (app) await evaluate(name, status.status(app));
    });
    const settled = next.catch((err: unknown) => logger.error({ app: name, err }, 'automated sync decision failed'));
    evaluating.set(name, settled);
    void track(settled.finally(() => evaluating.get(name) === settled && evaluating.delete(name)));
  }

  return {
    onStatus(name) {
      if (!closed) queueEvaluation(name);
    },
    evaluate(name) {
      if (!closed) queueEvaluation(name);
    },
    async refresh(name, trigger) {
      await status.refresh(name, trigger);
      queueEvaluation(name);
    },
    async onTransition(previous, next) {
      if (closed || !isDone(next) || (previous && isDone(previous))) return;
      await track(status.refresh(next.app, `${next.id} ended ${next.phase}`));
      queueEvaluation(next.app);
    },
    forget(name) {
      const s = heal.get(name);
      if (s?.timer) clearTimeout(s.timer);
      if (s?.stoppedAt) status.setCondition(name, 'SelfHealLoop', undefined);
      heal.delete(name);
    },
    async close() {
      closed = true;
      for (const s of heal.values()) if (s.timer) clearTimeout(s.timer);
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
