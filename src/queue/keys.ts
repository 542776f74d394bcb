/**
 * Every Redis key hookrunner writes, made in one place. All live under one prefix (default
 * `hookrunner`), so an installation or a test owns `<prefix>:*` and `deleteByPrefix` clears it.
 * BullMQ's own keys are `<prefix>:<queue>:*` for the queues in {@link QueueNames}.
 *
 * | key | type | written by |
 * | --- | --- | --- |
 * | `op:<id>` | hash: `doc` (the operation as JSON), `v` (its version, for CAS), `active` | store |
 * | `op:<id>:manifests` | string: the operation's manifests as JSON, stored once; the prepare step reads it; deleted when the operation ends | store |
 * | `op:<id>:plan` | string: the plan of the operation's current attempt with its objects (JSON `{syncId, tasks}`), stored once by the transition that records the prepare step; wave, syncFail and cleanup steps read it; deleted when the operation ends | store |
 * | `op:<id>:deliveries` | list (JSON delivery entries) | store (notifications) |
 * | `ops:running` | set of operation ids | store |
 * | `app:<app>:running` | string: the app's running operation (D6 lock) | store |
 * | `app:<app>:ops` | sorted set: operation history by start time | store |
 * | `app:<app>:inventory` | set: objects the app applied (prune candidates) | store |
 * | `events` | pub/sub channel of operation events | store |
 * | `applications`, `applications:resync` | hash of Application records; set of apps to sync again | store |
 * | `push:<app>:<push>` | string (JSON claim, with a TTL): a git push already handled for the app (webhook dedupe) | store |
 * | `epoch` | string (JSON `{id, createdAt}`): which Redis dataset this is; gone or different = Redis lost data | store (epoch) |
 * | `data-losses` | list (JSON records of detected data losses, newest last, 100 kept) | store (epoch) |
 * | `projects` | hash of AppProject records | store |
 * | `cancel:<operation>` | string `user`/`timeout`: workers stop the operation's steps | bus |
 * | `notify:<operation>:<destination>` | hash: what was delivered to a destination | notifications |
 * | `notify-lock:<operation>:<destination>` | string: one delivery per destination at a time | notifications |
 * | `notify-idem:<key>` | idempotency records of the built-in triggers' chat posts | chat, for notifications |
 * | `notify:sent:<key>` | idempotency records of `hookrunner notify` (a hook's own post) | chat, for the `notify` command |
 * | `lease:automation` | string: the `serve` replica that runs automation (auto-sync, self-heal, git polling), with a TTL | store (lease) |
 */
export interface RedisKeys {
  readonly prefix: string;
  operation(id: string): string;
  /** The prefix of every `op:<id>` key (the store's history trim scans under it). */
  readonly operationPrefix: string;
  /** The operation's manifest set (JSON), stored once and referenced by its prepare steps. */
  operationManifests(operationId: string): string;
  /** The operation's plan with its objects (JSON), stored once and referenced by its step payloads. */
  operationPlan(operationId: string): string;
  deliveries(operationId: string): string;
  readonly runningOperations: string;
  appRunning(app: string): string;
  appHistory(app: string): string;
  appInventory(app: string): string;
  readonly events: string;
  readonly applications: string;
  readonly applicationsResync: string;
  /** The claim of one git push (repository, ref, commit: `push` is their digest) for one application. */
  pushClaim(app: string, push: string): string;
  /** The dataset's epoch: created when missing; its loss or change means Redis lost data. */
  readonly epoch: string;
  readonly dataLosses: string;
  readonly projects: string;
  cancel(operationId: string): string;
  notifyState(operationId: string, destination: string): string;
  notifyLock(operationId: string, destination: string): string;
  /** The prefix under which the chat idempotency store keeps the built-in triggers' records. */
  readonly notifyIdempotency: string;
  /** The prefix of `hookrunner notify`'s idempotency records. */
  readonly notifySent: string;
  /** The lease of the `serve` replica that runs automation. */
  readonly automationLease: string;
  /** `SCAN MATCH` pattern of every key of this prefix, queues included. */
  readonly all: string;
}

export function redisKeys(prefix = 'hookrunner'): RedisKeys {
  const p = `${prefix}:`;
  return {
    prefix,
    operation: (id) => `${p}op:${id}`,
    operationPrefix: `${p}op:`,
    operationManifests: (id) => `${p}op:${id}:manifests`,
    operationPlan: (id) => `${p}op:${id}:plan`,
    deliveries: (id) => `${p}op:${id}:deliveries`,
    runningOperations: `${p}ops:running`,
    appRunning: (app) => `${p}app:${app}:running`,
    appHistory: (app) => `${p}app:${app}:ops`,
    appInventory: (app) => `${p}app:${app}:inventory`,
    events: `${p}events`,
    applications: `${p}applications`,
    applicationsResync: `${p}applications:resync`,
    pushClaim: (app, push) => `${p}push:${app}:${push}`,
    epoch: `${p}epoch`,
    dataLosses: `${p}data-losses`,
    projects: `${p}projects`,
    cancel: (id) => `${p}cancel:${id}`,
    notifyState: (op, dest) => `${p}notify:${op}:${dest}`,
    notifyLock: (op, dest) => `${p}notify-lock:${op}:${dest}`,
    notifyIdempotency: `${p}notify-idem:`,
    notifySent: `${p}notify:sent:`,
    automationLease: `${p}lease:automation`,
    all: `${p}*`,
  };
}
