/** `npm run bench:sync -- [flags]`: which runs, and how. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where `--cpu-prof` without a directory writes (outside the repository). */
export const DEFAULT_PROF_DIR = join(tmpdir(), 'hookrunner-cpu-prof');

export interface RunSpec {
  apps: number;
  workers: number;
}

export interface BenchOptions {
  /** `dev`: the embedded dev cluster (a child process); `real`: the real control plane (src/controlplane, binaries from `npm run control-plane:build`). */
  backend: 'dev' | 'real';
  runs: RunSpec[];
  /** Rounds per run; undefined = enough rounds of `apps` for at least 10 operations. */
  rounds?: number;
  /** Each worker's client-side Kubernetes rate limit, requests/s (the default 50/s, as Argo CD's, throttles 200 apps on one worker). */
  qps: number;
  /** Round trips per floor figure. */
  floorSamples: number;
  json: boolean;
  /** `real` only: the controller manager's client rate limit (`--kube-api-qps`, burst twice that); undefined = its default, 20/s per controller. */
  controllerQps?: number;
  /** Directory for `.cpuprofile` files of the workers and the orchestrator; undefined = no profiling. */
  cpuProfDir?: string;
}

/** The table: 1 app, 20 apps and 200 apps with 1 worker, 200 apps with 2. */
export const DEFAULT_RUNS: RunSpec[] = [
  { apps: 1, workers: 1 },
  { apps: 20, workers: 1 },
  { apps: 200, workers: 1 },
  { apps: 200, workers: 2 },
];

export const USAGE = `usage: npm run bench:sync -- [--runs 1x1,20x1,200x1,200x2 | --apps 1,20,200 --workers 1,2] [--rounds n] [--qps n] [--floor-samples n] [--cpu-prof [dir]] [--backend dev|real] [--controller-qps n] [--json]
  --runs <appsxworkers,...>  runs to make (default: 1x1,20x1,200x1,200x2)
  --apps / --workers <n,...> every combination of these instead (defaults 200 and 1)
  --rounds <n>               operations are submitted in n successive rounds of --apps (default: enough for 10 operations)
  --qps <n>                  each worker's Kubernetes client rate limit (default: 1000)
  --floor-samples <n>        round trips per floor figure (default: 300)
  --cpu-prof [dir]           write .cpuprofile files of the workers and the orchestrator to dir (default: $TMPDIR/hookrunner-cpu-prof) and print their top self time
  --backend dev|real         the cluster: the embedded dev cluster (default) or the real control plane (etcd, kube-apiserver, controller manager, scheduler, node agent; \`npm run control-plane:build\` first)
  --controller-qps <n>       with --backend real: the controller manager's client rate limit, requests/s per controller (default: its own, 20; burst 2n)
  --json                     end with one JSON line holding every figure`;

function positiveInts(flag: string, value: string | undefined): number[] {
  const list = (value ?? '').split(',').map((v) => Number(v.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`${flag}: want positive integers separated by commas, got "${value ?? ''}"`);
  return list;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { backend: 'dev', runs: DEFAULT_RUNS, qps: 1000, floorSamples: 300, json: false };
  let apps: number[] | undefined;
  let workers: number[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    const value = (): string | undefined => argv[++i];
    if (flag === '--json') options.json = true;
    else if (flag === '--backend') {
      const backend = value();
      if (backend !== 'dev' && backend !== 'real') throw new Error(`--backend: want dev or real, got "${backend ?? ''}"`);
      options.backend = backend;
    } else if (flag === '--apps') apps = positiveInts(flag, value());
    else if (flag === '--workers') workers = positiveInts(flag, value());
    else if (flag === '--rounds') options.rounds = positiveInts(flag, value())[0];
    else if (flag === '--qps') options.qps = positiveInts(flag, value())[0] ?? options.qps;
    else if (flag === '--controller-qps') options.controllerQps = positiveInts(flag, value())[0];
    else if (flag === '--floor-samples') options.floorSamples = positiveInts(flag, value())[0] ?? options.floorSamples;
    else if (flag === '--cpu-prof') options.cpuProfDir = argv[i + 1] !== undefined && !argv[i + 1]?.startsWith('--') ? value() : DEFAULT_PROF_DIR;
    else if (flag === '--runs') {
      options.runs = (value() ?? '').split(',').map((r) => {
        const m = /^(\d+)x(\d+)$/.exec(r.trim());
        if (!m || Number(m[1]) <= 0 || Number(m[2]) <= 0) throw new Error(`--runs: want <apps>x<workers>, got "${r}"`);
        return { apps: Number(m[1]), workers: Number(m[2]) };
      });
    } else throw new Error(`unknown flag "${flag}"\n${USAGE}`);
  }
  if (options.controllerQps !== undefined && options.backend !== 'real') throw new Error('--controller-qps: only with --backend real');
  if (apps || workers) options.runs = (apps ?? [200]).flatMap((a) => (workers ?? [1]).map((w) => ({ apps: a, workers: w })));
  return options;
}

/** Rounds for a run: the flag, else enough rounds of `apps` for 10 operations. */
export function roundsFor(apps: number, rounds: number | undefined): number {
  return rounds ?? Math.max(1, Math.ceil(10 / apps));
}
