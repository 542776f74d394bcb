/**
 * `npm run bench:plan`: generate 10,000 and 100,000 manifests (a realistic mix of kinds, waves
 * and hooks, 50 objects per file) and print load+plan and plan-only times and peak memory.
 * Figures are printed, never asserted. `--json` adds one last line holding every figure:
 * `{"runs": [{"objects": 10000, "loadPlanMs": …, "planOnlyMs": …, "peakRssMb": …}, …]}`.
 * The load is the first one in the process (cold code, as a CLI run sees it); plan-only is the
 * best of 4 plans of the loaded manifests. `loadPlanCpuMs`/`planOnlyCpuMs` are this process's CPU
 * time for the same spans (plan-only: best of the 3 warm plans), steadier than wall time when
 * other work shares the cores. The size limits of issue 14 are lifted: 100,000 objects
 * are over the default 16 MiB an application may hold.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadManifests } from '../src/manifests/index.js';
import { plan } from '../src/plan/index.js';

const KINDS = ['ConfigMap', 'Secret', 'Service', 'ServiceAccount', 'Deployment', 'Role', 'RoleBinding', 'Widget'];
const PER_FILE = 50;

function objectYaml(i: number): string {
  const kind = KINDS[i % KINDS.length] as string;
  const apiVersion = kind === 'Deployment' ? 'apps/v1' : kind.startsWith('Role') ? 'rbac.authorization.k8s.io/v1' : kind === 'Widget' ? 'example.com/v1' : 'v1';
  const annotations: string[] = [`    argocd.argoproj.io/sync-wave: "${(i % 7) - 3}"`];
  if (i % 50 === 0) annotations.push('    argocd.argoproj.io/hook: PreSync', '    argocd.argoproj.io/hook-delete-policy: HookSucceeded');
  if (i % 97 === 0) annotations.push('    helm.sh/hook: post-install,post-upgrade', '    helm.sh/hook-weight: "2"');
  return [`apiVersion: ${apiVersion}`, `kind: ${kind}`, 'metadata:', `  name: obj-${i}`, '  labels:', '    app.kubernetes.io/name: bench', '  annotations:', ...annotations, 'data:', `  key: "value-${i}"`, ''].join('\n');
}

async function generate(dir: string, count: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let f = 0; f * PER_FILE < count; f++) {
    const docs: string[] = [];
    for (let i = f * PER_FILE; i < Math.min(count, (f + 1) * PER_FILE); i++) docs.push(objectYaml(i));
    await writeFile(join(dir, `m-${String(f).padStart(5, '0')}.yaml`), docs.join('---\n'));
  }
}

/** Sample RSS and heap every 5 ms and keep the peaks. */
function peakSampler(): { stop: () => { rss: number; heap: number } } {
  let rss = process.memoryUsage().rss;
  let heap = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  }, 5);
  return {
    stop: () => {
      clearInterval(timer);
      const m = process.memoryUsage();
      return { rss: Math.max(rss, m.rss), heap: Math.max(heap, m.heapUsed) };
    },
  };
}

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MiB`;
const round1 = (n: number): number => Math.round(n * 10) / 10;
const NO_LIMITS = { maxFiles: Number.MAX_SAFE_INTEGER, maxFileBytes: Number.MAX_SAFE_INTEGER, maxTotalBytes: Number.MAX_SAFE_INTEGER };

interface Run {
  objects: number;
  files: number;
  tasks: number;
  loadPlanMs: number;
  loadMs: number;
  planOnlyMs: number;
  /** CPU time of this process (user + system) for the same spans: less disturbed than wall time when other work shares the cores. */
  loadPlanCpuMs: number;
  planOnlyCpuMs: number;
  peakRssMb: number;
  peakHeapMb: number;
}
const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const gc = (globalThis as { gc?: () => void }).gc;

async function main(json: boolean): Promise<void> {
  const runs: Run[] = [];
  const root = await mkdtemp(join(tmpdir(), 'hookrunner-bench-plan-'));
  try {
    console.log(`node ${process.version}, ${PER_FILE} objects per file`);
    console.log('objects   files  load+plan   plan-only  tasks    peak RSS  peak heap');
    for (const count of [10_000, 100_000]) {
      const dir = join(root, String(count));
      await generate(dir, count);
      gc?.();
      const sampler = peakSampler();
      const c0 = cpuMs();
      const t0 = performance.now();
      const { manifests } = await loadManifests([dir], { limits: NO_LIMITS });
      const t1 = performance.now();
      const result = plan(manifests, { namespace: 'bench', revision: '0123456789abcdef', startedAt: new Date() });
      const t2 = performance.now();
      const loadPlanCpu = cpuMs() - c0;
      // plan-only, measured again on warm code (best of 3)
      let planOnly = t2 - t1;
      let planOnlyCpu = Infinity;
      for (let r = 0; r < 3; r++) {
        const c = cpuMs();
        const s = performance.now();
        plan(manifests, { namespace: 'bench', revision: '0123456789abcdef', startedAt: new Date() });
        planOnly = Math.min(planOnly, performance.now() - s);
        planOnlyCpu = Math.min(planOnlyCpu, cpuMs() - c);
      }
      const peak = sampler.stop();
      runs.push({
        objects: count,
        files: Math.ceil(count / PER_FILE),
        tasks: result.tasks.length,
        loadPlanMs: round1(t2 - t0),
        loadMs: round1(t1 - t0),
        planOnlyMs: round1(planOnly),
        loadPlanCpuMs: round1(loadPlanCpu),
        planOnlyCpuMs: round1(planOnlyCpu),
        peakRssMb: round1(peak.rss / 1024 / 1024),
        peakHeapMb: round1(peak.heap / 1024 / 1024),
      });
      console.log(
        `${String(count).padEnd(9)} ${String(Math.ceil(count / PER_FILE)).padEnd(6)} ${`${(t2 - t0).toFixed(0)} ms`.padEnd(11)} ${`${planOnly.toFixed(0)} ms`.padEnd(10)} ${String(result.tasks.length).padEnd(8)} ${mib(peak.rss).padEnd(9)} ${mib(peak.heap)}`,
      );
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  if (json) console.log(JSON.stringify({ node: process.version, runs }));
}

await main(process.argv.includes('--json'));
