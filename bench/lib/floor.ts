/**
 * The bare floor of this design, measured on the run's own Redis and dev cluster before the run:
 * - a BullMQ round trip: a job added to one queue, processed by a Worker that adds the result
 *   to a second queue, processed by a second Worker (the orchestrator → worker → orchestrator
 *   path of a step, with nothing done in between);
 * - a create → watch event round trip: one watch on ConfigMaps open in a namespace, then a
 *   ConfigMap created and the time until its ADDED event arrives (the dev cluster: plain HTTP with
 *   `fetch`; the real API server: HTTPS with the admin's client certificate, node:https with a
 *   keep-alive agent).
 * Each is the p50 of `samples` sequential round trips. And the client-side CPU of this design's
 * units of work, with as many in flight as the run has apps: one BullMQ job (added and processed),
 * one GET and one apply through hookrunner's cluster client — priced per operation by
 * `designFloorCpuMs` (sync-stats.ts).
 */
import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import { Queue, Worker } from 'bullmq';
import type { TlsClient } from '../../src/controlplane/index.js';
import { Redis } from 'ioredis';
import { createClusterClient } from '../../src/cluster/index.js';
import { percentile } from './sync-stats.js';

/** Fail after `ms` naming what was awaited. */
function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`floor: timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** CPU of this process (user + system) in ms. */
const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Run `total` calls of `call`, `concurrency` at a time; this process's CPU ms per call. */
async function cpuPerCall(total: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<number> {
  const lanes = Math.max(1, Math.min(concurrency, total));
  let next = 0;
  const cpu0 = cpuMs();
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < total) await call(next++);
    }),
  );
  return (cpuMs() - cpu0) / total;
}

/**
 * `samples` sequential round trips: their p50 wall time. Then `max(samples, 2 × concurrency)` more
 * with `concurrency` in flight (the run's apps: one hop per operation at a time) for this
 * process's CPU per BullMQ job: each round trip is two jobs, each added and processed here (both
 * ends of a hop), so per job it is half a round trip's CPU.
 */
export async function bullmqRoundTrip(redisUrl: string, samples: number, concurrency = 1): Promise<{ ms: number; cpuMsPerJob: number }> {
  const connections = [0, 1, 2].map(() => new Redis(redisUrl, { maxRetriesPerRequest: null }));
  const [connection, stepConnection, resultConnection] = connections as [Redis, Redis, Redis];
  const prefix = 'bench-floor';
  const pending = new Map<string, () => void>();
  const results = new Queue('floor-results', { connection, prefix });
  const steps = new Queue('floor-steps', { connection, prefix });
  const workerOptions = { prefix, concurrency: Math.max(1, concurrency) };
  const stepWorker = new Worker('floor-steps', async (job) => void (await results.add('result', job.data as object, { removeOnComplete: true })), { connection: stepConnection, ...workerOptions });
  const resultWorker = new Worker('floor-results', async (job) => pending.get(String((job.data as { id: string }).id))?.(), { connection: resultConnection, ...workerOptions });
  const roundTrip = async (id: string): Promise<void> => {
    const done = new Promise<void>((resolve) => pending.set(id, resolve));
    await steps.add('step', { id }, { removeOnComplete: true });
    await deadline(done, 30_000, `BullMQ round trip ${id}`);
    pending.delete(id);
  };
  try {
    await Promise.all([stepWorker.waitUntilReady(), resultWorker.waitUntilReady()]);
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      await roundTrip(`seq-${i}`);
      times.push(performance.now() - started);
    }
    const perRoundTrip = await cpuPerCall(Math.max(samples, 2 * concurrency), concurrency, (i) => roundTrip(`cpu-${i}`));
    return { ms: percentile(times, 50), cpuMsPerJob: perRoundTrip / 2 };
  } finally {
    await Promise.all([stepWorker.close(), resultWorker.close()]);
    await Promise.all([steps.obliterate({ force: true }).catch(() => undefined), results.obliterate({ force: true }).catch(() => undefined)]);
    await Promise.all([steps.close(), results.close()]);
    for (const c of connections) c.disconnect();
  }
}

/** A cluster's API: its URL, and for the real API server the client certificate. */
export interface FloorTarget {
  url: string;
  tls?: TlsClient;
}

/** Requests and a streamed watch to one API server, whichever transport it needs. */
interface Transport {
  send(path: string, method: string, body: unknown): Promise<void>;
  /** Open a watch; `onChunk` gets its bytes; resolves once the answer's headers arrived. */
  watch(path: string, onChunk: (text: string) => void, signal: AbortSignal): Promise<void>;
  close(): void;
}

function fetchTransport(url: string): Transport {
  return {
    async send(path, method, body) {
      const res = await fetch(`${url}${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (res.status >= 300 && res.status !== 409) throw new Error(`floor: ${method} ${path} answered ${res.status}`);
    },
    async watch(path, onChunk, signal) {
      const res = await fetch(`${url}${path}`, { signal });
      if (res.status !== 200 || !res.body) throw new Error(`floor: watch answered ${res.status}`);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      void (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          onChunk(decoder.decode(value, { stream: true }));
        }
      })().catch(() => undefined);
    },
    close: () => undefined,
  };
}

