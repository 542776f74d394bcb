/**
 * Issue 14 item 4: the stored operation and its step jobs hold the manifests once, not twice;
 * issue 13 item 3: the plan's objects are stored once, apart from the record, and the step jobs name their tasks.
 * A sync of ~1 MiB of ConfigMap data; the Redis sizes of the operation record and of the step
 * jobs are printed and compared with the input size (no timings).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisConnection } from '../../src/queue/index.js';
import type { RedisClient } from '../../src/queue/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../src/queue/index.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/** A ConfigMap of ~`bytes` of data in 4 KiB lines (a JSON string escapes each newline). */
function bigConfigMap(name: string, bytes: number): string {
  const line = 'x'.repeat(4095);
  const lines = Math.ceil(bytes / 4096);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata:\n  big: |\n${Array.from({ length: lines }, () => `    ${line}`).join('\n')}\n`;
}

const HOOK = `apiVersion: batch/v1
kind: Job
metadata:
  name: post
  annotations: { argocd.argoproj.io/hook: PostSync, argocd.argoproj.io/hook-delete-policy: BeforeHookCreation }
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: wait, image: busybox, command: [sh, -c, "sleep 1"] }]
`;

describe('the stored size of an operation with 1 MiB of manifests', () => {
  let h: Harness;
  let dir: string;
  let redis: RedisClient;
  beforeAll(async () => {
    h = await startHarness({});
    redis = redisConnection(h.redisUrl, 'client');
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-size-'));
  });
  afterAll(async () => {
    redis?.disconnect();
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should keep the manifests once while it runs, none once it ended, and out of the step jobs', async () => {
    // Two ConfigMaps of 512 KiB each (each under the 1 MiB file limit), and a PostSync hook that runs 1 s.
    await writeFile(join(dir, 'a.yaml'), bigConfigMap('big-a', 512 * 1024));
    await writeFile(join(dir, 'b.yaml'), bigConfigMap('big-b', 512 * 1024));
    await writeFile(join(dir, 'hook.yaml'), HOOK);
    const input = 1024 * 1024;
    const keys = redisKeys(h.prefix);
    const submitted = await h.submit([dir]);
    let running: { doc: number; manifests: number; plan: number } | undefined;
    for (let i = 0; i < 400 && !running; i++) {
      const op = await h.engine.store.getOperation(submitted.id);
      if (op?.plan && op.results.some((r) => r.kind === 'Job')) running = { doc: await redis.hstrlen(keys.operation(op.id), 'doc'), manifests: await redis.strlen(keys.operationManifests(op.id)), plan: await redis.strlen(keys.operationPlan(op.id)) };
      else await new Promise((r) => setTimeout(r, 25));
    }
    const op = await h.waitFor(submitted.id);
    expect(op.phase, op.message).toBe('Succeeded');
    const sizes: Record<string, number> = {};
    for (const key of await redis.keys(`${h.prefix}:*`)) {
      const usage = await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
      if (typeof usage === 'number' && usage > 64 * 1024) sizes[key.slice(h.prefix.length + 1)] = usage;
    }
    const doc = await redis.hstrlen(keys.operation(op.id), 'doc');
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    process.stdout.write(`input ${input} B; while running: op doc ${running?.doc} B, manifest set ${running?.manifests} B, plan ${running?.plan} B; finished: op doc ${doc} B; keys over 64 KiB (MEMORY USAGE): ${JSON.stringify(sizes)}, total ${total} B\n`);
    expect(running).toBeDefined();
    // Issue 13: the record holds neither the manifests nor the plan's objects; each is stored once, apart.
    expect(running?.doc).toBeLessThan(input / 50);
    expect(running?.manifests).toBeLessThan(input * 1.3);
    expect(running?.plan).toBeLessThan(input * 1.3);
    expect(running?.plan).toBeGreaterThan(input);
    // Finished: results, no objects; the manifest set is deleted.
    expect(doc).toBeLessThan(input / 50);
    expect(await redis.exists(keys.operationManifests(op.id))).toBe(0);
    expect(await redis.exists(keys.operationPlan(op.id))).toBe(0);
    // What remains: the prepare result message carrying the plan, once (the wave step names its tasks, issue 13).
    expect(total).toBeLessThan(input * 1.5);
  }, 60_000);
});
