/**
 * One chaos scenario: batches of syncs submitted through the API, one fault injected at a seeded
 * random point of each batch, then every operation waited for (with a deadline) and counted from
 * the outside.
 */
import { readOperation, submitSync } from './api.js';
import { countPosts, duplicateJobs, recoveryMs } from './count.js';
import { startRig } from './rig.js';
import type { Rig, RigOptions } from './rig.js';

export interface ScenarioResult {
  name: string;
  runs: number;
  succeeded: number;
  lost: number;
  duplicateJobs: number;
  duplicatePosts: number;
  /** Longest fault → next progress of the affected operations; null when the faults are continuous (no single instant) or none was measured. */
  maxRecoveryMs: number | null;
  faults: number;
  missingPosts: number;
  /** Operations that ended in another phase than Succeeded (`app (id): phase — message`) and missing posts (`missing post: app: kinds`). */
  failures: string[];
  seconds: number;
  /** Set when the scenario could not run or hit its deadline: what it waited for. */
  error?: string;
}

export interface Fault {
  /** Inject the fault; returns when it is over (the killed process restarted, Redis back). */
  inject(rig: Rig, random: () => number): Promise<string>;
  /** Window after a batch's submission in which the fault is injected, ms. */
  windowMs: [number, number];
}

export interface ScenarioSpec {
  name: string;
  rig: RigOptions;
  /** Syncs per batch (one fault per batch). */
  batch: number;
  batches: number;
  /** Undefined for continuous faults (set up by `rig`), for which recovery is not measured. */
  fault?: Fault;
  /** Called after each batch is submitted (chat faults scheduled during the batch). */
  during?(rig: Rig, random: () => number): Promise<void>;
  /** Faults injected over the scenario, for continuous faults (counted by the dev cluster or chat server). */
  countFaults?(rig: Rig): number;
  /** Per operation deadline, from its submission. */
  deadlineMs: number;
}

/** How long after the last operation ended chat posts may still arrive and be counted. */
const POST_SETTLE_MS = 30_000;
const TERMINAL = new Set(['Succeeded', 'Failed', 'Error', 'Terminated']);
const EXPECTED_KINDS = (app: string): string[] => ['thread', 'PreSync done', 'Sync done', 'PostSync done', `✅ ${app}: sync succeeded`];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Tracked {
  app: string;
  id: string;
  submittedAt: number;
  phase?: string;
  finishedAt?: number;
  missing?: boolean;
  /** The API answered 410: the service knows the operation was lost with Redis's data. */
  gone?: boolean;
  message?: string;
}

