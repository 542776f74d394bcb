/**
 * The built-in triggers and what each destination is owed: which triggers fire for an
 * operation, and the deliveries a destination still lacks given what it already got. Pure: the
 * delivery loop (`delivery.ts`) sends what {@link pendingDeliveries} lists, in order.
 */
import { createHash } from 'node:crypto';
import { redactSecrets, renderSyncMessage } from '../chat/index.js';
import type { ChatMessage, SyncContext } from '../chat/index.js';
import { displayStatus, failureSummary, isDone, orderedResults, taskFailed } from '../sync/index.js';
import type { Operation, Subscription, TaskResult, TriggerName } from '../sync/index.js';

/** `<service>:<recipient>`: a destination's id in queues, keys and records. */
export function destinationKey(s: Pick<Subscription, 'service' | 'recipient'>): string {
  return `${s.service}:${s.recipient}`;
}

const PHASE_ORDER = ['PreSync', 'Sync', 'PostSync', 'SyncFail', 'PreDelete', 'Delete', 'PostDelete'] as const;

/** Which triggers fire for the operation as it stands. */
export function firedTriggers(op: Operation): Record<TriggerName, boolean> {
  const done = isDone(op);
  return {
    'on-sync-running': true,
    'on-sync-succeeded': done && op.phase === 'Succeeded',
    'on-sync-failed': done && (op.phase === 'Failed' || op.phase === 'Error'),
    'on-hook-failed': failedHooks(op).length > 0,
  };
}

function failedHooks(op: Operation): TaskResult[] {
  return orderedResults(op).filter((r) => r.hookType && taskFailed(r));
}

/**
 * What a destination already got, as recorded per operation: `parent` (the message ref),
 * `parentHash`, `parentEarly` ('1' when posted while running), `lastUpdate`, `phase:<attempt>:<phase>`,
 * `hook:<attempt>:<task key>`, `final`, `skipped`, `reconciled`.
 */
export type DestinationState = Readonly<Record<string, string>>;

/** One message a destination is owed. `field` records it in the destination state once sent. */
export type Delivery =
  | { kind: 'parent'; event: 'parent'; field: 'parent'; message: ChatMessage; hash: string; idempotencyKey: string }
  | { kind: 'update'; event: 'update'; field: 'lastUpdate'; message: ChatMessage; hash: string }
  | { kind: 'reply'; event: string; field: string; message: ChatMessage; idempotencyKey: string };

/**
 * The deliveries a destination still lacks, in the order they must be sent: the parent message
 * (posted once, then updated in place when it changes), a threaded reply per finished phase
 * (on-sync-running), per failed hook (on-hook-failed), and the outcome as a reply when the parent
 * was posted while the sync ran (an update alone notifies nobody). Replies are per attempt: a
 * retried operation (§10.3) reports its phases and failed hooks again.
 */
