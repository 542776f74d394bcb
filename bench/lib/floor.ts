/**
 * The bare floor of this design, measured on the run's own Redis and dev cluster before the run:
 * - a BullMQ round trip: a job added to one queue, processed by a Worker that adds the result
 *   to a second queue, processed by a second Worker (the orchestrator → worker → orchestrator
 *   path of a step, with nothing done in between);
 * - a create → watch event round trip: one plain-HTTP watch on ConfigMaps open in a namespace,
 *   then a ConfigMap created and the time until its ADDED event arrives.
 * Each is the p50 of `samples` sequential round trips.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { percentile } from './sync-stats.js';

/** Fail after `ms` naming what was awaited. */
function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`floor: timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export async function bullmqRoundTripMs(redisUrl: string, samples: number): Promise<number> {
  const connections = [0, 1, 2].map(() => new Redis(redisUrl, { maxRetriesPerRequest: null }));
  const [connection, stepConnection, resultConnection] = connections as [Redis, Redis, Redis];
  const prefix = 'bench-floor';
  const pending = new Map<string, () => void>();
  const results = new Queue('floor-results', { connection, prefix });
  const steps = new Queue('floor-steps', { connection, prefix });
  const stepWorker = new Worker('floor-steps', async (job) => void (await results.add('result', job.data as object, { removeOnComplete: true })), { connection: stepConnection, prefix });
  const resultWorker = new Worker('floor-results', async (job) => pending.get(String((job.data as { id: string }).id))?.(), { connection: resultConnection, prefix });
  try {
    await Promise.all([stepWorker.waitUntilReady(), resultWorker.waitUntilReady()]);
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const id = String(i);
      const started = performance.now();
      const done = new Promise<void>((resolve) => pending.set(id, resolve));
      await steps.add('step', { id }, { removeOnComplete: true });
      await deadline(done, 10_000, `BullMQ round trip ${i}`);
      times.push(performance.now() - started);
      pending.delete(id);
    }
    return percentile(times, 50);
  } finally {
    await Promise.all([stepWorker.close(), resultWorker.close()]);
    await Promise.all([steps.obliterate({ force: true }).catch(() => undefined), results.obliterate({ force: true }).catch(() => undefined)]);
    await Promise.all([steps.close(), results.close()]);
    for (const c of connections) c.disconnect();
  }
}

async function send(url: string, method: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  if (res.status >= 300 && res.status !== 409) throw new Error(`floor: ${method} ${url} answered ${res.status}`);
}

export async function createToWatchEventMs(clusterUrl: string, samples: number): Promise<number> {
  const ns = 'bench-floor';
  await send(`${clusterUrl}/api/v1/namespaces`, 'POST', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const controller = new AbortController();
  const res = await fetch(`${clusterUrl}/api/v1/namespaces/${ns}/configmaps?watch=true`, { signal: controller.signal });
  if (res.status !== 200 || !res.body) throw new Error(`floor: watch answered ${res.status}`);
  const waiting = new Map<string, () => void>();
  const reader = res.body.getReader();
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const event = JSON.parse(buffered.slice(0, nl)) as { type: string; object: { metadata?: { name?: string } } };
        buffered = buffered.slice(nl + 1);
        if (event.type === 'ADDED') waiting.get(event.object.metadata?.name ?? '')?.();
        nl = buffered.indexOf('\n');
      }
    }
  })().catch(() => undefined);
  try {
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const name = `floor-${i}`;
      const seen = new Promise<void>((resolve) => waiting.set(name, resolve));
      const started = performance.now();
      const created = send(`${clusterUrl}/api/v1/namespaces/${ns}/configmaps`, 'POST', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } });
      await deadline(seen, 10_000, `the ADDED event of ConfigMap ${ns}/${name}`);
      times.push(performance.now() - started);
      await created;
      waiting.delete(name);
    }
    return percentile(times, 50);
  } finally {
    controller.abort();
    await reading;
  }
}
