/** The runtime's record of one running Pod and its containers, and the Pod status built from it. */
import type { KubeObject } from '../manifests/index.js';
import { nowRfc3339 } from '../util/time.js';
import type { JsonObject } from '../util/json.js';
import type { ContainerProcess } from './container-process.js';
import type { LogBuffer } from './log-buffer.js';

export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; reason: string; message?: string; startedAt: string; finishedAt: string; containerID?: string; signal?: number } };

export interface ContainerRun {
  name: string;
  spec: JsonObject;
  init: boolean;
  restartCount: number;
  state: ContainerState;
  lastState?: ContainerState;
  /** The running process, while it runs. */
  proc?: ContainerProcess;
  /** A spawn is in flight. */
  starting: boolean;
  /** No command and no image mapping: "runs" without a process until the Pod is deleted. */
  forever: boolean;
  /** A restart (or config retry) is scheduled. */
  restartTimer?: NodeJS.Timeout;
  containerID?: string;
  log: LogBuffer;
  previous?: LogBuffer;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface PodRun {
  uid: string;
  namespace: string;
  name: string;
  pod: KubeObject;
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
  home: string;
  podIP: string;
  startTime: string;
  init: ContainerRun[];
  main: ContainerRun[];
  phase: PodPhase;
  terminating: boolean;
  removed: boolean;
  conditionTimes: Map<string, { status: string; time: string }>;
  statusQueued: boolean;
  /** A status write is in flight. */
  statusWriting: boolean;
}

export function isTerminated(c: ContainerRun): boolean {
  return 'terminated' in c.state;
}

export function exitCodeOf(c: ContainerRun): number | undefined {
  return 'terminated' in c.state ? c.state.terminated.exitCode : undefined;
}

/** Whether a container would be restarted after exiting with this code. */
export function restarts(run: PodRun, c: ContainerRun, exitCode: number): boolean {
  if (run.terminating) return false;
  const policy = c.init && run.restartPolicy === 'Always' ? 'OnFailure' : run.restartPolicy;
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** The kubelet's phase rules, for a pod whose containers are in the given states. */
export function computePhase(run: PodRun): PodPhase {
  if (run.phase === 'Succeeded' || run.phase === 'Failed') return run.phase;
  const failedInit = run.init.find((c) => isTerminated(c) && exitCodeOf(c) !== 0 && !c.restartTimer);
  if (failedInit) return 'Failed';
  if (!run.init.every((c) => exitCodeOf(c) === 0)) return 'Pending';
  if (run.main.length > 0 && run.main.every((c) => isTerminated(c) && !c.restartTimer)) {
    return run.main.every((c) => exitCodeOf(c) === 0) ? 'Succeeded' : 'Failed';
  }
  const neverRan = run.main.some((c) => 'waiting' in c.state && c.restartCount === 0 && !c.lastState);
  return neverRan ? 'Pending' : 'Running';
}

function isReady(c: ContainerRun): boolean {
  return 'running' in c.state;
}

function containerStatus(c: ContainerRun): JsonObject {
  return {
    name: c.name,
    state: c.state,
    lastState: c.lastState ?? {},
    ready: c.init ? exitCodeOf(c) === 0 : isReady(c),
    restartCount: c.restartCount,
    image: typeof c.spec.image === 'string' ? c.spec.image : '',
    imageID: '',
    ...(c.containerID ? { containerID: c.containerID } : {}),
    started: 'running' in c.state,
  };
}

function condition(run: PodRun, type: string, ok: boolean, reason?: string, message?: string): JsonObject {
  const status = ok ? 'True' : 'False';
  const prev = run.conditionTimes.get(type);
  const time = prev && prev.status === status ? prev.time : nowRfc3339();
  run.conditionTimes.set(type, { status, time });
  return { type, status, lastProbeTime: null, lastTransitionTime: time, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

/** The Pod's `status` for its current state (keeps `qosClass` from the stored status). */
export function buildPodStatus(run: PodRun, previous: unknown): JsonObject {
  const prev = typeof previous === 'object' && previous !== null ? (previous as JsonObject) : {};
  const initialized = run.init.every((c) => exitCodeOf(c) === 0);
  const terminal = run.phase === 'Succeeded' || run.phase === 'Failed';
  const unready = run.main.filter((c) => !isReady(c)).map((c) => c.name);
  const ready = !terminal && run.phase === 'Running' && unready.length === 0;
  const notReadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const notReadyMessage = terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const incomplete = run.init.filter((c) => exitCodeOf(c) !== 0).map((c) => c.name);
  return {
    ...(prev.qosClass ? { qosClass: prev.qosClass } : {}),
    phase: run.phase,
    conditions: [
      condition(run, 'PodReadyToStartContainers', !terminal),
      condition(run, 'Initialized', initialized, initialized ? (terminal && run.init.length > 0 ? 'PodCompleted' : undefined) : 'ContainersNotInitialized', initialized ? undefined : `containers with incomplete status: [${incomplete.join(' ')}]`),
      condition(run, 'Ready', ready, ready ? undefined : notReadyReason, ready ? undefined : notReadyMessage),
      condition(run, 'ContainersReady', ready, ready ? undefined : notReadyReason, ready ? undefined : notReadyMessage),
      condition(run, 'PodScheduled', true),
    ],
    hostIP: '127.0.0.1',
    hostIPs: [{ ip: '127.0.0.1' }],
    podIP: run.podIP,
    podIPs: [{ ip: run.podIP }],
    startTime: run.startTime,
    ...(run.init.length > 0 ? { initContainerStatuses: run.init.map(containerStatus) } : {}),
    containerStatuses: run.main.map(containerStatus),
  };
}
