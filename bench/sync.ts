/**
 * `npm run bench:sync [-- flags]`: lab-like applications (PreSync hook Job → Service (-2) →
 * ServiceAccount (-1) → Deployment → PostSync hook Job, bench/lib/lab.ts) synced at once, by
 * default 1, 20 and 200 apps with 1 worker and 200 with 2 (`--help` for the flags). Each run has
 * its own private Redis, cluster (`--backend dev`: the dev cluster process; `real`: the real
 * control plane, bench/lib/real-cluster-child.ts), orchestrator process and worker processes, and
 * first measures the floor of this design on them (bench/lib/floor.ts). Per run it prints
 * operations/s, the phase-transition latency (a hook's Complete seen by the worker → the next
 * step's first API write, from the dev cluster's audit) p50/p99, CPU ms per operation of each
 * component, API requests per operation by verb, watches open at peak and peak RSS of each
 * process; with `--json` it ends with one JSON line of all of it. Numbers only, no assertions.
 * bench/README.md says what each figure means.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnWorker, startPrivateRedis } from '../src/engine/index.js';
import type { WorkerProcess } from '../src/engine/index.js';
import { findBinaries } from '../src/controlplane/index.js';
import { startClusterChild, startOrchestratorChild } from './lib/children.js';
import type { ClusterChild, OrchestratorChild } from './lib/children.js';
import { bullmqRoundTrip, clientRequestCpu, createToWatchEventMs } from './lib/floor.js';
import { jobsPerOperation, startJobTally } from './lib/jobs.js';
import { USAGE, parseOptions, roundsFor } from './lib/options.js';
import type { BenchOptions, RunSpec } from './lib/options.js';
import { procCpuMs, procPeakRssMb, redisCpuMs } from './lib/procs.js';
import { benchJson, countRequests, designFloorCpuMs, perOperation, percentile, transitions } from './lib/sync-stats.js';
import type { Floor, RunFigures } from './lib/sync-stats.js';
import { profileFiles, topLines } from './lib/top-self-time.js';
import type { CpuProfile } from './lib/top-self-time.js';

const ROOT = resolve(import.meta.dirname, '..');
const PREFIX = 'bench';

interface Rig {
  dir: string;
  redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  cluster: ClusterChild;
  workers: WorkerProcess[];
  orchestrator?: OrchestratorChild;
  profDir?: string;
}

interface CpuSnapshot {
  workers: number;
  orchestrator: number;
  redis: number;
  cluster: number;
  clusterEach: Record<string, number>;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

async function cpuSnapshot(rig: Rig, orchestrator: OrchestratorChild): Promise<CpuSnapshot> {
  const workers = await Promise.all(rig.workers.map((w) => procCpuMs(w.proc.pid ?? 0)));
  const clusterEach = Object.fromEntries(await Promise.all(rig.cluster.pids.map(async (p) => [p.name, await procCpuMs(p.pid)] as const)));
  return { workers: sum(workers), orchestrator: await procCpuMs(orchestrator.pid), redis: await redisCpuMs(rig.redis.url), cluster: sum(Object.values(clusterEach)), clusterEach };
}

/** Resolve once the worker logged `worker started`, or fail after 60 s. */
async function workerStarted(w: WorkerProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!w.lines.some((l) => l.includes('worker started'))) {
    if (Date.now() > deadline || w.proc.exitCode !== null) throw new Error(`the worker did not log "worker started" within 60 s; its last lines: ${w.lines.slice(-5).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Redis, the dev cluster, the floor on them, then the workers and the orchestrator. */
async function setUp(spec: RunSpec, options: BenchOptions, index: number, rig: Partial<Rig>): Promise<{ rig: Rig; orchestrator: OrchestratorChild; floor: Floor }> {
  rig.dir = await mkdtemp(join(tmpdir(), 'hookrunner-bench-sync-'));
  rig.redis = await startPrivateRedis();
  rig.cluster = await startClusterChild(options.backend, options.controllerQps !== undefined ? { controllerQps: options.controllerQps } : {});
  rig.workers = [];
  const full = rig as Rig;
  const target = { url: full.cluster.url, ...(full.cluster.tls ? { tls: full.cluster.tls } : {}) };
  const kubeconfig = join(full.dir, 'kubeconfig');
  await writeFile(kubeconfig, full.cluster.kubeconfig, { mode: 0o600 });
  // CPU per job and per request with as many in flight as the run has apps (costs per item fall with batching).
  const bullmq = await bullmqRoundTrip(full.redis.url, options.floorSamples, spec.apps);
  const createToWatchEvent = await createToWatchEventMs(target, options.floorSamples);
  const client = await clientRequestCpu(kubeconfig, options.floorSamples, spec.apps);
  const floor: Floor = { bullmqRoundTripMs: bullmq.ms, createToWatchEventMs: createToWatchEvent, cpuMsPerJob: bullmq.cpuMsPerJob, clientGetCpuMs: client.getMs, clientApplyCpuMs: client.applyMs };
  const prof = (what: string): string | undefined => (options.cpuProfDir ? resolve(options.cpuProfDir, `run${index + 1}-${spec.apps}x${spec.workers}`, what) : undefined);
  if (options.cpuProfDir) rig.profDir = resolve(options.cpuProfDir, `run${index + 1}-${spec.apps}x${spec.workers}`);
  for (let i = 0; i < spec.workers; i++) {
    const dir = prof(`worker-${i + 1}`);
    if (dir) await mkdir(dir, { recursive: true });
    const worker = { redisUrl: full.redis.url, prefix: PREFIX, kubeconfig, concurrency: Math.ceil(spec.apps / spec.workers) + 10, env: { HOOKRUNNER_KUBE_QPS: String(options.qps), HOOKRUNNER_KUBE_BURST: String(options.qps * 2) } };
    const nodeArgs = (process.env['BENCH_WORKER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
    full.workers.push(spawnWorker({ ...worker, execArgv: [...nodeArgs, ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [])] }));
  }
  const orchDir = prof('orchestrator');
  if (orchDir) await mkdir(orchDir, { recursive: true });
  rig.orchestrator = await startOrchestratorChild({ redisUrl: full.redis.url, prefix: PREFIX, execArgv: orchDir ? ['--cpu-prof', `--cpu-prof-dir=${orchDir}`] : [] });
  await Promise.all(full.workers.map((w) => workerStarted(w)));
  await rig.orchestrator.round(1, -1); // warm-up, not measured: the first operation loads code and discovers the API
  return { rig: full, orchestrator: rig.orchestrator, floor };
}

async function tearDown(rig: Partial<Rig>): Promise<void> {
  await rig.orchestrator?.stop();
  for (const w of rig.workers ?? []) w.kill('SIGTERM');
  await Promise.all((rig.workers ?? []).map((w) => w.exited));
  await rig.cluster?.stop();
  await rig.redis?.stop();
  if (rig.dir) await rm(rig.dir, { recursive: true, force: true });
}

/** The figures, and the measured span on the monotonic clock in µs (CPU profiles' clock). */
async function measure(spec: RunSpec, options: BenchOptions, rig: Rig, orchestrator: OrchestratorChild, floor: Floor): Promise<RunFigures & { window: { fromUs: number; toUs: number } }> {
  const rounds = roundsFor(spec.apps, options.rounds);
  await rig.cluster.resetWatchPeak();
  const cpu0 = await cpuSnapshot(rig, orchestrator);
  const tally = await startJobTally(rig.redis.url, PREFIX);
  const from = Date.now();
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const started = performance.now();
  const ids: string[] = [];
  for (let r = 0; r < rounds; r++) ids.push(...(await orchestrator.round(spec.apps, r)));
  const seconds = (performance.now() - started) / 1000;
  const to = Date.now();
  const toUs = Number(process.hrtime.bigint() / 1000n);
  const cpu1 = await cpuSnapshot(rig, orchestrator);
  const bullmqJobs = await tally.stop(to);
  await new Promise((r) => setTimeout(r, 500)); // the ended waits' watch connections closed (the request log records a request when it ends)
  const { audit, requests, watchesPeak, watchesAll } = await rig.cluster.dump(from, to);
  const ops = await orchestrator.ops(ids);
  const rss = await Promise.all(rig.workers.map((w) => procPeakRssMb(w.proc.pid ?? 0)));
  const clusterRss = Object.fromEntries(await Promise.all(rig.cluster.pids.map(async (p) => [p.name, await procPeakRssMb(p.pid)] as const)));
  const lat = transitions(ops, audit);
  const dump = process.env['BENCH_SYNC_DUMP'];
  if (dump) {
    await mkdir(resolve(dump), { recursive: true });
    await writeFile(resolve(dump, `${spec.apps}x${spec.workers}.json`), JSON.stringify({ ops, audit, requests }));
  }
  const n = ops.length;
  const perOp = (ms: number): number => ms / n;
  const p50 = percentile(lat, 50);
  const requestsPerOp = perOperation(countRequests(requests, from, to), n);
  return {
    backend: rig.cluster.backend,
    apps: spec.apps,
    workers: spec.workers,
    rounds,
    operations: n,
    succeeded: ops.filter((o) => o.phase === 'Succeeded').length,
    opsPerSecond: n / seconds,
    transitionMs: { p50, p99: percentile(lat, 99), n: lat.length },
    cpuMsPerOperation: {
      workers: perOp(cpu1.workers - cpu0.workers),
      orchestrator: perOp(cpu1.orchestrator - cpu0.orchestrator),
      redis: perOp(cpu1.redis - cpu0.redis),
      cluster: perOp(cpu1.cluster - cpu0.cluster),
      clusterEach: Object.fromEntries(Object.entries(cpu1.clusterEach).map(([k, v]) => [k, perOp(v - (cpu0.clusterEach[k] ?? 0))])),
    },
    apiRequestsPerOperation: requestsPerOp,
    bullmqJobs,
    bullmqJobsPerOperation: jobsPerOperation(bullmqJobs, n),
    watchesPeak,
    ...(watchesAll ? { watchesAll } : {}),
    rssMb: {
      workers: Math.max(...rss),
      workersEach: rss,
      orchestrator: await procPeakRssMb(orchestrator.pid),
      redis: await procPeakRssMb(rig.redis.process.pid ?? 0),
      cluster: sum(Object.values(clusterRss)),
      clusterEach: clusterRss,
    },
    floor,
    transitionToFloor: p50 / (floor.bullmqRoundTripMs + floor.createToWatchEventMs),
    designFloorCpuMsPerOperation: designFloorCpuMs(jobsPerOperation(bullmqJobs, n), requestsPerOp, floor),
    window: { fromUs, toUs },
  };
}

/** `steps 5.0 (prepare 1.0, wave 3.0, …), orchestrator 6.0 (…)`, or why not counted. */
function jobsLine(f: RunFigures): string {
  const per = (v: number): string => (v / f.operations).toFixed(1);
  return Object.entries(f.bullmqJobs)
    .map(([queue, byName]) => (byName === null ? `${queue} not counted (its events stream was trimmed)` : `${queue} ${per(Object.values(byName).reduce((a, b) => a + b, 0))} (${Object.entries(byName).map(([k, v]) => `${k} ${per(v)}`).join(', ')})`))
    .join('; ');
}

function describeRun(f: RunFigures, seconds: number): string {
  const c = f.cpuMsPerOperation;
  const api = Object.entries(f.apiRequestsPerOperation)
    .filter(([k]) => k !== 'total' && k !== 'pollingGET')
    .sort(([, a], [, b]) => b - a)
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(', ');
  const floorSum = f.floor.bullmqRoundTripMs + f.floor.createToWatchEventMs;
  const real = f.backend === 'real';
  const each = (figures: Record<string, number>): string => Object.entries(figures).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
  return [
    `${f.apps} apps × ${f.workers} worker${f.workers > 1 ? 's' : ''}, ${f.rounds} round${f.rounds > 1 ? 's' : ''}: ${f.succeeded}/${f.operations} succeeded in ${seconds.toFixed(1)} s: ${f.opsPerSecond.toFixed(1)} operations/s`,
    `  transition (hook Complete seen → next step's first API write): p50 ${f.transitionMs.p50.toFixed(0)} ms  p99 ${f.transitionMs.p99.toFixed(0)} ms  (n=${f.transitionMs.n})`,
    `  floor: BullMQ round trip ${f.floor.bullmqRoundTripMs.toFixed(2)} ms + create→watch event ${f.floor.createToWatchEventMs.toFixed(2)} ms = ${floorSum.toFixed(2)} ms; transition p50 is ${f.transitionToFloor.toFixed(1)}× the floor`,
    `  CPU ms per operation: workers ${c.workers.toFixed(1)}  orchestrator ${c.orchestrator.toFixed(1)}  redis ${c.redis.toFixed(1)}  ${real ? 'control plane' : 'dev cluster'} ${c.cluster.toFixed(1)}${real ? ` (${each(c.clusterEach ?? {})})` : ''}  (${cpus().length} cores)`,
    `  API requests per operation: ${api}; total ${(f.apiRequestsPerOperation['total'] ?? 0).toFixed(1)}, of which polling GETs while waiting ${(f.apiRequestsPerOperation['pollingGET'] ?? 0).toFixed(2)}`,
    `  BullMQ jobs per operation: ${jobsLine(f)}`,
    `  design floor (client-side CPU of those jobs at ${f.floor.cpuMsPerJob.toFixed(3)} ms and requests at ${f.floor.clientGetCpuMs.toFixed(3)} ms per read, ${f.floor.clientApplyCpuMs.toFixed(3)} per write): ${f.designFloorCpuMsPerOperation.toFixed(1)} ms/op; workers + orchestrator use ${(c.workers + c.orchestrator).toFixed(1)} (${((c.workers + c.orchestrator) / f.designFloorCpuMsPerOperation).toFixed(1)}× it)`,
    `  watches open at peak: ${f.watchesPeak} of hookrunner's${f.watchesAll ? `; the API server's open WATCH requests, every client: ${f.watchesAll.baseline} before the run, ${f.watchesAll.peak} at peak (sampled each second)` : ''}`,
    `  peak RSS MB: workers ${f.rssMb.workersEach.map((m) => m.toFixed(0)).join(' / ')}  orchestrator ${f.rssMb.orchestrator.toFixed(0)}  redis ${f.rssMb.redis.toFixed(0)}  ${real ? 'control plane' : 'dev cluster'} ${f.rssMb.cluster.toFixed(0)}${real ? ` (${Object.entries(f.rssMb.clusterEach ?? {}).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')})` : ''}`,
  ].join('\n');
}

async function printProfiles(dir: string, window: { fromUs: number; toUs: number }): Promise<void> {
  console.log(`  CPU profiles, the measured span only (top-self-time.ts --window ${window.fromUs}-${window.toUs}):`);
  // Main threads only (CPU.<date>.<time>.<pid>.<thread>.<seq>): thread 1 of the orchestrator is tsx's loader.
  for (const file of profileFiles(dir).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f))) {
    console.log(`  top self time, ${file}:`);
    for (const line of topLines(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, 12, ROOT, window)) console.log(`    ${line}`);
  }
}

async function runOne(spec: RunSpec, options: BenchOptions, index: number): Promise<RunFigures> {
  const rig: Partial<Rig> = {};
  let figures: RunFigures & { window: { fromUs: number; toUs: number } };
  try {
    const ready = await setUp(spec, options, index, rig);
    figures = await measure(spec, options, ready.rig, ready.orchestrator, ready.floor);
  } finally {
    await tearDown(rig);
  }
  console.log(describeRun(figures, figures.operations / figures.opsPerSecond));
  if (rig.profDir) await printProfiles(rig.profDir, figures.window);
  const { window: _window, ...run } = figures;
  return run;
}

if (process.argv.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
const options = parseOptions(process.argv.slice(2));
if (options.backend === 'real') {
  try {
    findBinaries();
  } catch (err) {
    console.error(`bench:sync --backend real: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
console.log(
  `node ${process.version}; ${cpus().length} cores; backend ${options.backend}; lab-like applications (5 tasks, 2 hooks); runs ${options.runs.map((r) => `${r.apps}x${r.workers}`).join(', ')}; worker client rate limit ${options.qps} req/s; ${options.backend === 'dev' ? `dev cluster workload ready delay ${process.env['READY_DELAY_MS'] ?? '100'} ms` : `real control plane (audit log: every request of hookrunner-admin, blocking mode; controller manager client rate limit ${options.controllerQps !== undefined ? `${options.controllerQps}/s, burst ${options.controllerQps * 2}` : 'its default, 20/s per controller'})`}${options.cpuProfDir ? `; CPU profiles in ${resolve(options.cpuProfDir)}` : ''}`,
);
const runs: RunFigures[] = [];
for (const [i, spec] of options.runs.entries()) runs.push(await runOne(spec, options, i));
if (options.json) console.log(benchJson(runs));
process.exit(0); // a client library's handle left open must not keep the bench alive
