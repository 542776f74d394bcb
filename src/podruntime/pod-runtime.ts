/**
 * A kubelet's pod lifecycle with local processes, shared by the dev cluster (in-memory API) and
 * the node agent (a real kube-apiserver): runs each Pod's containers as local processes (init
 * containers first, in order, then the rest together), honours the restart policy with a
 * backoff, keeps logs, writes Pod status through its host, and stops processes (SIGTERM, grace,
 * SIGKILL) when a Pod is deleted. Driven by the host's Pod events, never by polling.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../manifests/index.js';
import { backoffDelay, formatMs } from '../util/index.js';
import { nowRfc3339 } from '../util/time.js';
import { asArray, asString, isRecord } from '../util/json.js';
import type { JsonObject } from '../util/json.js';
import { ContainerProcess } from './container-process.js';
import { expand, resolveEnv } from './env.js';
import type { ConfigSource } from './env.js';
import type { ImageResolver } from './images.js';
import { LogBuffer } from './log-buffer.js';
import { buildPodStatus, computePhase, exitCodeOf, isTerminated, restarts } from './pod-run.js';
import type { ContainerRun, PodRun } from './pod-run.js';

/** A process event for the audit log. */
export interface ProcessEvent {
  verb: 'process-started' | 'process-exited';
  namespace: string;
  pod: string;
  container: string;
  pid?: number;
  exitCode?: number;
}

/** Where the runtime reads Pods' configuration and writes their status. */
export interface PodHost {
  /** The Secrets and ConfigMaps containers' environments read (synchronous: the host caches them). */
  config: ConfigSource;
  /**
   * Write the Pod's status. `build` gets the stored status when the host has it (the dev cluster)
   * and returns the new one. Calls for one Pod never overlap; the runtime coalesces changes.
   */
  writeStatus(run: PodRun, build: (previous: unknown) => JsonObject): void | Promise<void>;
  /** Every process of a Pod that is being deleted has stopped: the host finishes the deletion. */
  finishDeletion(run: PodRun): void | Promise<void>;
}

export interface PodRuntimeOptions {
  host: PodHost;
  images: ImageResolver;
  /** Folder for each Pod's HOME directory. */
  tmpRoot: string;
  /** First restart delay; doubles per restart up to 32×. */
  restartBackoffMs: number;
  /** Log bytes kept per container instance. */
  maxLogBytes: number;
  onProcessEvent: (event: ProcessEvent) => void;
  onError: (err: unknown, context: string) => void;
}

