/**
 * Git polling (docs/semantics.md §17.4), besides push webhooks: every application's source is read
 * again every `intervalMs` (Argo CD's `timeout.reconciliation`, 3 minutes), jittered so that many
 * servers and applications do not fetch at the same moment; a new commit makes the application
 * OutOfSync, and an automated one syncs it.
 */
import type { Logger } from 'pino';
import type { ApplicationStore } from '../store/index.js';
import { formatMs } from '../util/index.js';

export interface GitPollerOptions {
  applications: Pick<ApplicationStore, 'listApplications'>;
  /** Read one application's source again and act on it. */
  refresh: (name: string, trigger: string) => Promise<void>;
  /** @defaultValue 180_000 */
  intervalMs?: number;
  /** Each round waits intervalMs × (1 ± jitter / 2). @defaultValue 0.2 */
  jitter?: number;
  /** Applications read at once. @defaultValue 4 */
  concurrency?: number;
  logger: Logger;
  /** @defaultValue Math.random */
  random?: () => number;
}

export interface GitPoller {
  /** One round now (what the timer runs). */
  poll(): Promise<void>;
  close(): Promise<void>;
}

export function startGitPoller(options: GitPollerOptions): GitPoller {
  const { applications, refresh, intervalMs = 180_000, jitter = 0.2, concurrency = 4, logger, random = Math.random } = options;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;
  let closed = false;
  const trigger = `git poll (every ${formatMs(intervalMs)})`;

  async function poll(): Promise<void> {
    const names = (await applications.listApplications()).map((a) => a.name);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < names.length && !closed) {
        const name = names[next++] as string;
        try {
          await refresh(name, trigger);
        } catch (err) {
          logger.warn({ app: name, err }, `git poll of ${name} failed`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, names.length)) }, lane));
  }

  function schedule(): void {
    if (closed) return;
    const delay = Math.round(intervalMs * (1 + (random() - 0.5) * jitter));
    timer = setTimeout(() => {
      round = poll()
        .catch((err: unknown) => logger.warn({ err }, 'git poll round failed'))
        .finally(() => {
          round = undefined;
          schedule();
        });
    }, delay);
    timer.unref();
  }

  schedule();
  return {
    poll,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await round;
    },
  };
}
