import type { ClusterClient, ObjectRef } from '../cluster/types.js';
import type { Manifest } from '../manifests/index.js';
import type { SyncTask } from '../plan/index.js';
import type { TaskResult } from '../sync/index.js';
import type { Logger } from '../util/index.js';
import type { LiveIndex } from './live.js';

/** What a step needs besides its payload. */
export interface StepDeps {
  cluster: ClusterClient;
  /** The application's live objects, from scans shared by the steps of this process (§9.11). */
  liveIndex: LiveIndex;
  logger: Logger;
  /** Aborted when the operation is asked to terminate; `reason()` says why. */
  cancel: { signal: AbortSignal; reason(): 'user' | 'timeout' | undefined };
  /** Report task results as they change (live progress). */
  progress(results: TaskResult[]): void;
  /** D4: bytes of each container's log kept. @defaultValue 65_536 */
  logTailBytes: number;
  now(): number;
  /** Read an operation's manifest set by its key (`prepare.manifestsKey`); undefined when the key is gone. */
  manifestSet?(key: string): Promise<Manifest[] | undefined>;
}

/**
 * The shortest wait a step asks for (`waitFor` refuses a timeout ≤ 0): a wait whose operation
 * deadline has passed, or is about to, still reads the object once and then fails with D3's
 * message — what was awaited and what was last seen — instead of an argument error.
 */
export const MIN_WAIT_MS = 1_000;

export function refOf(task: SyncTask): ObjectRef {
  const obj = task.target ?? task.live;
  return {
    apiVersion: obj?.apiVersion ?? (task.group ? `${task.group}/${task.version}` : task.version),
    kind: task.kind,
    ...(task.namespace ? { namespace: task.namespace } : {}),
    name: task.name,
  };
}

/** `job.batch/name`, `service/name`: how kubectl names an object in its messages. */
export function kubectlName(task: Pick<SyncTask, 'kind' | 'group' | 'name'>): string {
  return `${task.kind.toLowerCase()}${task.group ? `.${task.group}` : ''}/${task.name}`;
}
