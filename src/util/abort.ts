/**
 * One signal for several: aborted by the first of `signals` to abort (with its reason), or after
 * `timeoutMs` (a `TimeoutError` DOMException, as `AbortSignal.timeout` gives). Unlike
 * `AbortSignal.any` on Node 20, whose combined signal is held only weakly, so that once collected
 * its sources' aborts no longer reach the fetch that uses it (seen: `hookrunner app sync --wait`
 * kept reading a finished event stream until the next heartbeat), this one is held by listeners on
 * its sources and by its timer. `dispose` removes them, once the work is done.
 */
export function linkedSignal(options: { signals?: readonly (AbortSignal | undefined)[]; timeoutMs?: number }): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const listeners: [AbortSignal, () => void][] = [];
  let timer: NodeJS.Timeout | undefined;
  const dispose = (): void => {
    clearTimeout(timer);
    for (const [source, listener] of listeners) source.removeEventListener('abort', listener);
    listeners.length = 0;
  };
  const abort = (reason: unknown): void => {
    dispose();
    controller.abort(reason);
  };
  for (const source of options.signals ?? []) {
    if (!source) continue;
    if (source.aborted) {
      abort(source.reason);
      return { signal: controller.signal, dispose };
    }
    const listener = (): void => abort(source.reason);
    source.addEventListener('abort', listener, { once: true });
    listeners.push([source, listener]);
  }
  if (options.timeoutMs !== undefined) timer = setTimeout(() => abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), options.timeoutMs);
  return { signal: controller.signal, dispose };
}
