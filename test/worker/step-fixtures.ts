/**
 * Payloads and dependencies for the worker's unit tests: tasks planned by the real `plan()` from
 * YAML manifests, step payloads shaped as the orchestrator sends them (JSON round trip, as through
 * Redis), a fixed clock, and an in-memory cluster (`test/helpers/memory-cluster.ts`).
 */
import { HOOK_FINALIZER, parseManifestText } from '../../src/manifests/index.js';
import type { KubeObject, Manifest } from '../../src/manifests/index.js';
import { plan } from '../../src/plan/index.js';
import type { PlanOptions, SyncTask } from '../../src/plan/index.js';
import type { PrepareInput, StepContext, StepJobData } from '../../src/queue/index.js';
import { decorateForApply } from '../../src/sync/index.js';
import type { Step, TaskResult } from '../../src/sync/index.js';
import type { Logger } from '../../src/util/index.js';
import type { StepDeps } from '../../src/worker/index.js';
import { createLiveIndex } from '../../src/worker/index.js';
import { createMemoryCluster } from '../helpers/memory-cluster.js';
import type { MemoryCluster, MemoryClusterOptions } from '../helpers/memory-cluster.js';

export { HOOK_FINALIZER };
export const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
export const APP = 'shop';
export const NS = 'app';
export const OP = 'op-7';
/** Attempt 1 of the operation: attempt 0 is "a previous attempt". */
export const SYNC_ID = `${OP}-1`;
export const PREVIOUS_SYNC_ID = `${OP}-0`;
export const REVISION = 'abcdef0123456789';

export function cluster(options: MemoryClusterOptions = {}): MemoryCluster {
  return createMemoryCluster({ now: () => NOW, namespaces: ['default', NS], ...options });
}

function block(annotations: Record<string, string>, indent: string): string {
  const entries = Object.entries(annotations);
  return entries.length === 0 ? '' : `${indent}annotations:\n${entries.map(([k, v]) => `${indent}  ${k}: ${JSON.stringify(v)}`).join('\n')}\n`;
}

/** A hook Job (or a plain Job when `hook` is empty). */
export function jobYaml(name: string, hook: string, annotations: Record<string, string> = {}, containers: string[] = ['main']): string {
  const all = hook ? { 'argocd.argoproj.io/hook': hook, ...annotations } : annotations;
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
${block(all, '  ')}spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
${containers.map((c) => `        - name: ${c}\n          image: busybox\n          command: ["sh", "-c", "echo ${c}"]`).join('\n')}
`;
}

export function configMapYaml(name: string, annotations: Record<string, string> = {}, data: Record<string, string> = { key: 'value' }): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${block(annotations, '  ')}data:
${Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n')}
`;
}

export function deploymentYaml(name: string, annotations: Record<string, string> = {}): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${block(annotations, '  ')}spec:
  replicas: 1
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
        - name: web
          image: nginx
`;
}

export function manifests(...docs: string[]): Manifest[] {
  const { manifests: out, issues } = parseManifestText(docs.join('---\n'), 'app.yaml');
  if (issues.length > 0) throw new Error(`bad test manifests: ${issues.map((i) => `${i.line}: ${i.message}`).join('; ')}`);
  return out;
}

/** The plan's tasks for these manifests (destination namespace `app`, which exists). */
export function planTasks(docs: string[], options: Partial<PlanOptions> = {}): SyncTask[] {
  return plan(manifests(...docs), { namespace: NS, revision: REVISION, startedAt: new Date(NOW), namespaceExists: true, ...options }).tasks;
}

/** The one task of a plan with this name (and phase, for multi-phase hooks). */
export function task(tasks: readonly SyncTask[], name: string, phase?: string): SyncTask {
  const found = tasks.find((t) => t.name === name && (phase === undefined || t.phase === phase));
  if (!found) throw new Error(`no task ${name} ${phase ?? ''} in ${tasks.map((t) => t.key).join(', ')}`);
  return found;
}

export function context(over: Partial<StepContext> = {}): StepContext {
  return { app: APP, operationId: OP, syncId: SYNC_ID, namespace: NS, revision: REVISION, deadlineAt: NOW + 60 * 60_000, hookTimeoutMs: 30 * 60_000, waveDelayMs: 0, prune: false, dryRun: false, ...over };
}

export interface StepOptions {
  kind?: Step['kind'];
  step?: Partial<Step>;
  context?: Partial<StepContext>;
  deleteTasks?: SyncTask[];
  prepare?: PrepareInput;
}

/** A step payload as a worker receives it (a JSON round trip, as through Redis). */
export function stepData(tasks: readonly SyncTask[], options: StepOptions = {}): StepJobData {
  const first = tasks[0];
  const deleteTasks = options.deleteTasks ?? [];
  const step: Step = {
    id: `${OP}-1-${options.step?.seq ?? 2}`,
    kind: options.kind ?? 'wave',
    seq: 2,
    ...(first ? { phase: first.phase, wave: first.wave } : {}),
    taskKeys: tasks.map((t) => t.key),
    waitForResources: false,
    finalWave: true,
    ...(deleteTasks.length > 0 ? { deleteKeys: deleteTasks.map((t) => t.key) } : {}),
    emittedAt: NOW,
    ...options.step,
  };
  const data: StepJobData = { step, context: context(options.context), tasks: [...tasks], deleteTasks, ...(options.prepare ? { prepare: options.prepare } : {}) };
  return JSON.parse(JSON.stringify(data)) as StepJobData;
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

export interface TestDeps extends StepDeps {
  /** Every `progress` report. */
  progressed: TaskResult[][];
  logged: LogEntry[];
  /** Terminate the operation (§10.1) as the worker's cancel poll would. */
  terminate(reason: 'user' | 'timeout'): void;
}

export function deps(clusterClient: MemoryCluster, over: Partial<StepDeps> = {}): TestDeps {
  const controller = new AbortController();
  let reason: 'user' | 'timeout' | undefined;
  const progressed: TaskResult[][] = [];
  const logged: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (message: string, fields?: Record<string, unknown>) => void logged.push({ level, message, ...(fields ? { fields } : {}) });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return {
    cluster: clusterClient,
    liveIndex: createLiveIndex(clusterClient, { now: () => NOW }),
    logger,
    logTailBytes: 65_536,
    now: () => NOW,
    cancel: { signal: controller.signal, reason: () => reason },
    progress: (results) => void progressed.push(results),
    progressed,
    logged,
    terminate(r) {
      reason = r;
      controller.abort(new Error(`operation ${r === 'user' ? 'terminated' : 'timed out'}`));
    },
    ...over,
  };
}

/** A hook object as an earlier run left it: decorated as the worker decorates it, with `syncId` (`<operation>-<attempt>/<phase>`). */
export function liveHook(t: SyncTask, syncId: string, app = APP): KubeObject {
  if (!t.target) throw new Error(`task ${t.key} has no target`);
  return decorateForApply(t.target, { app, hook: { syncId, env: { app, operationId: OP, revision: REVISION, phase: t.phase } } });
}

/** Calls of one verb on one kind, as `verb kind/name` strings. */
export function callsOf(c: MemoryCluster, verbs: string[], kind?: string): string[] {
  return c.calls.filter((k) => verbs.includes(k.verb) && (kind === undefined || k.kind === kind)).map((k) => `${k.verb} ${k.kind ?? ''}/${k.name ?? ''}`);
}
