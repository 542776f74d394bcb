/**
 * The sync bench's arithmetic, without I/O: percentiles, API requests by verb from the dev
 * cluster's request log (with the polling GETs made while a watch on the same object was open),
 * phase-transition latencies from the audit log, and the `--json` line.
 */
import type { RequestLogEntry } from '../../src/devcluster/index.js';
import { parseRoute } from '../../src/devcluster/http/routes.js';
import type { ResourceRoute } from '../../src/devcluster/http/routes.js';

/** Nearest-rank percentile (`p` in 0–100); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/**
 * Verbs as Kubernetes counts them: GET (one object, subresources included), LIST, WATCH, POST
 * (create), PUT (update), PATCH, DELETE, DELETECOLLECTION; DISCOVERY for /api, /apis, /openapi,
 * /version and health checks.
 */
export type RequestVerb = 'GET' | 'LIST' | 'WATCH' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'DELETECOLLECTION' | 'DISCOVERY' | 'OTHER';

interface Classified {
  verb: RequestVerb;
  route?: ResourceRoute;
  params: URLSearchParams;
  /** When the request arrived, ms since the epoch. */
  start: number;
  end: number;
}

function classify(entry: RequestLogEntry): Classified {
  const url = new URL(entry.url, 'http://dev-cluster');
  const route = parseRoute(url.pathname);
  const start = entry.time - entry.durationMs;
  const base = { params: url.searchParams, start, end: entry.time };
  if (route.kind !== 'resource') return { ...base, verb: route.kind === 'unknown' ? 'OTHER' : 'DISCOVERY' };
  const watch = route.watchPrefix || url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  const method = entry.method.toUpperCase();
  const verbs: Record<string, RequestVerb> = {
    GET: watch ? 'WATCH' : route.name === undefined ? 'LIST' : 'GET',
    HEAD: route.name === undefined ? 'LIST' : 'GET',
    POST: 'POST',
    PUT: 'PUT',
    PATCH: 'PATCH',
    DELETE: route.name === undefined ? 'DELETECOLLECTION' : 'DELETE',
  };
  return { ...base, verb: verbs[method] ?? 'OTHER', route };
}

const sameCollection = (a: ResourceRoute, b: ResourceRoute): boolean => a.group === b.group && a.version === b.version && a.plural === b.plural && a.namespace === b.namespace;

/**
 * Requests started within `[from, to]`, by verb, plus `pollingGET`: the GETs of one object
 * (no subresource) made while a `fieldSelector=metadata.name=<it>` watch on it was open — the
 * backstop reads of a wait. A watch still open when the log was read is not in it (the log
 * records a request when it ends), so read the log after the waits ended.
 */
export function countRequests(log: readonly RequestLogEntry[], from: number, to: number): Record<string, number> {
  const all = log.map(classify).filter((c) => c.start >= from && c.start <= to);
  const counts: Record<string, number> = {};
  for (const c of all) counts[c.verb] = (counts[c.verb] ?? 0) + 1;
  const watches = new Map<string, Classified[]>();
  for (const c of all) {
    const name = c.verb === 'WATCH' ? /^metadata\.name=(.+)$/.exec(c.params.get('fieldSelector') ?? '')?.[1] : undefined;
    if (name === undefined) continue;
    const list = watches.get(name) ?? [];
    list.push(c);
    watches.set(name, list);
  }
  let polling = 0;
  for (const c of all) {
    if (c.verb !== 'GET' || !c.route || c.route.subresource !== undefined || c.route.name === undefined) continue;
    const route = c.route;
    if (watches.get(route.name ?? '')?.some((w) => w.route && sameCollection(w.route, route) && w.start <= c.start && c.start <= w.end)) polling++;
  }
  counts['pollingGET'] = polling;
  counts['total'] = all.length;
  return counts;
}

/** What `transitions` needs of an operation. */
export interface OperationResults {
  spec: { namespace: string };
  results: readonly { hookType?: string; kind: string; name: string; finishedAt?: number }[];
}

/** What `transitions` needs of an audited write (the dev cluster's and the real API server's audit entries both fit). */
export interface WriteEntry {
  time: number;
  verb: string;
  source: string;
  kind: string;
  namespace?: string;
  name?: string;
}

/**
 * Latency from each hook's Complete (as seen by the worker: the result's `finishedAt`) to the
 * next API write (create, update, patch, delete) in the operation's namespace that is not on the
 * hook itself (its finalizer removal belongs to the same step). The write's time is when the dev
 * cluster answered it. A hook with no later write (the last PostSync hook) counts for nothing.
 * Namespaces must be one per operation.
 */
