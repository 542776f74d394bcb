/**
 * One signal for several: aborted by the first of `signals` to abort (with its reason), or after
 * `timeoutMs` (a `TimeoutError` DOMException, as `AbortSignal.timeout` gives). A plain
 * AbortController wired by listeners, so what keeps it alive is explicit (its sources' listeners
 * and its timer), and `dispose` takes them away once the work is done — `AbortSignal.any` leaves
 * its listeners on a long-lived source (a command's interrupt signal) until that source aborts.
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
