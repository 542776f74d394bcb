/**
 * `Prune=confirm` and `Delete=confirm` (docs/semantics.md §9.1, §11): which tasks wait for a person
 * to confirm them, how the operation says so while it waits, and the confirmation itself. Pure.
 */
import type { SyncTask } from '../plan/index.js';
import type { Operation } from './types.js';

/** The value of option `name` (`Prune`, `Delete`) on the task's live object, else the application's. */
function optionValue(task: SyncTask, appOptions: readonly string[], name: string): string | undefined {
  const own = task.syncOptions.find((o) => o.startsWith(`${name}=`));
  const app = appOptions.find((o) => o.startsWith(`${name}=`));
  return (own ?? app)?.slice(name.length + 1);
}

/**
 * The tasks of the next step that need a confirmation first: in a sync that prunes, the wave's
 * prunes whose `Prune` option is `confirm`; in a deletion, once the Delete phase starts, every
 * Delete task whose `Delete` or `Prune` option is `confirm` (one blocks the whole cascade, as in
 * Argo CD), except those `Delete=false` keeps.
 */
export function needingConfirmation(op: Operation, wave: readonly SyncTask[], pending: readonly SyncTask[]): SyncTask[] {
  // A dry run deletes nothing: nothing to confirm.
  if (op.confirmed || op.spec.dryRun) return [];
  const appOptions = op.spec.syncOptions ?? [];
  if (op.spec.deletion) {
    if (wave[0]?.phase !== 'Delete') return [];
    return pending.filter((t) => t.phase === 'Delete' && optionValue(t, appOptions, 'Delete') !== 'false' && (optionValue(t, appOptions, 'Delete') === 'confirm' || optionValue(t, appOptions, 'Prune') === 'confirm'));
  }
  if (!op.spec.prune) return [];
  return wave.filter((t) => t.prune && optionValue(t, appOptions, 'Prune') === 'confirm');
}

/** `waiting for pruning confirmation of /ConfigMap/old and 2 more resources`, as Argo CD words it. */
export function confirmationMessage(kind: 'pruning' | 'deletion', tasks: readonly SyncTask[]): string {
  const [first] = tasks;
  const more = tasks.length - 1;
  const name = first ? `${first.group}/${first.kind}/${first.name}` : '';
  return `waiting for ${kind} confirmation of ${name}${more > 0 ? ` and ${more} more resource${more === 1 ? '' : 's'}` : ''}`;
}

/** The operation, held until confirmed: Running, no step, its message naming what waits. */
export function awaitConfirmation(op: Operation, tasks: readonly SyncTask[], now: number): Operation {
  const kind = op.spec.deletion ? 'deletion' : 'pruning';
  const message = confirmationMessage(kind, tasks);
  if (op.awaitingConfirmation && op.message === message) return op;
  return { ...op, message, awaitingConfirmation: { kind, taskKeys: tasks.map((t) => t.key), since: op.awaitingConfirmation?.since ?? now } };
}

/** Confirm what the operation waits for; unchanged when it waits for nothing. */
export function confirmOperation(op: Operation, by: string, now: number): Operation {
  if (!op.awaitingConfirmation) return op;
  const next: Operation = { ...op, confirmed: { at: now, by } };
  delete next.awaitingConfirmation;
  return next;
}
