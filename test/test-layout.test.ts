/**
 * The test layout (vitest.config.ts): `*.int.test.ts` files are the integration project (real
 * Redis, clusters, spawned processes; run one at a time), every other `*.test.ts` is the unit
 * project (run in parallel). A unit file must not reach, directly or through test helpers, what
 * makes a test an integration test: then it would share Redis or machine-wide resources with
 * other files running at the same time. Rename such a file to `*.int.test.ts`.
 */
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** Test helpers only integration tests may import (directly or through other helpers). */
const INTEGRATION_HELPERS: Readonly<Record<string, string>> = {
  'test/helpers/redis.ts': 'the shared Redis',
  'test/helpers/harness.ts': 'Redis, a cluster and the engine',
  'test/helpers/backends.ts': 'the embedded dev cluster and the real control plane',
  'test/helpers/kubectl.ts': 'spawns the real kubectl',
  'test/helpers/tools.ts': 'unpacks and runs the real kubectl and helm',
  'test/helpers/tmux.ts': 'runs tmux',
  'test/cluster/dev-cluster.ts': 'starts a cluster',
  'test/devcluster/helpers.ts': 'talks to a running dev cluster',
  'test/api/api-harness.ts': 'Redis, the orchestrator and the dev cluster',
};

/** What a unit file must not use itself (an import or a call), with why. */
const INTEGRATION_USES: ReadonlyArray<readonly [RegExp, string]> = [
  [/from ['"]ioredis['"]/, 'imports ioredis (Redis)'],
  [/from ['"]bullmq['"]/, 'imports bullmq (Redis)'],
  [/from ['"]playwright-core['"]/, 'drives a browser'],
  [/\bstartDevCluster\s*\(/, 'starts the dev cluster'],
  [/\bstartControlPlane\s*\(/, 'starts the real control plane'],
  [/\bstartPrivateRedis\s*\(/, 'starts redis-server'],
  [/\bstartEngine\s*\(/, 'starts the engine (Redis)'],
  [/\bspawnWorker\s*\(/, 'spawns bin/hookrunner workers'],
];

/**
 * Unit files share their worker's module graph (`isolate: false` in vitest.config.ts): what one
 * file changes globally would leak into the next. Fake timers are fine when restored after each test.
 */
const LEAKS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bvi\.(mock|doMock|hoisted)\s*\(/, 'mocks a module'],
  [/\bvi\.stub(Global|Env)\s*\(/, 'stubs a global or the environment'],
  [/process\.env\[[^\]]+\]\s*=[^=]|process\.env\.\w+\s*=[^=]/, 'writes process.env'],
];

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'testdata' && entry.name !== 'fixtures' && entry.name !== 'node_modules') out.push(...(await listFiles(full)));
    } else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/** The repo-relative files under test/ that `file` imports (relative imports, `.js` → `.ts`). */
async function testImports(file: string): Promise<string[]> {
  const text = await readFile(join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = relative(ROOT, resolve(ROOT, dirname(file), (m[1] ?? '').replace(/\.js$/, '.ts')));
    if (target.startsWith('test/')) out.push(target);
  }
  return out;
}

/** Why `file` is an integration test (the first reason found, with the import chain), or undefined. */
async function integrationReason(file: string, seen = new Set<string>()): Promise<string | undefined> {
  if (seen.has(file)) return undefined;
  seen.add(file);
  const text = await readFile(join(ROOT, file), 'utf8').catch(() => '');
  for (const [pattern, why] of INTEGRATION_USES) if (pattern.test(text)) return `${file} ${why}`;
  for (const target of await testImports(file)) {
    const helper = INTEGRATION_HELPERS[target];
    if (helper) return `${file} imports ${target} (${helper})`;
    const deeper = await integrationReason(target, seen);
    if (deeper) return `${file} → ${deeper}`;
  }
  return undefined;
}

describe('test layout: unit and integration projects', () => {
  it('should keep integration helpers, Redis, clusters and browsers out of unit test files', async () => {
    const files = (await listFiles(join(ROOT, 'test'))).map((f) => relative(ROOT, f));
    const unit = files.filter((f) => f.endsWith('.test.ts') && !f.endsWith('.int.test.ts'));
    expect(unit.length).toBeGreaterThan(0);
    const violations: string[] = [];
    for (const file of unit) {
      const why = await integrationReason(file);
      if (why) violations.push(`${why}: rename it to *.int.test.ts (git mv) or use an in-memory fake`);
    }
    expect(violations).toEqual([]);
  });

  it('should keep unit files from changing what the next file in the same worker sees', async () => {
    const files = (await listFiles(join(ROOT, 'test'))).map((f) => relative(ROOT, f));
    const violations: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.test.ts') && !f.endsWith('.int.test.ts'))) {
      const text = await readFile(join(ROOT, file), 'utf8');
      for (const [pattern, why] of LEAKS) if (pattern.test(text)) violations.push(`${file} ${why}`);
    }
    expect(violations).toEqual([]);
  });

  it('should list only integration helpers that exist', async () => {
    const files = new Set((await listFiles(join(ROOT, 'test'))).map((f) => relative(ROOT, f)));
    expect(Object.keys(INTEGRATION_HELPERS).filter((f) => !files.has(f))).toEqual([]);
  });
});
