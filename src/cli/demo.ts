/**
 * `hookrunner demo`: the embedded default a newcomer runs first. Starts the dev cluster, Redis and
 * a local Mattermost, then runs the lab's scenarios (seed/) with the manifests of `examples/`:
 * success, a failing PreSync health check, an invalid Pod in the Sync phase, and each deletion
 * policy. It prints every result table and the Jobs left afterwards, and exits 0 only when every
 * scenario behaved as the lab says.
 */
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { createClusterClient } from '../cluster/index.js';
import type { ClusterClient } from '../cluster/types.js';
import { startMattermostServer } from '../devchat/index.js';
import type { MattermostServer } from '../devchat/index.js';
import { startDevCluster } from '../devcluster/index.js';
import { deleteByPrefix } from '../store/index.js';
import { loadManifests } from '../manifests/index.js';
import type { JsonValue, Manifest } from '../manifests/index.js';
import type { Operation } from '../sync/index.js';
import { TRIGGERS, isDone, operationSpec, orderedResults } from '../sync/index.js';
import { errorMessage, sleep } from '../util/index.js';
import { listJobs, indent } from './demo-view.js';
import type { JobRow } from './demo-view.js';
import { ExitCode } from './exit-codes.js';
import type { CliIO } from './io.js';
import { notifierFactory } from '../notifications/index.js';
import { findRedis, freePort } from '../engine/index.js';
import { renderOperation } from './result-view.js';
import { startEngine } from '../engine/index.js';
import type { Engine } from '../engine/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EXAMPLES = join(ROOT, 'examples');
const LAB_TOKEN = 'ot3edzrgw7yrzxtoaxpi7hu4dw';
const APP = 'app-sync-phase-1';
const NAMESPACE = 'app-sync-phases';
const PRE_JOB = 'health-check-pre-job';

interface Outcome {
  op: Operation;
  jobs: JobRow[];
  posts: string[];
}

interface Scenario {
  title: string;
  /** What the lab says should happen. */
  lab: string;
  paths: string[];
  edit?: (m: Manifest) => void;
  /** Run twice and compare (BeforeHookCreation). */
  twice?: boolean;
  check: (o: Outcome, before?: Outcome) => string[];
}

const annotatePreJob =
  (policy: string) =>
  (m: Manifest): void => {
    if (m.object.metadata.name === PRE_JOB) m.object.metadata.annotations = { ...m.object.metadata.annotations, 'argocd.argoproj.io/hook-delete-policy': policy };
  };

const ran = (o: Outcome, name: string): boolean => o.op.results.some((r) => r.name === name);
const expectAll = (checks: [boolean, string][]): string[] => checks.filter(([ok]) => !ok).map(([, why]) => why);

