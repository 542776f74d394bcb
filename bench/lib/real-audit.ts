/**
 * The real backend's figures from the kube-apiserver's audit log (a policy logging every request
 * of hookrunner's user, `auditPolicyFor`) and `/metrics`, without I/O: the requests as the dev
 * cluster's request log has them, the peak of hookrunner's open watches, and the API server's
 * open WATCH requests of every client.
 */
import type { AuditRequest } from '../../src/controlplane/index.js';
import type { RequestLogEntry } from '../../src/devcluster/index.js';

/** The user of the real control plane's admin kubeconfig, which the workers get (`CN=hookrunner-admin, O=system:masters`). */
export const HOOKRUNNER_USER = 'hookrunner-admin';

const METHODS: Record<string, string> = { get: 'GET', list: 'GET', watch: 'GET', create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE', deletecollection: 'DELETE' };

/**
 * One entry per request of `user` (its `ResponseComplete`, or for a watch still open its
 * `ResponseStarted`, ended at `now`), shaped like the dev cluster's request log: `time` when it
 * ended, `durationMs` since the API server received it.
 */
export function requestLogFromAudit(requests: readonly AuditRequest[], user: string, now: number): RequestLogEntry[] {
  const byId = new Map<string, AuditRequest>();
  for (const r of requests) {
    if (r.user !== user) continue;
    const seen = byId.get(r.auditId);
    if (!seen || r.stage === 'ResponseComplete') byId.set(r.auditId, r);
  }
  return [...byId.values()].map((r) => {
    const end = r.stage === 'ResponseComplete' ? r.time : Math.max(now, r.received);
    return { time: end, method: METHODS[r.verb] ?? r.verb.toUpperCase(), url: r.requestUri, code: r.code, durationMs: end - r.received, ...(r.userAgent !== undefined ? { userAgent: r.userAgent } : {}) };
  });
}

/** The most watches of `user` open at once within `[from, to]` (a watch open from when the API server received it until it ended, or `now`). */
export function auditWatchPeak(requests: readonly AuditRequest[], user: string, from: number, to: number, now: number): number {
  const spans = new Map<string, { start: number; end: number }>();
  for (const r of requests) {
    if (r.user !== user || r.verb !== 'watch') continue;
    const span = spans.get(r.auditId) ?? { start: r.received, end: now };
    if (r.stage === 'ResponseComplete') span.end = r.time;
    spans.set(r.auditId, span);
  }
  const edges: [number, number][] = [];
  for (const { start, end } of spans.values()) {
    const s = Math.max(start, from);
    const e = Math.min(end, to);
    if (s > e) continue;
    edges.push([s, 1], [e, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || b[1] - a[1]); // opens before closes at the same instant
  let open = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (open += d));
  return peak;
}

/** Sum of `apiserver_longrunning_requests{verb="WATCH"}` in a `/metrics` text: WATCH requests open now, of every client. */
export function openWatchesFromMetrics(text: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_longrunning_requests{') || !line.includes('verb="WATCH"')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}
