/**
 * `npm run chaos [-- --scale small|full] [--seed N] [--only a,b]`: the chaos suite (README
 * "Chaos"). Each scenario prints one line of figures; the last line is one JSON object
 * `{"seed", "scale", "scenarios": [...]}`. Exit 1 when a scenario lost an operation, duplicated a
 * Job or a post, missed a post, did not succeed every run (every scenario expects success), or
 * could not run.
 */
import { parseArgs } from 'node:util';
import { killProc } from './rig.js';
import type { Rig } from './rig.js';
import { runScenario } from './scenario.js';
import type { ScenarioResult, ScenarioSpec } from './scenario.js';
import { sentinelScenario } from './sentinel.js';
import { seededRandom } from '../../src/util/index.js';

const { values } = parseArgs({ options: { scale: { type: 'string', default: 'small' }, seed: { type: 'string' }, only: { type: 'string' } } });
if (values.scale !== 'small' && values.scale !== 'full') {
  console.error(`--scale: "${values.scale}" is not small or full`);
  process.exit(2);
}
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isInteger(seed)) {
  console.error(`--seed: "${values.seed}" is not an integer`);
  process.exit(2);
}
const full = values.scale === 'full';
/** The whole suite's cap: 15 minutes full, 5 small. */
const HARD_DEADLINE = Date.now() + (full ? 15 : 5) * 60_000;


/** SIGKILL one (random) process of `list`, then start it again. */
async function killAndRestart(rig: Rig, which: 'workers' | 'serves', random: () => number): Promise<string> {
  const list = rig[which];
  const i = Math.floor(random() * list.length);
  await killProc(list[i]!, 'SIGKILL');
  if (which === 'workers') rig.startWorker(i);
  else rig.startServe(i);
  return `${which === 'workers' ? 'worker' : 'serve'}-${i}`;
}

const scenarios: ScenarioSpec[] = [
  {
    name: 'worker-sigkill',
    rig: { workers: 3 },
    batch: 2,
    batches: full ? 20 : 3,
    fault: { windowMs: [500, 5_000], inject: (rig, random) => killAndRestart(rig, 'workers', random) },
    deadlineMs: 90_000,
  },
  {
    name: 'orchestrator-sigkill',
    rig: { serves: 2, workers: 2 },
    batch: 2,
    batches: full ? 12 : 3,
    fault: { windowMs: [500, 5_000], inject: (rig, random) => killAndRestart(rig, 'serves', random) },
    deadlineMs: 90_000,
  },
  {
    name: 'redis-restart-aof',
    rig: { workers: 2 },
    batch: 3,
    batches: full ? 6 : 2,
    fault: {
      windowMs: [500, 5_000],
      async inject(rig) {
        if (!rig.redis) throw new Error('no private Redis to restart');
        await rig.redis.restart();
        return 'redis';
      },
    },
    deadlineMs: 90_000,
  },
  {
    name: 'api-faults',
    rig: { workers: 2, faults: `rate=0.15,codes=429/500/503,retry-after=1,drop-watch=3s,seed=${seed}` },
    batch: 3,
    batches: full ? 8 : 2,
    countFaults(rig) {
      const c = rig.cluster.faultCounters();
      return c.injected[429] + c.injected[500] + c.injected[503] + c.droppedWatches;
    },
    deadlineMs: 120_000,
  },
  {
    name: 'chat-faults',
    rig: { workers: 2 },
    batch: 3,
    batches: full ? 8 : 2,
    async during(rig, random) {
      // A few faults at random instants of the batch, each taken by the next post request.
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, random() * 2_000));
        const r = random();
        rig.chat.fail('posts', r < 0.5 ? { type: 'rateLimit', retryAfterSec: 1 } : { type: 'status', status: r < 0.75 ? 500 : 503 });
      }
    },
    countFaults: (rig) => rig.chat.requests.filter((r) => r.endpoint === 'posts' && typeof r.status === 'number' && (r.status === 429 || r.status >= 500)).length,
    deadlineMs: 90_000,
  },
];

const only = values.only?.split(',').map((s) => s.trim());
console.log(`chaos: scale ${values.scale}, seed ${seed} (repeat with --seed ${seed})`);
const results: ScenarioResult[] = [];
const all = [...scenarios.map((s) => s.name), 'sentinel-failover'];
for (const name of all) {
  if (only && !only.includes(name)) continue;
  const random = seededRandom(seed + all.indexOf(name));
  const spec = scenarios.find((s) => s.name === name);
  const r = spec ? await runScenario(spec, random, HARD_DEADLINE) : await sentinelScenario(full, random, HARD_DEADLINE);
  results.push(r);
  console.log(
    `${r.name}: runs ${r.runs}  succeeded ${r.succeeded}  lost ${r.lost}  duplicate Jobs ${r.duplicateJobs}  duplicate posts ${r.duplicatePosts}  missing posts ${r.missingPosts}  faults ${r.faults}  max recovery ${r.maxRecoveryMs === null ? '-' : `${r.maxRecoveryMs} ms`}  (${r.seconds} s)${r.failures.map((f) => `\n  ${f}`).join('')}${r.error ? `\n  ERROR: ${r.error}` : ''}`,
  );
}
const bad = results.filter((r) => r.error || r.lost > 0 || r.duplicateJobs > 0 || r.duplicatePosts > 0 || r.missingPosts > 0 || r.runs !== r.succeeded || r.runs === 0);
console.log(JSON.stringify({ seed, scale: values.scale, scenarios: results.map(({ error, ...r }) => ({ ...r, ...(error ? { error: error.split('\n').slice(0, 2).join(' ').slice(0, 400) } : {}) })) }));
process.exit(bad.length > 0 ? 1 : 0);
