import { describe, expect, it } from 'vitest';
import { DEFAULT_PROF_DIR, parseOptions, roundsFor } from '../../bench/lib/options.js';
import { jobsPerOperation } from '../../bench/lib/jobs.js';
import { benchJson, countRequests, designFloorCpuMs, perOperation, percentile, transitions } from '../../bench/lib/sync-stats.js';
import type { RunFigures } from '../../bench/lib/sync-stats.js';
import { selfTimes } from '../../bench/lib/top-self-time.js';
import type { CpuProfile } from '../../bench/lib/top-self-time.js';
import type { AuditEntry, RequestLogEntry } from '../../src/devcluster/index.js';

const req = (method: string, url: string, time: number, durationMs = 0): RequestLogEntry => ({ time, method, url, code: 200, durationMs });
const write = (over: Partial<AuditEntry>): AuditEntry => ({ time: 0, verb: 'patch', apiVersion: 'v1', kind: 'Service', namespace: 'a', name: 'web', code: 200, source: 'api', ...over });

describe('sync bench arithmetic', () => {
  it('should take the nearest-rank percentile, NaN for nothing', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 99)).toBe(99);
    expect(percentile([7], 0)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('should count requests by verb within the window, and the GETs of an object while a watch on it was open', () => {
    const jobs = '/apis/batch/v1/namespaces/a/jobs';
    const log = [
      req('GET', '/api', 5),
      req('GET', `${jobs}?watch=true&fieldSelector=metadata.name%3Dpre`, 400, 390),
      req('GET', `${jobs}/pre`, 200),
      req('GET', `${jobs}/other`, 200),
      req('GET', '/apis/batch/v1/namespaces/b/jobs/pre', 200),
      req('GET', `${jobs}/pre`, 500),
      req('GET', '/api/v1/namespaces/a/pods/pre-x/log', 300),
      req('GET', '/api/v1/namespaces/a/pods?labelSelector=job-name%3Dpre', 300),
      req('PATCH', `${jobs}/pre`, 300),
      req('POST', '/api/v1/namespaces/a/services', 300),
      req('PUT', '/api/v1/namespaces/a/services/web', 300),
      req('DELETE', `${jobs}/pre`, 300),
      req('DELETE', jobs, 300),
      req('GET', '/apis/apps/v1/watch/namespaces/a/deployments', 300),
      req('GET', '/api/v1/namespaces/a/services/web', 2_000),
    ];
    expect(countRequests(log, 10, 1_000)).toEqual({ WATCH: 2, GET: 5, LIST: 1, PATCH: 1, POST: 1, PUT: 1, DELETE: 1, DELETECOLLECTION: 1, pollingGET: 1, total: 13 });
    expect(countRequests(log, 0, 9)).toEqual({ DISCOVERY: 1, pollingGET: 0, total: 1 });
    expect(perOperation({ GET: 3, total: 6 }, 2)).toEqual({ GET: 1.5, total: 3 });
  });

  it('should measure from a hook seen Complete to the next write in its namespace, not on the hook itself', () => {
    const ops = [
      { spec: { namespace: 'a' }, results: [{ hookType: 'PreSync', kind: 'Job', name: 'pre', finishedAt: 100 }, { kind: 'Service', name: 'web', finishedAt: 150 }, { hookType: 'PostSync', kind: 'Job', name: 'post', finishedAt: 300 }] },
      { spec: { namespace: 'b' }, results: [{ hookType: 'PreSync', kind: 'Job', name: 'pre', finishedAt: 100 }] },
    ];
    const audit = [
      write({ time: 90, kind: 'Job', name: 'pre', verb: 'create' }),
      write({ time: 105, kind: 'Job', name: 'pre' }),
      write({ time: 110, namespace: 'b', verb: 'update', kind: 'ConfigMap', name: 'x' }),
      write({ time: 120, source: 'controller', verb: 'rolled-out' }),
      write({ time: 130 }),
      write({ time: 310, kind: 'Job', name: 'post', verb: 'delete' }),
    ];
    expect(transitions(ops, audit)).toEqual([30, 10]);
  });

  it('should write the issue\'s JSON shape, rounded, with the median floor and null for NaN', () => {
    const run = (apps: number, bullmq: number): RunFigures => ({
      apps,
      workers: 1,
      rounds: 1,
      operations: apps,
      succeeded: apps,
      opsPerSecond: 33.333,
      transitionMs: { p50: 23.456, p99: Number.NaN, n: 2 },
      cpuMsPerOperation: { workers: 20, orchestrator: 7, redis: 3.5, cluster: 19 },
      apiRequestsPerOperation: { GET: 3, total: 3 },
      watchesPeak: 4,
      rssMb: { workers: 100, workersEach: [100], orchestrator: 80, redis: 10, cluster: 90 },
      bullmqJobs: { steps: { wave: apps }, orchestrator: null },
      bullmqJobsPerOperation: Number.NaN,
      floor: { bullmqRoundTripMs: bullmq, createToWatchEventMs: 1, cpuMsPerJob: 0.4, clientGetCpuMs: 0.1234, clientApplyCpuMs: 0.2 },
      transitionToFloor: 10,
      designFloorCpuMsPerOperation: Number.NaN,
    });
    const parsed = JSON.parse(benchJson([run(1, 2), run(20, 3), run(200, 4)])) as { runs: Record<string, unknown>[]; floor: unknown };
    expect(parsed.floor).toEqual({ bullmqRoundTripMs: 3, createToWatchEventMs: 1, cpuMsPerJob: 0.4, clientGetCpuMs: 0.123, clientApplyCpuMs: 0.2 });
    expect(parsed.runs[1]).toMatchObject({ bullmqJobs: { steps: { wave: 20 }, orchestrator: null }, bullmqJobsPerOperation: null, designFloorCpuMsPerOperation: null });
    expect(parsed.runs[0]).toMatchObject({ apps: 1, workers: 1, opsPerSecond: 33.33, transitionMs: { p50: 23.46, p99: null }, cpuMsPerOperation: { workers: 20, orchestrator: 7, redis: 3.5, cluster: 19 }, apiRequestsPerOperation: { GET: 3 }, watchesPeak: 4, rssMb: { workers: 100 } });
  });

  it('should price jobs and requests at the floor, reads at a GET and writes at an apply, and not count watches', () => {
    const floor = { bullmqRoundTripMs: 1, createToWatchEventMs: 1, cpuMsPerJob: 0.5, clientGetCpuMs: 0.1, clientApplyCpuMs: 0.3 };
    const requests = { GET: 10, LIST: 5, DISCOVERY: 1, PATCH: 6, PUT: 2, WATCH: 3, pollingGET: 0, total: 27 };
    expect(designFloorCpuMs(12, requests, floor)).toBeCloseTo(12 * 0.5 + 16 * 0.1 + 8 * 0.3);
    expect(designFloorCpuMs(Number.NaN, requests, floor)).toBeNaN();
    expect(jobsPerOperation({ steps: { prepare: 10, wave: 30 }, orchestrator: { stepResult: 40, progress: 20 } }, 10)).toBe(10);
    expect(jobsPerOperation({ steps: { wave: 1 }, orchestrator: null }, 10)).toBeNaN();
  });

  it('should sum self time per function across callers, leaving out idle', () => {
    const frame = (functionName: string, lineNumber: number): CpuProfile['nodes'][number]['callFrame'] => ({ functionName, url: 'file:///x.js', lineNumber, columnNumber: 0 });
    const profile: CpuProfile = {
      startTime: 1_000_000,
      nodes: [
        { id: 1, callFrame: frame('(idle)', -1) },
        { id: 2, callFrame: frame('plan', 9) },
        { id: 3, callFrame: frame('plan', 9) },
        { id: 4, callFrame: frame('', 19) },
      ],
      samples: [2, 1, 3, 4, 2],
      timeDeltas: [0, 1000, 5000, 2000, 1000],
    };
    const top = selfTimes(profile);
    expect(top.map((t) => [t.functionName, t.line, t.selfMs])).toEqual([
      ['plan', 10, 1 + 2 + 2.25], // the last sample gets the mean interval, 2.25 ms
      ['(anonymous)', 20, 1],
    ]);
    expect(top[0]?.share).toBeCloseTo(5.25 / 6.25);
    // Samples at 1_000_000, 1_001_000, 1_006_000, 1_008_000, 1_009_000 µs: the window keeps the middle three.
    expect(selfTimes(profile, { fromUs: 1_000_500, toUs: 1_008_500 }).map((t) => [t.functionName, t.selfMs])).toEqual([
      ['plan', 2],
      ['(anonymous)', 1],
    ]);
  });

  it('should read the runs from the flags', () => {
    expect(parseOptions([]).runs).toEqual([{ apps: 1, workers: 1 }, { apps: 20, workers: 1 }, { apps: 200, workers: 1 }, { apps: 200, workers: 2 }]);
    expect(parseOptions(['--apps', '1,20', '--workers', '1,2', '--json']).runs).toEqual([{ apps: 1, workers: 1 }, { apps: 1, workers: 2 }, { apps: 20, workers: 1 }, { apps: 20, workers: 2 }]);
    expect(parseOptions(['--runs', '1000x1', '--cpu-prof'])).toMatchObject({ runs: [{ apps: 1000, workers: 1 }], cpuProfDir: DEFAULT_PROF_DIR });
    expect(parseOptions(['--cpu-prof', '/tmp/p', '--json'])).toMatchObject({ cpuProfDir: '/tmp/p', json: true });
    expect(() => parseOptions(['--apps', '0'])).toThrow(/--apps/);
    expect(() => parseOptions(['--nope'])).toThrow(/unknown flag/);
    expect(parseOptions(['--backend', 'real', '--controller-qps', '200'])).toMatchObject({ backend: 'real', controllerQps: 200 });
    expect(() => parseOptions(['--controller-qps', '200'])).toThrow(/only with --backend real/);
    expect(() => parseOptions(['--backend', 'real', '--controller-qps', 'x'])).toThrow(/--controller-qps/);
    expect([roundsFor(1, undefined), roundsFor(20, undefined), roundsFor(3, 2)]).toEqual([10, 1, 2]);
  });
});