function httpsTransport(url: string, tls: TlsClient): Transport {
  const agent = new Agent({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key });
  const call = (path: string, method: string, body: string | undefined, signal?: AbortSignal): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const req = request(`${url}${path}`, { method, agent, headers: body ? { 'Content-Type': 'application/json' } : {}, timeout: 10_000, ...(signal ? { signal } : {}) }, resolve);
      req.on('timeout', () => req.destroy(new Error(`floor: ${method} ${path}: no answer within 10 s`)));
      req.on('error', reject);
      req.end(body);
    });
  return {
    async send(path, method, body) {
      const res = await call(path, method, JSON.stringify(body));
      res.resume();
      await new Promise((r) => res.once('end', r));
      if ((res.statusCode ?? 0) >= 300 && res.statusCode !== 409) throw new Error(`floor: ${method} ${path} answered ${String(res.statusCode)}`);
    },
    async watch(path, onChunk, signal) {
      const res = await call(path, 'GET', undefined, signal);
      if (res.statusCode !== 200) throw new Error(`floor: watch answered ${String(res.statusCode)}`);
      res.socket.setTimeout(0);
      res.setEncoding('utf8');
      res.on('data', (text: string) => onChunk(text));
      res.on('error', () => undefined);
    },
    close: () => agent.destroy(),
  };
}

export async function createToWatchEventMs(target: FloorTarget, samples: number): Promise<number> {
  const ns = 'bench-floor';
  const api = target.tls ? httpsTransport(target.url, target.tls) : fetchTransport(target.url);
  await api.send('/api/v1/namespaces', 'POST', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const controller = new AbortController();
  const waiting = new Map<string, () => void>();
  let buffered = '';
  const onChunk = (text: string): void => {
    buffered += text;
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let event: { type?: string; object?: { metadata?: { name?: string } } } | undefined;
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        event = undefined; // not an event (the sample waiting for it times out with its deadline's message)
      }
      if (event?.type === 'ADDED') waiting.get(event.object?.metadata?.name ?? '')?.();
      nl = buffered.indexOf('\n');
    }
  };
  try {
    await deadline(api.watch(`/api/v1/namespaces/${ns}/configmaps?watch=true`, onChunk, controller.signal), 10_000, 'the ConfigMap watch to answer');
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const name = `floor-${i}`;
      const seen = new Promise<void>((resolve) => waiting.set(name, resolve));
      const started = performance.now();
      const created = api.send(`/api/v1/namespaces/${ns}/configmaps`, 'POST', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } });
      await deadline(seen, 10_000, `the ADDED event of ConfigMap ${ns}/${name}`);
      times.push(performance.now() - started);
      await created;
      waiting.delete(name);
    }
    return percentile(times, 50);
  } finally {
    controller.abort();
    api.close();
  }
}

/**
 * CPU of hookrunner's own cluster client (src/cluster, as the worker makes its requests) per GET
 * and per apply of a ConfigMap, in this process: `max(samples, 2 × concurrency)` of each with
 * `concurrency` in flight (the run's apps), after a warm-up that applies each lane's ConfigMap.
 * The cluster's side is not counted: the worker's cost per request.
 */
export async function clientRequestCpu(kubeconfig: string, samples: number, concurrency = 1): Promise<{ getMs: number; applyMs: number }> {
  const cluster = createClusterClient({ kubeconfig, qps: 100_000, burst: 100_000 });
  const lanes = Math.max(1, concurrency);
  const ref = (i: number): { apiVersion: string; kind: string; namespace: string; name: string } => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'bench-floor', name: `floor-client-${i % lanes}` });
  const apply = (i: number): Promise<unknown> => {
    const { name, namespace } = ref(i);
    return cluster.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { app: 'floor' } }, data: { i: String(i), text: 'x'.repeat(200) } });
  };
  const total = Math.max(samples, 2 * lanes);
  try {
    await cpuPerCall(Math.max(20, lanes), lanes, apply);
    await cpuPerCall(Math.max(20, lanes), lanes, (i) => cluster.get(ref(i)));
    return { getMs: await cpuPerCall(total, lanes, (i) => cluster.get(ref(i))), applyMs: await cpuPerCall(total, lanes, (i) => apply(total + i)) };
  } finally {
    cluster.close();
  }
}
