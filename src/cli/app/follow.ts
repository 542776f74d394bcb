/**
 * Follow an operation until it ends: `GET /api/v1/operations/:id` again on every `operation`
 * event of `GET /api/v1/events?operation=<id>` (and on `ready`, so nothing between the start and
 * the subscription is missed), and every few seconds as a backstop, until a deadline. The event
 * stream reconnects with backoff; when the server is briefly gone the loop keeps re-reading
 * until the deadline (the operation lives on the server). Stopping (Ctrl-C) never touches the
 * operation. The view gets each newer version; finishing it (the result) is the caller's.
 */
import type { ApiOperationDocument } from '../../api/index.js';
import { AbortedError, sleep } from '../../util/index.js';
import { ApiError, ConnectionError } from './client.js';
import type { ApiClient } from './client.js';
import type { OperationView } from './operation-view.js';
import { operationDocument } from './schemas.js';
import { readSse } from './sse.js';

export const FINISHED_PHASES: ReadonlySet<string> = new Set(['Succeeded', 'Failed', 'Error']);

export function isFinished(doc: ApiOperationDocument): boolean {
  return FINISHED_PHASES.has(doc.operation.phase);
}

export interface FollowOptions {
  client: ApiClient;
  /** The operation as the request that started it answered. */
  initial: ApiOperationDocument;
  /** Gets every newer version (`update`); the caller finishes or closes it. */
  view: Pick<OperationView, 'update'>;
  /** Stop waiting after this long (the operation goes on). */
  timeoutMs: number;
  /** Re-read at least this often, events or not. @defaultValue 3_000 */
  pollMs?: number;
  /** Stops following, e.g. on Ctrl-C (the operation goes on). @defaultValue never */
  signal?: AbortSignal;
  /** Told when live events or the server are unavailable for a while (the loop goes on), and when the operation waits for a confirmation. @defaultValue ignore */
  warn?: (message: string) => void;
  /** @defaultValue Date.now */
  now?: () => number;
}

export interface FollowResult {
  outcome: 'finished' | 'deadline' | 'interrupted';
  /** The last version seen. */
  doc: ApiOperationDocument;
}

/** A wake-up that events can ring before anyone waits. */
function createBell(): { ring(): void; wait(ms: number, signal: AbortSignal): Promise<void> } {
  let rung = false;
  let wake: (() => void) | undefined;
  return {
    ring() {
      rung = true;
      wake?.();
    },
    async wait(ms, signal) {
      if (rung || signal.aborted) {
        rung = false;
        return;
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        signal.addEventListener('abort', done, { once: true });
        wake = done;
      });
      rung = false;
    },
  };
}

/** Keep an event stream open until `signal` aborts, ringing `onChange` on `ready` and `operation` events. */
async function watchEvents(client: ApiClient, id: string, signal: AbortSignal, onChange: () => void, warn: (m: string) => void): Promise<void> {
  let failures = 0;
  while (!signal.aborted) {
    try {
      const body = await client.events('/events', { operation: id }, signal);
      await readSse({
        body,
        signal,
        onEvent: (e) => {
          failures = 0;
          if (e.event === 'ready' || e.event === 'operation') onChange();
        },
      });
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status !== 502 && err.status !== 503 && err.status !== 504) {
        warn(`live events are not available (${err.message}); re-reading the operation every few seconds instead`);
        return;
      }
    }
    // The stream ended or broke: reconnect with backoff (1 s doubling to 15 s), re-reading once connected.
    try {
      await sleep(Math.min(15_000, 1_000 * 2 ** failures++), signal);
    } catch (err) {
      if (err instanceof AbortedError) return;
      throw err;
    }
  }
}

export async function followOperation(options: FollowOptions): Promise<FollowResult> {
  const { client, initial, view, timeoutMs, pollMs = 3_000, warn = () => undefined, now = Date.now } = options;
  const id = initial.operation.id;
  const deadline = now() + timeoutMs;
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  const bell = createBell();
  const events = watchEvents(client, id, stop.signal, () => bell.ring(), warn);
  let doc = initial;
  let outage = false;
  let awaiting = '';
  const show = (next: ApiOperationDocument): void => {
    view.update(next);
    const waiting = next.operation.awaitingConfirmation;
    const key = waiting ? `${waiting.kind}:${waiting.resources.join(',')}` : '';
    if (waiting && key !== awaiting) warn(`operation ${id} waits for a confirmation of ${waiting.kind} (${waiting.resources.join(', ')}): confirm it with hookrunner app confirm ${next.operation.app}, in the dashboard, or with POST /api/v1/operations/${id}/confirm`);
    awaiting = key;
  };
  try {
    show(doc);
    for (;;) {
      if (isFinished(doc)) return { outcome: 'finished', doc };
      if (stop.signal.aborted) return { outcome: 'interrupted', doc };
      const left = deadline - now();
      if (left <= 0) return { outcome: 'deadline', doc };
      await bell.wait(Math.min(pollMs, left), stop.signal);
      if (stop.signal.aborted) return { outcome: 'interrupted', doc };
      let next: ApiOperationDocument;
      try {
        next = operationDocument(await client.get(`/operations/${encodeURIComponent(id)}`, undefined, stop.signal), `GET /api/v1/operations/${id}`);
      } catch (err) {
        if (stop.signal.aborted) return { outcome: 'interrupted', doc };
        const transient = err instanceof ConnectionError || (err instanceof ApiError && err.status >= 502 && err.status <= 504);
        if (!transient) throw err;
        if (!outage) warn(`${err.message}; still trying until the deadline`);
        outage = true;
        continue;
      }
      if (outage) warn('the server answers again');
      outage = false;
      if (next.operation.version > doc.operation.version || next.operation.phase !== doc.operation.phase) {
        doc = next;
        show(doc);
      }
    }
  } finally {
    stop.abort();
    options.signal?.removeEventListener('abort', onAbort);
    await events.catch(() => undefined);
  }
}