export function transitions(ops: readonly OperationResults[], audit: readonly WriteEntry[]): number[] {
  const byNamespace = new Map<string, WriteEntry[]>();
  for (const e of audit) {
    if (e.source !== 'api' || !(e.verb === 'create' || e.verb === 'update' || e.verb === 'patch' || e.verb === 'delete') || e.namespace === undefined) continue;
    const list = byNamespace.get(e.namespace) ?? [];
    list.push(e);
    byNamespace.set(e.namespace, list);
  }
  const out: number[] = [];
  for (const op of ops) {
    const writes = byNamespace.get(op.spec.namespace) ?? [];
    for (const r of op.results) {
      const done = r.finishedAt;
      if (!r.hookType || done === undefined) continue;
      const next = writes.find((e) => e.time >= done && !(e.kind === r.kind && e.name === r.name));
      if (next) out.push(next.time - done);
    }
  }
  return out;
}

export interface Floor {
  bullmqRoundTripMs: number;
  createToWatchEventMs: number;
  /** CPU of one BullMQ job, added and processed (both ends of a hop, client side), bench/lib/floor.ts. */
  cpuMsPerJob: number;
  /** CPU of one GET / one apply through hookrunner's cluster client (client side). */
  clientGetCpuMs: number;
  clientApplyCpuMs: number;
}

/** Verbs of `countRequests` that are not requests of their own or not cluster requests. */
const NOT_REQUESTS = new Set(['total', 'pollingGET', 'WATCH']);
const READS = new Set(['GET', 'LIST', 'DISCOVERY']);

/**
 * The CPU per operation that hookrunner's processes cannot go below with this design's counts:
 * BullMQ jobs × CPU per job + reads (GET, LIST, discovery) × CPU per GET + writes × CPU per apply,
 * the client side only (no logic, no watch events). NaN when the jobs were not counted.
 */
export function designFloorCpuMs(jobsPerOperation: number, requestsPerOperation: Record<string, number>, floor: Floor): number {
  let requests = 0;
  for (const [verb, n] of Object.entries(requestsPerOperation)) {
    if (!NOT_REQUESTS.has(verb)) requests += n * (READS.has(verb) ? floor.clientGetCpuMs : floor.clientApplyCpuMs);
  }
  return jobsPerOperation * floor.cpuMsPerJob + requests;
}

export interface RunFigures {
  /** `dev`: the embedded dev cluster; `real`: the real control plane (src/controlplane). Always set by bench/sync.ts. */
  backend?: 'dev' | 'real';
  apps: number;
  workers: number;
  rounds: number;
  operations: number;
  succeeded: number;
  opsPerSecond: number;
  transitionMs: { p50: number; p99: number; n: number };
  /** `clusterEach`: the cluster's processes apart (the real backend: etcd, kube-apiserver, …, node-agent). */
  cpuMsPerOperation: { workers: number; orchestrator: number; redis: number; cluster: number; clusterEach?: Record<string, number> };
  apiRequestsPerOperation: Record<string, number>;
  /** hookrunner's watches open at once at peak (the real backend: its user's, from the audit log). */
  watchesPeak: number;
  /** The real backend: WATCH requests open in the API server, every client (controllers included), sampled from /metrics each second: before the run, and at peak. */
  watchesAll?: { baseline: number; peak: number };
  /** Peak resident set (VmHWM) of each process; `workers` is the largest worker's; `cluster` the sum of `clusterEach`. */
  rssMb: { workers: number; workersEach: number[]; orchestrator: number; redis: number; cluster: number; clusterEach?: Record<string, number> };
  /** BullMQ jobs added during the run by queue and name (null: not known, bench/lib/jobs.ts), and per operation. */
  bullmqJobs: Record<string, Record<string, number> | null>;
  bullmqJobsPerOperation: number;
  /** This run's own floor, and transition p50 / (floor sum). */
  floor: Floor;
  transitionToFloor: number;
  /** {@link designFloorCpuMs} for this run's counts. */
  designFloorCpuMsPerOperation: number;
}

/** Two decimals; three below 1 (CPU per request is a tenth of a ms). */
const round = (n: number): number => {
  const digits = Math.abs(n) < 1 ? 3 : 2;
  return Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n;
};

function roundAll<T>(value: T): T {
  if (typeof value === 'number') return round(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => roundAll(v)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundAll(v)])) as T;
  return value;
}

/** `{"runs": [...], "floor": {...}}`: the floor is the median of the runs' floors; NaN becomes null. */
export function benchJson(runs: readonly RunFigures[]): string {
  const median = (values: number[]): number => percentile(values, 50);
  const floor: Floor = {
    bullmqRoundTripMs: median(runs.map((r) => r.floor.bullmqRoundTripMs)),
    createToWatchEventMs: median(runs.map((r) => r.floor.createToWatchEventMs)),
    cpuMsPerJob: median(runs.map((r) => r.floor.cpuMsPerJob)),
    clientGetCpuMs: median(runs.map((r) => r.floor.clientGetCpuMs)),
    clientApplyCpuMs: median(runs.map((r) => r.floor.clientApplyCpuMs)),
  };
  return JSON.stringify(roundAll({ runs, floor }));
}

/** Divide every count by the operations. */
export function perOperation(counts: Record<string, number>, operations: number): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, operations > 0 ? v / operations : Number.NaN]));
}
