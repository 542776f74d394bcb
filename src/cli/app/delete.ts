/**
 * `app delete NAME`: `DELETE /api/v1/applications/:name?cascade=…`, an operation on the server
 * (docs/semantics.md §11: PreDelete hooks, the live resources highest wave first, PostDelete
 * hooks; the record goes once it succeeded). Asks first on a terminal; elsewhere needs `--yes`.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { DELETION_CASCADES } from '../../sync/index.js';
import type { DeletionCascade } from '../../sync/index.js';
import type { CliIO } from '../io.js';
import { parseAppName, runApp, withConnectionOptions } from './command.js';
import type { AppContext, AppDependencies } from './command.js';
import { AppFailure } from './errors.js';
import { AppExit } from './exit-codes.js';
import { operationDocument } from './schemas.js';
import { reportStarted, waitForOperation, withWaitOptions } from './sync.js';
import type { WaitFlags } from './sync.js';

interface DeleteFlags extends WaitFlags {
  cascade: DeletionCascade;
  yes?: boolean;
}

function parseCascade(value: string): DeletionCascade {
  if (!(DELETION_CASCADES as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${DELETION_CASCADES.join(', ')}, got "${value}"`);
  return value as DeletionCascade;
}

function question(name: string, cascade: DeletionCascade): string {
  const what = cascade === 'orphan' ? 'its PreDelete and PostDelete hooks run, its live resources are kept (cascade orphan)' : `its hooks run and its live resources are deleted (cascade ${cascade})`;
  return `Delete application ${name}? ${what}.`;
}

async function remove(ctx: AppContext, name: string, flags: DeleteFlags): Promise<number> {
  if (!flags.yes) {
    if (!ctx.deps.prompter.interactive) throw new AppFailure(`deleting ${name} needs --yes when stdin is not a terminal (nobody can be asked)`, AppExit.invalidInput);
    if (!(await ctx.deps.prompter.confirm(question(name, flags.cascade)))) {
      ctx.io.stderr.write(`${ctx.prefix} not deleted\n`);
      return AppExit.ok;
    }
  }
  const path = `/applications/${encodeURIComponent(name)}`;
  const started = operationDocument(await ctx.client.delete(path, { cascade: flags.cascade }), `DELETE /api/v1${path}`);
  if (!flags.wait) return reportStarted(ctx, started, flags, 'deletion');
  const code = await waitForOperation(ctx, started, flags);
  if (code === AppExit.ok) ctx.io.stderr.write(`${ctx.prefix} application ${name} deleted\n`);
  else if (code === AppExit.failed) ctx.io.stderr.write(`${ctx.prefix} the deletion failed; application ${name} is kept\n`);
  return code;
}

export function registerDelete(app: Command, io: CliIO, setExit: (code: number) => void, deps: AppDependencies): void {
  withConnectionOptions(
    withWaitOptions(
      app
        .command('delete')
        .description('Delete an application on the service: its PreDelete hooks, its live resources (highest wave first; Delete=false kept), its PostDelete hooks; the record goes once that succeeded (docs/semantics.md §11)')
        .argument('<name>', 'application name', parseAppName)
        .option('--cascade <mode>', 'foreground (wait for dependents), background, or orphan (delete no resource, run the hooks)', parseCascade, 'foreground')
        .option('-y, --yes', 'do not ask (needed when stdin is not a terminal)'),
    ),
  ).action(async (name: string, flags: DeleteFlags) => {
    setExit(await runApp('delete', io, deps, flags, (ctx) => remove(ctx, name, flags)));
  });
}
