/**
 * `app sync NAME` (POST /applications/:name/sync) and `app terminate NAME`, and the `--wait` that
 * `app sync` and `app delete` share: follow the operation to its end through a view, then exit
 * by its phase.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { ApiOperationDocument } from '../../api/index.js';
import { REVISION } from '../../api/application-manifest.js';
import { parseResourceSelector } from '../../plan/index.js';
import type { ResourceSelector } from '../../plan/index.js';
import { errorMessage, formatMs } from '../../util/index.js';
import type { CliIO } from '../io.js';
import { parseDurationOption } from '../options.js';
import { parseAppName, runApp, withConnectionOptions } from './command.js';
import type { AppContext, AppDependencies, CommonFlags } from './command.js';
import { AppFailure } from './errors.js';
import { AppExit } from './exit-codes.js';
import { followOperation, isFinished } from './follow.js';
import { parseOperationOutput, renderDocument } from './format.js';
import type { OperationOutput } from './format.js';
import { interruptSignal } from './prompt.js';
import { fetchApplication } from './read.js';
import { operationDocument } from './schemas.js';

/** How long `--wait` waits by default: the server's default operation timeout (1h), its 10-minute grace, and a margin. */
export const DEFAULT_WAIT_TIMEOUT_MS = 75 * 60_000;

export interface WaitFlags extends CommonFlags {
  wait?: boolean;
  timeout: number;
  output: OperationOutput;
}

interface SyncFlags extends WaitFlags {
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
  resource: ResourceSelector[];
}

function parseRevision(value: string): string {
  if (!REVISION.test(value)) throw new InvalidArgumentError(`must be a branch, tag, commit sha or HEAD, got "${value}"`);
  return value;
}

function collectSelector(value: string, previous: ResourceSelector[]): ResourceSelector[] {
  try {
    return [...previous, parseResourceSelector(value)];
  } catch (err) {
    throw new InvalidArgumentError(errorMessage(err));
  }
}

/** 0 Succeeded, 1 Failed, 3 Error (as `hookrunner sync`). */
export function exitOfPhase(phase: string): number {
  if (phase === 'Succeeded') return AppExit.ok;
  if (phase === 'Failed') return AppExit.failed;
  return AppExit.infrastructure;
}

/**
 * Follow the operation to its end through the view (its lines and warnings; the result table, or
 * the document with -o json|yaml); the exit code says how it ended.
 */
export async function waitForOperation(ctx: AppContext, initial: ApiOperationDocument, flags: WaitFlags): Promise<number> {
  const interrupt = interruptSignal(ctx.io);
  const view = ctx.deps.createView({ io: ctx.io, format: flags.output });
  const app = initial.operation.app;
  let result;
  try {
    result = await followOperation({
      client: ctx.client,
      initial,
      view,
      timeoutMs: flags.timeout,
      signal: interrupt.signal,
      warn: (message) => view.stderr.write(`${ctx.prefix} ${message}\n`),
    });
  } catch (err) {
    view.close();
    throw err;
  } finally {
    interrupt.dispose();
  }
  const { id, phase } = result.doc.operation;
  if (result.outcome === 'finished' && flags.output === 'table') {
    view.finish(result.doc);
    return exitOfPhase(phase);
  }
  // The view comes down before anything else is written (on a terminal it holds a live frame).
  view.close();
  if (result.outcome === 'finished') {
    ctx.io.stdout.write(renderDocument(result.doc, flags.output === 'table' ? 'json' : flags.output));
    return exitOfPhase(phase);
  }
  if (result.outcome === 'deadline') {
    ctx.io.stderr.write(`${ctx.prefix} operation ${id} still runs after --timeout ${formatMs(flags.timeout)} (${phase}); it goes on: hookrunner app get ${app} shows it, hookrunner app terminate ${app} stops it\n`);
    return AppExit.infrastructure;
  }
  ctx.io.stderr.write(`${ctx.prefix} stopped following; operation ${id} goes on on the server (hookrunner app terminate ${app} stops it)\n`);
  return AppExit.interrupted;
}

