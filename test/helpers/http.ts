import { DeadlineExceededError, sleep } from '../../src/util/index.js';

/** Wait until `GET <url>/healthz` answers 2xx; the deadline's error says what it last saw. */
export async function waitUntilUp(url: string, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  let last = 'no answer';
  while (Date.now() - started < timeoutMs) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(50);
  }
  throw new DeadlineExceededError(`${url}/healthz to answer`, Date.now() - started, last);
}