export async function runScenario(spec: ScenarioSpec, random: () => number, hardDeadline: number): Promise<ScenarioResult> {
  const started = Date.now();
  const result: ScenarioResult = { name: spec.name, runs: 0, succeeded: 0, lost: 0, duplicateJobs: 0, duplicatePosts: 0, maxRecoveryMs: null, faults: 0, missingPosts: 0, failures: [], seconds: 0 };
  let rig: Rig | undefined;
  const tracked: Tracked[] = [];
  const recoveries: { faultAt: number; resumeFrom: number; ops: Tracked[] }[] = [];
  try {
    rig = await startRig(spec.rig);
    const bases = rig.servePorts.map((p) => `http://127.0.0.1:${p}`);
    for (let b = 0; b < spec.batches; b++) {
      if (Date.now() > hardDeadline) throw new Error(`the suite's time limit was reached before batch ${b + 1} of ${spec.batches}`);
      const batch: Tracked[] = [];
      for (let i = 0; i < spec.batch; i++) {
        const app = `${spec.name.replace(/[^a-z]/g, '').slice(0, 12)}-r${String(b * spec.batch + i).padStart(3, '0')}`;
        const base = bases[(b * spec.batch + i) % bases.length]!;
        const submittedAt = Date.now();
        batch.push({ app, id: await submitSync(base, app, rig.repoUrl), submittedAt });
      }
      tracked.push(...batch);
      const during = spec.during?.(rig, random);
      if (spec.fault) {
        const [lo, hi] = spec.fault.windowMs;
        await sleep(lo + random() * (hi - lo));
        await poll(bases, batch);
        const affected = batch.filter((t) => !t.phase || !TERMINAL.has(t.phase));
        const faultAt = Date.now();
        await spec.fault.inject(rig, random);
        result.faults++;
        recoveries.push({ faultAt, resumeFrom: faultAt, ops: affected });
      }
      await during;
      await waitAll(bases, batch, spec.deadlineMs, hardDeadline);
    }
    // Chat deliveries after the last transition: wait (at most POST_SETTLE_MS) until every succeeded operation's thread is complete, then 2 s more for late duplicates.
    const succeededApps = new Set(tracked.filter((t) => t.phase === 'Succeeded').map((t) => t.app));
    const settleDeadline = Date.now() + POST_SETTLE_MS;
    while (Date.now() < settleDeadline && countPosts(rig.chat.posts, tracked.map((t) => t.app), succeededApps, EXPECTED_KINDS).missingPosts > 0) await sleep(500);
    await sleep(2_000);
    await rig.chat.settled();
    const audit = rig.cluster.audit();
    if (spec.countFaults) result.faults = spec.countFaults(rig);
    result.runs = tracked.length;
    result.succeeded = tracked.filter((t) => t.phase === 'Succeeded').length;
    result.lost = tracked.filter((t) => t.missing || !t.phase || !TERMINAL.has(t.phase)).length;
    result.duplicateJobs = duplicateJobs(audit, new Set(tracked.map((t) => t.app)));
    const posts = countPosts(rig.chat.posts, tracked.map((t) => t.app), succeededApps, EXPECTED_KINDS);
    result.duplicatePosts = posts.duplicatePosts;
    result.missingPosts = posts.missingPosts;
    result.failures.push(...posts.missing.map((m) => `missing post: ${m}`));
    for (const r of recoveries) {
      const ms = recoveryMs(r.faultAt, r.resumeFrom, r.ops.map((o) => ({ namespace: o.app, finishedAt: o.finishedAt })), audit);
      if (ms !== undefined) result.maxRecoveryMs = Math.max(result.maxRecoveryMs ?? 0, ms);
    }
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    result.runs = Math.max(result.runs, tracked.length);
    result.succeeded = tracked.filter((t) => t.phase === 'Succeeded').length;
    result.lost = tracked.filter((t) => t.missing || !t.phase || !TERMINAL.has(t.phase)).length;
    if (rig) result.error += `\nlast log lines:\n${[...rig.serves, ...rig.workers].map((p) => `${p.name}: ${p.lines.slice(-3).join('\n  ')}`).join('\n')}`;
  } finally {
    await rig?.close().catch(() => undefined);
  }
  result.failures.push(...tracked.filter((t) => t.phase && t.phase !== 'Succeeded').map((t) => `${t.app} (${t.id}): ${t.phase} — ${(t.message ?? '').slice(0, 300)}`));
  result.seconds = Math.round((Date.now() - started) / 100) / 10;
  return result;
}

async function poll(bases: string[], ops: Tracked[]): Promise<void> {
  await Promise.all(
    ops.map(async (t) => {
      if (t.phase && TERMINAL.has(t.phase)) return;
      const doc = await readOperation(bases, t.id);
      if (doc === 'missing' || doc === 'gone') {
        t.missing = true;
        t.gone = doc === 'gone';
      } else if (doc) {
        t.missing = false;
        t.gone = false;
        t.phase = doc.operation.phase;
        t.message = doc.operation.message;
        if (TERMINAL.has(t.phase) && doc.operation.finishedAt) t.finishedAt = Date.parse(doc.operation.finishedAt);
      }
    }),
  );
}

/** Wait until every operation is terminal; an error naming the ones still open at the deadline. A 404 counts as lost only if it persists to the deadline. */
async function waitAll(bases: string[], ops: Tracked[], deadlineMs: number, hardDeadline: number): Promise<void> {
  const deadline = Math.min(hardDeadline, Math.max(...ops.map((o) => o.submittedAt)) + deadlineMs);
  for (;;) {
    await poll(bases, ops);
    const open = ops.filter((t) => !t.phase || !TERMINAL.has(t.phase));
    if (open.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`waited ${Math.round(deadlineMs / 1000)} s for operations to reach a terminal phase; still open: ${open.map((t) => `${t.id} (${t.app}, ${t.missing ? (t.gone ? '410' : '404') : (t.phase ?? 'no answer')})`).join(', ')}`);
    }
    await sleep(500);
  }
}