const NO_ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class PodRuntime {
  private readonly runs = new Map<string, PodRun>();
  private readonly pids: number[] = [];
  /** Start-to-exit chains of every container instance, awaited by `stop`. */
  private readonly inflight = new Set<Promise<void>>();
  /** Pods with a container waiting for a missing Secret or ConfigMap. */
  private readonly configBlocked = new Set<PodRun>();
  private nextIp = 2;
  private stopped = false;

  constructor(private readonly options: PodRuntimeOptions) {}

  /** Every PID this runtime spawned (for tests that check nothing is left running). */
  spawnedPids(): number[] {
    return [...this.pids];
  }

  /** Whether deleting this Pod must wait for processes to stop. */
  hasProcesses(pod: KubeObject): boolean {
    const run = this.runs.get(pod.metadata.uid ?? '');
    return !!run && [...run.init, ...run.main].some((c) => c.starting || (c.proc?.running ?? false));
  }

  /** The run of a Pod by uid, for log reads. */
  runOf(uid: string | undefined): PodRun | undefined {
    return uid ? this.runs.get(uid) : undefined;
  }

  /** A Pod (bound to this runtime's node) was added, changed or deleted. */
  onPod(type: 'ADDED' | 'MODIFIED' | 'DELETED', pod: KubeObject): void {
    if (this.stopped) return;
    const uid = pod.metadata.uid ?? '';
    const run = this.runs.get(uid);
    if (type === 'DELETED') {
      if (run) this.discard(run);
      return;
    }
    if (!run) {
      if (!pod.metadata.deletionTimestamp && !isTerminalPhase(pod)) this.start(pod);
      return;
    }
    if (pod.metadata.deletionTimestamp && !run.terminating) {
      const grace = pod.metadata.deletionGracePeriodSeconds;
      void this.terminate(run, typeof grace === 'number' ? grace : 30);
    } else if (pod.metadata.deletionTimestamp && run.terminating && pod.metadata.deletionGracePeriodSeconds === 0) {
      for (const c of [...run.init, ...run.main]) void c.proc?.stop(0);
    }
  }

  /** A Secret or ConfigMap of this namespace appeared or changed: retry the Pods waiting for one now. */
  onConfigChanged(namespace: string | undefined): void {
    if (this.stopped) return;
    for (const run of [...this.configBlocked]) {
      if (namespace !== undefined && run.namespace !== namespace) continue;
      this.configBlocked.delete(run);
      for (const c of [...run.init, ...run.main]) {
        if ('waiting' in c.state && c.state.waiting.reason === 'CreateContainerConfigError') {
          if (c.restartTimer) clearTimeout(c.restartTimer);
          c.restartTimer = undefined;
        }
      }
      this.advance(run);
    }
  }

  private start(pod: KubeObject): void {
    const spec = isRecord(pod.spec) ? pod.spec : {};
    const policy = spec.restartPolicy === 'Never' || spec.restartPolicy === 'OnFailure' ? spec.restartPolicy : 'Always';
    const container = (init: boolean) => (c: unknown): ContainerRun => {
      const cs = isRecord(c) ? c : {};
      return {
        name: asString(cs.name) ?? '',
        spec: cs,
        init,
        restartCount: 0,
        state: { waiting: { reason: init ? 'PodInitializing' : 'ContainerCreating' } },
        starting: false,
        forever: false,
        log: new LogBuffer(this.options.maxLogBytes),
      };
    };
    const n = this.nextIp++;
    const run: PodRun = {
      uid: pod.metadata.uid ?? '',
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name ?? '',
      pod,
      restartPolicy: policy,
      home: mkdtempSync(join(this.options.tmpRoot, `${pod.metadata.name ?? 'pod'}-`)),
      podIP: `10.244.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`,
      startTime: nowRfc3339(),
      init: (asArray(spec.initContainers) ?? []).map(container(true)),
      main: (asArray(spec.containers) ?? []).map(container(false)),
      phase: 'Pending',
      terminating: false,
      removed: false,
      conditionTimes: new Map(),
      statusQueued: false,
      statusWriting: false,
    };
    if (run.init.length > 0) for (const c of run.main) c.state = { waiting: { reason: 'PodInitializing' } };
    this.runs.set(run.uid, run);
    this.advance(run);
  }

  /** Start whatever may start now, then publish the status. */
  private advance(run: PodRun): void {
    if (run.terminating || run.removed) return;
    const next = run.init.find((c) => exitCodeOf(c) !== 0);
    if (next) {
      if (!isTerminated(next) && !next.proc && !next.starting && !next.restartTimer) this.startContainer(run, next);
    } else {
      for (const c of run.main) {
        if ('waiting' in c.state && !c.starting && !c.restartTimer) this.startContainer(run, c);
      }
    }
    run.phase = computePhase(run);
    this.queueStatus(run);
  }

  private startContainer(run: PodRun, c: ContainerRun): void {
    const resolved = resolveEnv(run.pod, c.spec, this.options.host.config);
    if ('error' in resolved) {
      c.state = { waiting: { reason: 'CreateContainerConfigError', message: resolved.error } };
      // Retried when a Secret or ConfigMap of the namespace changes (see onConfigChanged), not on a timer.
      this.configBlocked.add(run);
      return;
    }
    const vars = resolved.env;
    const command = asArray(c.spec.command)?.map(String);
    const args = asArray(c.spec.args)?.map(String) ?? [];
    const image = asString(c.spec.image) ?? '';
    let argv: string[] | undefined;
    if (command && command.length > 0) argv = [...command.map((s) => expand(s, vars)), ...args.map((s) => expand(s, vars))];
    else {
      const entrypoint = this.options.images.entrypoint(image);
      if (entrypoint) argv = [...entrypoint, ...args.map((s) => expand(s, vars))];
      else if (args.length > 0) argv = args.map((s) => expand(s, vars));
    }
    if (!argv) {
      c.forever = true;
      c.containerID = `hookrunner://${run.uid.slice(0, 8)}-${c.name}-${c.restartCount}`;
      c.state = { running: { startedAt: nowRfc3339() } };
      this.options.onProcessEvent({ verb: 'process-started', namespace: run.namespace, pod: run.name, container: c.name });
      return;
    }
    const workingDir = asString(c.spec.workingDir);
    if (workingDir && !existsSync(workingDir)) {
      this.exited(run, c, { exitCode: 128, reason: 'StartError', message: `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: chdir to cwd ("${workingDir}") set in config.json failed: no such file or directory: unknown` });
      return;
    }
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: run.home, HOSTNAME: run.name };
    for (const [k, v] of Object.entries(vars)) if (NO_ENV_VAR.test(k)) env[k] = v;
    c.starting = true;
    const chain: Promise<void> = ContainerProcess.start({ argv, cwd: workingDir ?? run.home, env, log: c.log })
      .then((result) => {
        c.starting = false;
        if ('startError' in result) {
          this.exited(run, c, { exitCode: 128, reason: 'StartError', message: result.startError });
          return;
        }
        const proc = result.started;
        this.pids.push(proc.pid);
        c.proc = proc;
        c.containerID = `hookrunner://${proc.pid}`;
        c.state = { running: { startedAt: nowRfc3339() } };
        this.options.onProcessEvent({ verb: 'process-started', namespace: run.namespace, pod: run.name, container: c.name, pid: proc.pid });
        if (run.terminating || run.removed || this.stopped) void proc.stop(0);
        else {
          run.phase = computePhase(run);
          this.queueStatus(run);
        }
        return proc.exited.then((exit) => {
          c.proc = undefined;
          this.options.onProcessEvent({ verb: 'process-exited', namespace: run.namespace, pod: run.name, container: c.name, pid: proc.pid, exitCode: exit.exitCode });
          const fallback = c.spec.terminationMessagePolicy === 'FallbackToLogsOnError' && exit.exitCode !== 0 ? c.log.tail(80, 2048) : undefined;
          this.exited(run, c, { exitCode: exit.exitCode, reason: exit.exitCode === 0 ? 'Completed' : 'Error', ...(fallback ? { message: fallback } : {}) });
        });
      })
      .catch((err: unknown) => this.options.onError(err, `pod ${run.namespace}/${run.name} container ${c.name}`))
      .finally(() => this.inflight.delete(chain));
    this.inflight.add(chain);
  }

  private exited(run: PodRun, c: ContainerRun, how: { exitCode: number; reason: string; message?: string }): void {
    const startedAt = 'running' in c.state ? c.state.running.startedAt : '1970-01-01T00:00:00Z';
    const terminated = {
      exitCode: how.exitCode,
      reason: how.reason,
      ...(how.message ? { message: how.message } : {}),
      startedAt,
      finishedAt: nowRfc3339(),
      ...(c.containerID ? { containerID: c.containerID } : {}),
    };
    if (!run.removed && !this.stopped && restarts(run, c, how.exitCode)) {
      const delay = this.delay(c.restartCount);
      c.lastState = { terminated };
      c.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${formatMs(delay)} restarting failed container=${c.name} pod=${run.name}_${run.namespace}(${run.uid})` } };
      c.restartTimer = this.timer(delay, () => {
        c.restartTimer = undefined;
        c.restartCount++;
        c.previous = c.log;
        c.log = new LogBuffer(this.options.maxLogBytes);
        this.advance(run);
      });
    } else {
      c.state = { terminated };
    }
    if (run.terminating) {
      run.phase = computePhase(run);
      this.queueStatus(run);
    } else this.advance(run);
  }

  private delay(restartCount: number): number {
    const base = this.options.restartBackoffMs;
    return backoffDelay(restartCount, { initialMs: base, factor: 2, maxMs: base * 32, jitter: 0 });
  }

  private timer(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      if (!this.stopped) fn();
    }, ms);
    t.unref();
    return t;
  }

  /** Publish the status soon; one write per Pod at a time, later changes coalesced into the next. */
  private queueStatus(run: PodRun): void {
    if (run.statusQueued || run.removed) return;
    run.statusQueued = true;
    if (run.statusWriting) return;
    setImmediate(() => void this.flushStatus(run));
  }

  private async flushStatus(run: PodRun): Promise<void> {
    run.statusQueued = false;
    if (run.removed || this.stopped) return;
    run.statusWriting = true;
    try {
      await this.options.host.writeStatus(run, (previous) => buildPodStatus(run, previous));
      if (run.terminating && !this.hasProcesses(run.pod) && !run.removed) await this.options.host.finishDeletion(run);
    } catch (err) {
      this.options.onError(err, `status of pod ${run.namespace}/${run.name}`);
    } finally {
      run.statusWriting = false;
    }
    if (run.statusQueued && !run.removed && !this.stopped) setImmediate(() => void this.flushStatus(run));
  }

  /** Graceful stop after the Pod got a deletionTimestamp. */
  private async terminate(run: PodRun, graceSeconds: number): Promise<void> {
    run.terminating = true;
    this.configBlocked.delete(run);
    for (const c of [...run.init, ...run.main]) {
      if (c.restartTimer) clearTimeout(c.restartTimer);
      c.restartTimer = undefined;
      if (c.forever && 'running' in c.state) this.exited(run, c, { exitCode: 0, reason: 'Completed' });
    }
    const stops = [...run.init, ...run.main].map((c) => c.proc?.stop(graceSeconds * 1000));
    await Promise.all(stops);
    run.phase = computePhase(run);
    this.queueStatus(run);
  }

  /** The Pod object is gone: kill what is left and drop the run. */
  private discard(run: PodRun): void {
    run.removed = true;
    this.configBlocked.delete(run);
    this.runs.delete(run.uid);
    for (const c of [...run.init, ...run.main]) {
      if (c.restartTimer) clearTimeout(c.restartTimer);
      c.log.end();
      void c.proc?.stop(0);
    }
    rmSync(run.home, { recursive: true, force: true });
  }

  /** Kill every process and wait for them all. */
  async stop(): Promise<void> {
    this.stopped = true;
    const waits: Promise<unknown>[] = [];
    for (const run of this.runs.values()) {
      run.removed = true;
      for (const c of [...run.init, ...run.main]) {
        if (c.restartTimer) clearTimeout(c.restartTimer);
        if (c.proc) waits.push(c.proc.stop(0));
      }
    }
    await Promise.all(waits);
    await Promise.all([...this.inflight]);
    for (const run of this.runs.values()) rmSync(run.home, { recursive: true, force: true });
    this.runs.clear();
  }

  /** Make sure the temp root exists (called once at start). */
  static prepare(tmpRoot: string): void {
    mkdirSync(tmpRoot, { recursive: true });
  }
}

function isTerminalPhase(pod: KubeObject): boolean {
  const phase = isRecord(pod.status) ? (pod.status as JsonObject).phase : undefined;
  return phase === 'Succeeded' || phase === 'Failed';
}
