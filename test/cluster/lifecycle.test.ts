import { describe, expect, it } from 'vitest';
import { createClientLifecycle } from '../../src/cluster/lifecycle.js';
import type { WatchHandle } from '../../src/cluster/index.js';
import { AbortedError } from '../../src/util/index.js';

/** What a client's close() stops: tracked watches and waits (no I/O). */
function handle(): WatchHandle & { stops: number } {
  const h = {
    stops: 0,
    ready: Promise.resolve(),
    stop() {
      h.stops++;
    },
  };
  return h;
}

describe('when tracking watches', () => {
  it('should stop every open watch on close, once', () => {
    const lifecycle = createClientLifecycle();
    const a = handle();
    const b = handle();
    lifecycle.trackWatch(a, undefined);
    const tracked = lifecycle.trackWatch(b, undefined);
    tracked.stop(); // stopped by its owner: forgotten
    lifecycle.close();
    expect([a.stops, b.stops]).toEqual([1, 1]);
    expect(lifecycle.closed).toBe(true);
  });

  it('should forget a watch whose signal aborted', () => {
    const lifecycle = createClientLifecycle();
    const h = handle();
    const controller = new AbortController();
    lifecycle.trackWatch(h, controller.signal);
    controller.abort();
    lifecycle.close();
    expect(h.stops).toBe(0); // its own signal stops it (startWatch listens too)
  });

  it('should stop a watch started after close at once and return it as is', () => {
    const lifecycle = createClientLifecycle();
    lifecycle.close();
    const h = handle();
    expect(lifecycle.trackWatch(h, undefined)).toBe(h);
    expect(h.stops).toBe(1);
  });
});

describe('when tracking waits', () => {
  it('should pass a signal that close() aborts with AbortedError', async () => {
    const lifecycle = createClientLifecycle();
    const waiting = lifecycle.trackWait(undefined, (signal) => new Promise<AbortSignal>((resolve) => signal.addEventListener('abort', () => resolve(signal))));
    lifecycle.close();
    const signal = await waiting;
    expect(signal.reason).toBeInstanceOf(AbortedError);
  });

  it("should forward the caller's abort, also one that happened before", async () => {
    const lifecycle = createClientLifecycle();
    const controller = new AbortController();
    controller.abort('mine');
    expect(await lifecycle.trackWait(controller.signal, async (signal) => [signal.aborted, signal.reason])).toEqual([true, 'mine']);
    const later = new AbortController();
    const waiting = lifecycle.trackWait(later.signal, (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason))));
    later.abort('later');
    expect(await waiting).toBe('later');
  });

  it('should refuse to wait once closed, and not abort a wait that finished', async () => {
    const lifecycle = createClientLifecycle();
    let seen: AbortSignal | undefined;
    expect(await lifecycle.trackWait(undefined, async (signal) => ((seen = signal), 42))).toBe(42);
    lifecycle.close();
    expect(seen?.aborted).toBe(false);
    let called = false;
    await expect(lifecycle.trackWait(undefined, async () => (called = true))).rejects.toThrow(new AbortedError('the cluster client is closed'));
    expect(called).toBe(false);
  });
});
