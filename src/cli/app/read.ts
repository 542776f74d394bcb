/** `app list`, `app get NAME` and `app history NAME`: read-only views of the service's applications. */
import type { Command } from 'commander';
import type { ApiOperationDocument } from '../../api/index.js';
import type { CliIO } from '../io.js';
import { intInRange } from '../options.js';
import { argoApplication } from './argo.js';
import { ApiError } from './client.js';
import type { ApiClient } from './client.js';
import { parseAppName, runApp, withConnectionOptions } from './command.js';
import type { AppContext, AppDependencies, CommonFlags } from './command.js';
import { AppExit } from './exit-codes.js';
import { parseOutputFormat, renderDocument } from './format.js';
import type { OutputFormat } from './format.js';
import { applicationListSchema, applicationSchema, expectShape, historySchema, operationDocument } from './schemas.js';
import type { Application } from './schemas.js';
import { renderApplicationList, renderApplicationSummary, renderHistory, renderResourceTable } from './views.js';

interface OutputFlags extends CommonFlags {
  output: OutputFormat;
}

const OUTPUT_HELP = 'json, yaml or wide (default: a table)';

export async function fetchApplication(client: ApiClient, name: string): Promise<Application> {
  const path = `/applications/${encodeURIComponent(name)}`;
  return expectShape(applicationSchema, await client.get(path), `GET /api/v1${path}`);
}

/** An operation's document; undefined when the server no longer has it (history is trimmed). */
export async function fetchOperation(client: ApiClient, id: string): Promise<ApiOperationDocument | undefined> {
  const path = `/operations/${encodeURIComponent(id)}`;
  try {
    return operationDocument(await client.get(path), `GET /api/v1${path}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

async function list(ctx: AppContext, flags: OutputFlags): Promise<number> {
  const { items } = expectShape(applicationListSchema, await ctx.client.get('/applications'), 'GET /api/v1/applications');
  const apps = [...items].sort((a, b) => a.name.localeCompare(b.name));
  if (flags.output === 'json' || flags.output === 'yaml') {
    ctx.io.stdout.write(renderDocument(apps.map((app) => argoApplication({ app })), flags.output));
  } else if (apps.length === 0) {
    ctx.io.stderr.write('No applications found.\n');
  } else {
    ctx.io.stdout.write(renderApplicationList(apps, flags.output === 'wide'));
  }
  return AppExit.ok;
}

async function get(ctx: AppContext, name: string, flags: OutputFlags): Promise<number> {
  const app = await fetchApplication(ctx.client, name);
  const last = app.lastOperation ? await fetchOperation(ctx.client, app.lastOperation.id) : undefined;
  if (flags.output === 'json' || flags.output === 'yaml') {
    ctx.io.stdout.write(renderDocument(argoApplication({ app, ...(last ? { lastOperation: last } : {}) }), flags.output));
    return AppExit.ok;
  }
  const table = renderResourceTable(app, last, flags.output === 'wide');
  ctx.io.stdout.write(`${renderApplicationSummary(app)}\n${table || 'No resources: the application was not compared or synced yet.\n'}`);
  return AppExit.ok;
}

async function history(ctx: AppContext, name: string, flags: OutputFlags & { limit: number }): Promise<number> {
  const path = `/applications/${encodeURIComponent(name)}/operations`;
  const { items } = expectShape(historySchema, await ctx.client.get(path, { limit: flags.limit }), `GET /api/v1${path}`);
  if (flags.output === 'json' || flags.output === 'yaml') ctx.io.stdout.write(renderDocument(items, flags.output));
  else if (items.length === 0) ctx.io.stderr.write(`No operations of ${name} yet.\n`);
  else ctx.io.stdout.write(renderHistory(items, flags.output === 'wide'));
  return AppExit.ok;
}

export function registerRead(app: Command, io: CliIO, setExit: (code: number) => void, deps: AppDependencies): void {
  withConnectionOptions(
    app
      .command('list')
      .description('List the applications: sync status, health, revision and last operation (like argocd app list)')
      .option('-o, --output <format>', OUTPUT_HELP, parseOutputFormat, 'table'),
  ).action(async (flags: OutputFlags) => {
    setExit(await runApp('list', io, deps, flags, (ctx) => list(ctx, flags)));
  });

  withConnectionOptions(
    app
      .command('get')
      .description("Show an application: source, destination, sync and health status, last operation, resources; -o json is Argo CD's Application (status.sync.status, status.health.status, status.operationState)")
      .argument('<name>', 'application name', parseAppName)
      .option('-o, --output <format>', OUTPUT_HELP, parseOutputFormat, 'table'),
  ).action(async (name: string, flags: OutputFlags) => {
    setExit(await runApp('get', io, deps, flags, (ctx) => get(ctx, name, flags)));
  });

  withConnectionOptions(
    app
      .command('history')
      .description("An application's operations, newest first: id, start and finish (with time zone), phase, revision, who started it")
      .argument('<name>', 'application name', parseAppName)
      .option('--limit <n>', 'at most this many operations (1-100)', intInRange(1, 100), 20)
      .option('-o, --output <format>', OUTPUT_HELP, parseOutputFormat, 'table'),
  ).action(async (name: string, flags: OutputFlags & { limit: number }) => {
    setExit(await runApp('history', io, deps, flags, (ctx) => history(ctx, name, flags)));
  });
}