export function pendingDeliveries(op: Operation, sub: Subscription, state: DestinationState, secrets: readonly string[] = []): Delivery[] {
  const fired = firedTriggers(op);
  if (!sub.triggers.some((t) => fired[t])) return [];
  const dest = destinationKey(sub);
  const key = (what: string): string => `${op.id}/${dest}/${what}`;
  const done = isDone(op);
  const out: Delivery[] = [];

  const parentMessage = renderSyncMessage(syncContext(op), { secrets });
  const hash = createHash('sha256').update(JSON.stringify(parentMessage)).digest('hex').slice(0, 16);
  const parentWasThere = state['parent'] !== undefined && state['parentEarly'] === '1';
  if (state['parent'] === undefined) out.push({ kind: 'parent', event: 'parent', field: 'parent', message: parentMessage, hash, idempotencyKey: key('parent') });
  else if (state['parentHash'] !== hash) out.push({ kind: 'update', event: 'update', field: 'lastUpdate', message: parentMessage, hash });

  const attempt = op.retryCount;
  if (sub.triggers.includes('on-sync-running')) {
    for (const phase of finishedPhases(op)) {
      const field = `phase:${attempt}:${phase}`;
      if (!state[field]) out.push({ kind: 'reply', event: `phase ${phase}`, field, message: phaseMessage(op, phase, secrets), idempotencyKey: key(`phase-${attempt}-${phase}`) });
    }
  }
  if (sub.triggers.includes('on-hook-failed')) {
    for (const r of failedHooks(op)) {
      const field = `hook:${attempt}:${r.key}`;
      if (!state[field]) out.push({ kind: 'reply', event: `hook-failed ${r.kind}/${r.name}`, field, message: hookFailedMessage(op, r, secrets), idempotencyKey: key(`hook-${attempt}-${r.key}`) });
    }
  }
  const outcomeWanted = (fired['on-sync-succeeded'] && sub.triggers.includes('on-sync-succeeded')) || (fired['on-sync-failed'] && sub.triggers.includes('on-sync-failed'));
  if (done && outcomeWanted && parentWasThere && !state['final']) {
    out.push({ kind: 'reply', event: 'final', field: 'final', message: renderSyncMessage({ ...syncContext(op), phase: undefined }, { secrets }), idempotencyKey: key('final') });
  }
  return out;
}

/** The operation as a notification sees it. */
export function syncContext(op: Operation): SyncContext {
  const failure = failureSummary(op);
  return {
    app: op.app,
    operationId: op.id,
    revision: op.revision,
    outcome: op.phase,
    ...(op.spec.deletion ? { kind: 'deletion' as const } : {}),
    startedAt: new Date(op.startedAt),
    ...(op.finishedAt ? { finishedAt: new Date(op.finishedAt) } : {}),
    message: op.message,
    ...(failure.tasks.length > 0 ? { failedTasks: failure.tasks } : {}),
    ...(op.spec.dashboardUrl ? { dashboardUrl: `${op.spec.dashboardUrl.replace(/\/$/, '')}/#/operations/${op.id}` } : {}),
  };
}

/** Phases whose every task has a completed result (all of them once the operation is done). */
export function finishedPhases(op: Operation): string[] {
  const results = op.results;
  return PHASE_ORDER.filter((phase) => {
    const planned = (op.plan ?? []).filter((t) => t.phase === phase);
    const got = results.filter((r) => r.syncPhase === phase);
    if (got.length === 0) return false;
    if (isDone(op)) return true;
    return planned.length > 0 && planned.every((t) => got.some((r) => r.key === t.key && r.hookPhase !== 'Running' && r.hookPhase !== undefined));
  });
}

function phaseMessage(op: Operation, phase: string, secrets: readonly string[]): ChatMessage {
  const rows = orderedResults(op).filter((r) => r.syncPhase === phase);
  const bad = rows.filter((r) => taskFailed(r)).length;
  const lines = rows.map((r) => `${taskFailed(r) ? '❌' : '✅'} ${r.kind}/${r.name}: ${displayStatus(r)}${r.message ? ` — ${r.message}` : ''}`);
  return { text: redactSecrets([`${phase} ${bad > 0 ? 'failed' : 'done'} (${rows.length} task${rows.length === 1 ? '' : 's'}) for ${op.app}`, ...lines].join('\n'), secrets) };
}

function hookFailedMessage(op: Operation, r: TaskResult, secrets: readonly string[]): ChatMessage {
  const log = [...(r.logs ?? [])].reverse().find((l) => l.log.trim() !== '');
  return renderSyncMessage(
    {
      app: op.app,
      operationId: op.id,
      revision: op.revision,
      phase: r.syncPhase,
      outcome: 'Failed',
      message: `hook ${r.kind}/${r.name} failed`,
      failedTasks: [{ name: `${r.kind}/${r.name}`, phase: r.syncPhase, message: r.message, ...(log ? { logExcerpt: log.log } : {}) }],
    },
    { secrets },
  );
}
