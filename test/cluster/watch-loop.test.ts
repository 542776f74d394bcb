import { afterEach, describe, expect, it, vi } from 'vitest';
import { KubeApiError } from '../../src/cluster/index.js';
import { runWatchLoop, scheduleResync, singleFlight } from '../../src/cluster/watch-loop.js';
import type { StreamOutcome } from '../../src/cluster/watch-stream.js';

/** What keeps a watch going, on fakes: reconnects, 410 Gone, backoff counting, stop; resync timer; one re-list at a time. */
type Step = { open: Error } | { outcome: StreamOutcome; elapsedMs?: number };

const productive: Step = { outcome: { gone: false, productive: true } };
const unproductive: Step = { outcome: { gone: false, productive: false } };
const gone410 = (): KubeApiError => new KubeApiError({ code: 410, reason: 'Expired', message: 'too old resource version' });

/** Runs the loop over `steps` (one per connection attempt); stops when they run out. */
async function loop(steps: Step[], relistFailures: Error[] = []): Promise<{ opened: number; relists: string[]; failures: string[] }> {
  const stop = new AbortController();
  const relists: string[] = [];
  const failures: string[] = [];
  let attempt = 0;
  let opened = 0;
  let clock = 0;
  let current: Step | undefined;
  await runWatchLoop<number>({
    signal: stop.signal,
    open: async () => {
      current = steps[attempt++];
      if (!current) {
        stop.abort();
        throw new Error('stopped');
      }
      if ('open' in current) throw current.open;
      return attempt;
    },
    onOpen: () => opened++,
    consume: async () => {
      const step = current as { outcome: StreamOutcome; elapsedMs?: number };
      clock += step.elapsedMs ?? 0;
      return step.outcome;
    },
    relist: async (reason) => {
      relists.push(reason);
      const err = relistFailures.shift();
      if (err) throw err;
    },
    retry: { initialMs: 1, maxMs: 1, factor: 1, jitter: 0 },
    logger: { debug: (m, f) => failures.push(`${m} #${String(f?.['attempt'])}: ${String(f?.['error'])}`), info: () => undefined, warn: () => undefined, error: () => undefined },
    where: 'ConfigMap.v1',
    now: () => clock,
  });
  return { opened, relists, failures };
}

describe('when the watch loop reconnects', () => {
  it('should reconnect after each stream until stopped, saying nothing about healthy ones', async () => {
    expect(await loop([productive, productive, productive])).toEqual({ opened: 3, relists: [], failures: [] });
  });

  it('should re-list on a 410 ERROR event and reconnect', async () => {
    const r = await loop([{ outcome: { gone: true, productive: true } }, productive]);
    expect(r).toEqual({ opened: 2, relists: ['410 Gone'], failures: [] });
  });

  it('should re-list when the watch request itself is refused with 410, and count a failed re-list as a failure', async () => {
    const r = await loop([{ open: gone410() }, { open: gone410() }, productive], [new Error('list failed')]);
    expect(r.relists).toEqual(['410 Gone', '410 Gone']);
    expect(r.failures).toEqual(['watch connection failed #1: list failed']);
    expect(r.opened).toBe(1);
  });

  it('should count failed connections and short silent streams, and reset on a productive or long one', async () => {
    const refused = (): Step => ({ open: new Error('ECONNREFUSED') });
    const r = await loop([refused(), unproductive, refused(), productive, refused(), { outcome: { gone: false, productive: false }, elapsedMs: 5_000 }, refused()]);
    expect(r.failures).toEqual([
      'watch connection failed #1: ECONNREFUSED',
      'watch connection failed #3: ECONNREFUSED',
      'watch connection failed #1: ECONNREFUSED',
      'watch connection failed #1: ECONNREFUSED',
    ]);
  });
});

describe('when the watch loop is stopped', () => {
  it('should abort the open connection and end without logging', async () => {
    const stop = new AbortController();
    const logged: string[] = [];
    let connection: AbortController | undefined;
    const running = runWatchLoop<string>({
      signal: stop.signal,
      open: async () => 'stream',
      onOpen: () => undefined,
      consume: (_stream, controller) => {
        connection = controller;
        return new Promise((resolve) => controller.signal.addEventListener('abort', () => resolve({ gone: false, productive: false })));
      },
      relist: async () => undefined,
      retry: {},
      logger: { debug: (m) => logged.push(m), info: () => undefined, warn: () => undefined, error: () => undefined },
      where: 'w',
    });
    await vi.waitFor(() => expect(connection).toBeDefined());
    stop.abort();
    await running;
    expect(connection?.signal.aborted).toBe(true);
    expect(logged).toEqual([]);
  });

  it('should end at once when stopped during a backoff', async () => {
    const stop = new AbortController();
    let opens = 0;
    const running = runWatchLoop<string>({
      signal: stop.signal,
      open: async () => {
        opens++;
        throw new Error('ECONNREFUSED');
      },
      onOpen: () => undefined,
      consume: async () => ({ gone: false, productive: false }),
      relist: async () => undefined,
      retry: { initialMs: 60_000, maxMs: 60_000, jitter: 0 },
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
      where: 'w',
    });
    await vi.waitFor(() => expect(opens).toBe(1));
    const started = Date.now();
    stop.abort();
    await running;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(opens).toBe(1);
  });
});

describe('when resyncing periodically', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should resync one period after the previous resync finished, and go on after a failure', async () => {
    vi.useFakeTimers();
    const stop = new AbortController();
    const finishers: ((ok: boolean) => void)[] = [];
    const errors: unknown[] = [];
    scheduleResync({
      periodMs: 100,
      signal: stop.signal,
      resync: () => new Promise<void>((resolve, reject) => finishers.push((ok) => (ok ? resolve() : reject(new Error('list failed'))))),
      onError: (err) => errors.push(err),
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(finishers).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(finishers).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(500); // still running: nothing more
    expect(finishers).toHaveLength(1);
    finishers[0]?.(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(errors).toHaveLength(1);
    expect(finishers).toHaveLength(2);
    stop.abort();
    finishers[1]?.(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(finishers).toHaveLength(2);
  });

  it('should cancel the pending resync on abort, and schedule none when already aborted', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const resync = async (): Promise<void> => {
      calls++;
    };
    const stop = new AbortController();
    scheduleResync({ periodMs: 100, signal: stop.signal, resync, onError: () => undefined });
    await vi.advanceTimersByTimeAsync(250);
    expect(calls).toBe(2);
    stop.abort();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
    scheduleResync({ periodMs: 100, signal: stop.signal, resync, onError: () => undefined });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
  });
});

describe('when re-lists overlap', () => {
  it('should run one at a time: a call while one runs gets its promise, a later call runs anew', async () => {
    const runs: string[] = [];
    let finish: () => void = () => undefined;
    const relist = singleFlight((reason: string) => {
      runs.push(reason);
      return new Promise<void>((resolve) => (finish = resolve));
    });
    const first = relist('initial list');
    const second = relist('periodic resync');
    expect(second).toBe(first);
    finish();
    await first;
    void relist('410 Gone');
    finish();
    expect(runs).toEqual(['initial list', '410 Gone']);
  });

  it('should share a failure and forget it', async () => {
    let calls = 0;
    const relist = singleFlight(async () => {
      calls++;
      if (calls === 1) throw new Error('list failed');
    });
    await expect(Promise.all([relist(), relist()])).rejects.toThrow('list failed');
    await relist();
    expect(calls).toBe(2);
  });
});