function scenarios(deadPort: number): Scenario[] {
  const phases = join(EXAMPLES, 'sync-phases');
  return [
    {
      title: 'Sync phases: success',
      lab: 'PreSync health check → Service (wave -2) → ServiceAccount (-1) → Deployment → PostSync "Sync OK" post; the SyncFail hook does not run',
      paths: [phases],
      check: (o) =>
        expectAll([
          [o.op.phase === 'Succeeded', `the operation is ${o.op.phase}: ${o.op.message}`],
          [orderedResults(o.op).map((r) => r.kind + '/' + r.name).join(' ').includes('Job/health-check-pre-job Service/nginx ServiceAccount/nginx Deployment/nginx Job/mattermost-post-job-success'), 'the order is not PreSync, Service, ServiceAccount, Deployment, PostSync'],
          [!ran(o, 'mattermost-post-job-failure'), 'the SyncFail hook ran'],
          [o.posts.length === 1 && (o.posts[0] ?? '').includes('Sync OK'), `expected one "Sync OK" post, got ${JSON.stringify(o.posts)}`],
        ]),
    },
    {
      title: 'Scenario 1: the PreSync health check fails',
      lab: 'the pre-job checks a dead port: no Sync-phase resource is applied, the SyncFail hook posts "Sync Failed"',
      paths: [phases],
      edit: (m) => {
        if (m.object.metadata.name === PRE_JOB) replaceStrings(m.object as unknown as JsonValue, (s) => s.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${deadPort}`));
      },
      check: (o) =>
        expectAll([
          [o.op.phase === 'Failed', `the operation is ${o.op.phase}`],
          [!o.op.results.some((r) => r.syncPhase === 'Sync'), 'a Sync-phase resource was applied'],
          [o.op.results.some((r) => r.name === 'mattermost-post-job-failure' && r.hookPhase === 'Succeeded'), 'the SyncFail hook did not run'],
          [o.posts.length === 1 && (o.posts[0] ?? '').includes('Sync Failed'), `expected one "Sync Failed" post, got ${JSON.stringify(o.posts)}`],
        ]),
    },
    {
      title: 'Scenario 2: an invalid resource in the Sync phase',
      lab: 'the Pod with memory "invalid-value" is refused (422), the SyncFail hook posts "Sync Failed", PostSync does not run',
      paths: [phases, join(EXAMPLES, 'sync-fail')],
      check: (o) => {
        const pod = o.op.results.find((r) => r.name === 'quick-fail-pod');
        return expectAll([
          [o.op.phase === 'Failed', `the operation is ${o.op.phase}`],
          [pod?.status === 'SyncFailed' && /invalid/i.test(pod.message), `the Pod is ${pod?.status}: ${pod?.message}`],
          [!ran(o, 'mattermost-post-job-success'), 'the PostSync hook ran'],
          [o.posts.length === 1 && (o.posts[0] ?? '').includes('Sync Failed'), `expected one "Sync Failed" post, got ${JSON.stringify(o.posts)}`],
        ]);
      },
    },
    {
      title: 'Deletion policy HookSucceeded',
      lab: 'the pre-job succeeds and is deleted from the cluster',
      paths: [phases],
      edit: annotatePreJob('HookSucceeded'),
      check: (o) => expectAll([[o.op.phase === 'Succeeded', `the operation is ${o.op.phase}`], [!o.jobs.some((j) => j.name === PRE_JOB), 'the pre-job is still there']]),
    },
    {
      title: 'Deletion policy HookFailed',
      lab: 'the pre-job succeeds, so it is kept (it would be deleted if the sync failed)',
      paths: [phases],
      edit: annotatePreJob('HookFailed'),
      check: (o) => expectAll([[o.op.phase === 'Succeeded', `the operation is ${o.op.phase}`], [o.jobs.some((j) => j.name === PRE_JOB), 'the pre-job is gone']]),
    },
    {
      title: 'Deletion policy BeforeHookCreation (the default)',
      lab: 'syncing again deletes the existing pre-job before creating a new one (a new uid)',
      paths: [phases],
      twice: true,
      check: (o, before) => {
        const a = before?.jobs.find((j) => j.name === PRE_JOB)?.uid;
        const b = o.jobs.find((j) => j.name === PRE_JOB)?.uid;
        return expectAll([[o.op.phase === 'Succeeded', `the operation is ${o.op.phase}`], [!!a && !!b && a !== b, `the pre-job was not replaced (uid ${a} → ${b})`]]);
      },
    },
  ];
}

/** Replace strings anywhere in a JSON value, in place. */
function replaceStrings(value: JsonValue, fn: (s: string) => string): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => (typeof v === 'string' ? (value[i] = fn(v)) : replaceStrings(v, fn)));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string') value[k] = fn(v);
      else replaceStrings(v, fn);
    }
  }
}

/** The lab's Mattermost (host.docker.internal:8065) is the demo's local one. */
export function pointAtLocalMattermost(manifests: Manifest[], port: number): void {
  for (const m of manifests) {
    replaceStrings(m.object as unknown as JsonValue, (s) => {
      if (s.includes('host.docker.internal:8065')) return s.replace('host.docker.internal:8065', `127.0.0.1:${port}`);
      if (s === 'host.docker.internal') return '127.0.0.1';
      return s === '8065' ? String(port) : s;
    });
  }
}

export function registerDemo(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command('demo')
    .description("Run the lab's scenarios on a built-in dev cluster, Redis and Mattermost, and check each behaved as the lab says")
    .action(async () => {
      setExit(await runDemo(io));
    });
}

export async function runDemo(io: CliIO): Promise<number> {
  const out = (s: string): void => void io.stdout.write(s);
  out('hookrunner demo: the lab (Argo CD sync phases, waves and hook deletion policies) on a built-in dev cluster\n\n');
  const cluster = await startDevCluster({ port: 0, workloadReadyDelayMs: 200 });
  const mattermost: MattermostServer = await startMattermostServer({ token: LAB_TOKEN, teams: { argocdorg: ['argocd-test-phases', 'hookrunner'] } });
  let redis: Awaited<ReturnType<typeof findRedis>> | undefined;
  let client: ClusterClient | undefined;
  let engine: Engine | undefined;
  const prefix = `hookrunner-demo-${randomUUID().slice(0, 8)}`;
  try {
    redis = await findRedis(io.env);
    client = createClusterClient({ server: cluster.url, token: 'dev-cluster' });
    const notifyEnv = { MATTERMOST_URL: mattermost.url, MATTERMOST_TOKEN: LAB_TOKEN };
    engine = startEngine({ redisUrl: redis.url, prefix, cluster: client, notifications: notifierFactory(notifyEnv, io.stderr) });
    out(`  dev cluster  ${cluster.url}\n  redis        ${redis.private ? 'a private redis-server' : 'REDIS_URL'}\n  mattermost   ${mattermost.url} (stands in for the lab's host.docker.internal:8065)\n\n`);

    const results: { title: string; problems: string[] }[] = [];
    const operationIds: string[] = [];
    let seen = 0;
    for (const scenario of scenarios(await freePort())) {
      out(`━━ ${scenario.title}\n   lab: ${scenario.lab}\n\n`);
      let before: Outcome | undefined;
      let outcome: Outcome | undefined;
      const problems: string[] = [];
      try {
        for (let round = 0; round < (scenario.twice ? 2 : 1); round++) {
          const op = await runScenario(engine, scenario, mattermost.port);
          operationIds.push(op.id);
          const posts = mattermost.posts.filter((p) => p.channel === 'argocdorg/argocd-test-phases').slice(seen).map((p) => p.message);
          seen += posts.length;
          const jobs = await listJobs(client, NAMESPACE);
          before = outcome;
          outcome = { op, jobs: jobs.rows, posts };
          out(indent(renderOperation(op)) + '\n');
          out(`  $ kubectl get jobs -n ${NAMESPACE}\n${indent(jobs.text)}\n`);
          for (const p of posts) out(`  mattermost #argocd-test-phases: ${p}\n`);
        }
        problems.push(...scenario.check(outcome as Outcome, before));
      } catch (err) {
        problems.push(errorMessage(err));
      }
      out(problems.length === 0 ? '\n  ✓ as the lab says\n\n' : `\n  ✗ not as the lab says:\n${problems.map((p) => `    - ${p}\n`).join('')}\n`);
      results.push({ title: scenario.title, problems });
    }
    for (const id of operationIds) await engine.notifications?.settled(id, 30_000);
    const builtIn = mattermost.posts.filter((p) => p.channel === 'argocdorg/hookrunner');
    out(`Built-in notifications (#hookrunner): ${builtIn.filter((p) => !p.root_id).length} parent messages (one per operation, updated in place), ${builtIn.filter((p) => p.root_id).length} threaded replies.\n\n`);
    out('Summary\n');
    for (const r of results) out(`  ${r.problems.length === 0 ? '✓' : '✗'} ${r.title}\n`);
    const failed = results.filter((r) => r.problems.length > 0).length;
    out(failed === 0 ? '\nEvery scenario behaved as the lab says.\n' : `\n${failed} scenario(s) did not behave as the lab says.\n`);
    return failed === 0 ? ExitCode.ok : ExitCode.failed;
  } catch (err) {
    io.stderr.write(`hookrunner demo: ${errorMessage(err)}\n`);
    return ExitCode.infrastructure;
  } finally {
    await engine?.close();
    client?.close();
    await cluster.stop();
    await mattermost.close();
    if (redis && !redis.private) await deleteByPrefix(redis.url, prefix);
    await redis?.stop();
  }
}

async function runScenario(engine: Engine, scenario: Scenario, port: number): Promise<Operation> {
  const { manifests, warnings } = await loadManifests(scenario.paths);
  pointAtLocalMattermost(manifests, port);
  for (const m of manifests) scenario.edit?.(m);
  const spec = operationSpec({
    app: APP,
    namespace: NAMESPACE,
    revision: randomUUID().replace(/-/g, ''),
    manifests,
    warnings,
    createNamespace: true,
    timeoutMs: 5 * 60_000,
    hookTimeoutMs: 2 * 60_000,
    initiatedBy: 'demo',
    notifications: [{ service: 'mattermost', recipient: 'argocdorg/hookrunner', triggers: [...TRIGGERS] }],
  });
  const op = await (engine.orchestrator as NonNullable<Engine['orchestrator']>).submit(spec);
  for (;;) {
    const current = await engine.store.getOperation(op.id);
    if (current && isDone(current)) return current;
    await sleep(50);
  }
}