/** Without --wait: the operation id on stdout (or the document with -o json/yaml), a hint on stderr. */
export function reportStarted(ctx: AppContext, doc: ApiOperationDocument, flags: WaitFlags, what: string): number {
  if (flags.output === 'json' || flags.output === 'yaml') ctx.io.stdout.write(renderDocument(doc, flags.output));
  else ctx.io.stdout.write(`${doc.operation.id}\n`);
  const app = doc.operation.app;
  ctx.io.stderr.write(`${ctx.prefix} ${what} of ${app} started as operation ${doc.operation.id} (${doc.operation.phase}); hookrunner app get ${app} shows its progress, hookrunner app logs ${app} its hook logs\n`);
  return isFinished(doc) ? exitOfPhase(doc.operation.phase) : AppExit.ok;
}

async function sync(ctx: AppContext, name: string, flags: SyncFlags): Promise<number> {
  const body = {
    ...(flags.revision !== undefined ? { revision: flags.revision } : {}),
    ...(flags.prune ? { prune: true } : {}),
    ...(flags.dryRun ? { dryRun: true } : {}),
    ...(flags.resource.length > 0 ? { resources: flags.resource } : {}),
  };
  const path = `/applications/${encodeURIComponent(name)}/sync`;
  const started = operationDocument(await ctx.client.post(path, body), `POST /api/v1${path}`);
  if (!flags.wait) return reportStarted(ctx, started, flags, 'sync');
  return waitForOperation(ctx, started, flags);
}

/** The application's operation that has not finished, or exit 1 saying there is none (`what`: "", " to confirm"). */
export async function runningOperation(ctx: AppContext, name: string, what = ''): Promise<{ id: string; phase: string }> {
  const last = (await fetchApplication(ctx.client, name)).lastOperation;
  if (!last || ['Succeeded', 'Failed', 'Error'].includes(last.phase)) {
    throw new AppFailure(`${name} has no running operation${what}${last ? ` (the last, ${last.id}, ${last.phase})` : ''}`, AppExit.failed);
  }
  return last;
}

async function terminate(ctx: AppContext, name: string): Promise<number> {
  const last = await runningOperation(ctx, name);
  const path = `/operations/${encodeURIComponent(last.id)}/terminate`;
  const doc = operationDocument(await ctx.client.post(path), `POST /api/v1${path}`);
  ctx.io.stdout.write(`operation ${doc.operation.id} of ${name}: ${doc.operation.phase} — ${doc.operation.message}\n`);
  return AppExit.ok;
}

/** `--wait`, `--timeout` and `-o` of the commands that start an operation. */
export function withWaitOptions(command: Command): Command {
  return command
    .option('--wait', 'follow the operation until it ends (Ctrl-C stops following, not the operation); exit by its phase')
    .option('--timeout <duration>', 'how long --wait waits', parseDurationOption, DEFAULT_WAIT_TIMEOUT_MS)
    .option('-o, --output <format>', 'with --wait: the result as json or yaml (the change lines then go to stderr; default: the result table); without: json or yaml prints the started operation', parseOperationOutput, 'table');
}

export function registerSync(app: Command, io: CliIO, setExit: (code: number) => void, deps: AppDependencies): void {
  withConnectionOptions(
    withWaitOptions(
      app
        .command('sync')
        .description('Sync an application on the service; prints the operation id, or with --wait follows it to the end (exit 0 Succeeded, 1 Failed)')
        .argument('<name>', 'application name', parseAppName)
        .option('--revision <rev>', "branch, tag or commit to sync (default: the app's targetRevision)", parseRevision)
        .option('--prune', 'delete resources the application applied before and no longer declares')
        .option('--dry-run', 'plan and dry-run only; apply nothing')
        .option('--resource <GROUP:KIND:[NAMESPACE/]NAME>', 'sync only this resource, running no hooks (repeatable; core group empty: :ConfigMap:app/settings)', collectSelector, []),
    ),
  ).action(async (name: string, flags: SyncFlags) => {
    setExit(await runApp('sync', io, deps, flags, (ctx) => sync(ctx, name, flags)));
  });

  withConnectionOptions(
    app
      .command('terminate')
      .description("Terminate the application's running operation (docs/semantics.md §10.1); its SyncFail hooks do not run")
      .argument('<name>', 'application name', parseAppName),
  ).action(async (name: string, flags: CommonFlags) => {
    setExit(await runApp('terminate', io, deps, flags, (ctx) => terminate(ctx, name)));
  });
}
