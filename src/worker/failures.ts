/**
 * Which errors of a wave step are infrastructure failures (thrown, so the steps queue retries the
 * step, and after its last attempt the operation ends Error, §5.10) and which are per-resource
 * failures (the task's result). Redelivery is safe: hooks this attempt created are adopted (D8).
 */
import { ClusterUnreachableError, isTransientApiError } from '../cluster/index.js';

/**
 * An infrastructure failure: the API server could not be reached (after the client's retries),
 * or answered 429/5xx after them (`isTransientApiError`: the permanent "failed to convert" 500 excepted). Anything else
 * (4xx, that 500, a wait's deadline) is about the object and belongs in its task result.
 */
export function isInfrastructureError(err: unknown): boolean {
  return err instanceof ClusterUnreachableError || isTransientApiError(err);
}

/**
 * `Promise.all` that rejects only once every promise has settled, with the first rejection: when
 * a step throws, none of its cluster calls is still running (a redelivery could meet them).
 */
export async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const values: T[] = [];
  for (const s of settled) {
    if (s.status === 'rejected') {
      const reason: unknown = s.reason;
      throw reason;
    }
    values.push(s.value);
  }
  return values;
}
