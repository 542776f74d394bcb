/**
 * `app confirm NAME`: confirm the prunes or deletions the application's running operation holds
 * for (`Prune=confirm`, `Delete=confirm`; docs/semantics.md §9.1, §11), as Argo CD's
 * `argocd app confirm-deletion` — `POST /api/v1/operations/:id/confirm`.
 */
import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { parseAppName, runApp, withConnectionOptions } from './command.js';
import type { AppContext, AppDependencies, CommonFlags } from './command.js';
import { AppFailure } from './errors.js';
import { AppExit } from './exit-codes.js';
import { operationDocument } from './schemas.js';
import { runningOperation } from './sync.js';

async function confirm(ctx: AppContext, name: string): Promise<number> {
  const last = await runningOperation(ctx, name, ' to confirm');
  const current = operationDocument(await ctx.client.get(`/operations/${encodeURIComponent(last.id)}`), `GET /api/v1/operations/${last.id}`);
  const waiting = current.operation.awaitingConfirmation;
  if (!waiting) throw new AppFailure(`operation ${last.id} of ${name} is not waiting for a confirmation (${current.operation.phase}: ${current.operation.message})`, AppExit.failed);
  const path = `/operations/${encodeURIComponent(last.id)}/confirm`;
  const doc = operationDocument(await ctx.client.post(path), `POST /api/v1${path}`);
  ctx.io.stdout.write(`operation ${doc.operation.id} of ${name}: confirmed the ${waiting.kind} of ${waiting.resources.join(', ')}; it goes on (${doc.operation.phase})\n`);
  return AppExit.ok;
}

export function registerConfirm(app: Command, io: CliIO, setExit: (code: number) => void, deps: AppDependencies): void {
  withConnectionOptions(
    app
      .command('confirm')
      .description("Confirm the prunes or deletions the application's running operation waits for (Prune=confirm, Delete=confirm; docs/semantics.md §9.1, §11), like argocd app confirm-deletion")
      .argument('<name>', 'application name', parseAppName),
  ).action(async (name: string, flags: CommonFlags) => {
    setExit(await runApp('confirm', io, deps, flags, (ctx) => confirm(ctx, name)));
  });
}
