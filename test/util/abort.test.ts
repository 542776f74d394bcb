import { describe, expect, it } from 'vitest';
import { linkedSignal } from '../../src/util/index.js';

describe('linkedSignal', () => {
  it('should abort with the reason of the first source that aborts, and only once', () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = linkedSignal({ signals: [a.signal, undefined, b.signal] });
    expect(linked.signal.aborted).toBe(false);
    b.abort(new Error('b first'));
    a.abort(new Error('a later'));
    expect(linked.signal.aborted).toBe(true);
    expect((linked.signal.reason as Error).message).toBe('b first');
  });

  it('should abort with a TimeoutError after timeoutMs, and not once disposed', async () => {
    const timed = linkedSignal({ timeoutMs: 5 });
    const disposed = linkedSignal({ timeoutMs: 5 });
    disposed.dispose();
    await new Promise((r) => setTimeout(r, 30));
    expect((timed.signal.reason as DOMException).name).toBe('TimeoutError');
    expect(disposed.signal.aborted).toBe(false);
  });

  it('should be aborted at once by a source already aborted, and forget its sources when disposed', () => {
    const gone = new AbortController();
    gone.abort('early');
    expect(linkedSignal({ signals: [gone.signal] }).signal.reason).toBe('early');
    const source = new AbortController();
    const linked = linkedSignal({ signals: [source.signal] });
    linked.dispose();
    source.abort('late');
    expect(linked.signal.aborted).toBe(false);
  });
});
