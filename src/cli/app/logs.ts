/**
 * `app logs NAME [--hook H] [--operation ID]`: the hook container logs the server kept (D4: the
 * last 64 KiB of each container, recorded before any deletion) of the application's last
 * operation, or of the one named, from `GET /api/v1/operations/:id`.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { ApiOperationDocument, ApiResourceDocument } from '../../api/index.js';
import type { CliIO } from '../io.js';
import { parseAppName, parseOperationId, runApp, withConnectionOptions } from './command.js';
import type { AppContext, AppDependencies, CommonFlags } from './command.js';
import { AppFailure } from './errors.js';
import { AppExit } from './exit-codes.js';
import { fetchApplication, fetchOperation } from './read.js';

interface LogsFlags extends CommonFlags {
  hook?: string;
  operation?: string;
}

const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function parseHookName(value: string): string {
  if (value.length > 253 || !OBJECT_NAME.test(value)) throw new InvalidArgumentError(`must be a hook's object name (lower case letters, digits, '-' and '.'), got "${value}"`);
  return value;
}

type HookLog = NonNullable<ApiResourceDocument['logs']>[number];

function hookTitle(r: ApiResourceDocument): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} (${r.hookType ?? 'hook'}, ${r.displayStatus || 'not run'})`;
}

function logHeader(r: ApiResourceDocument, log: HookLog): string {
  const details = [`pod ${log.pod}`, `container ${log.container}`];
  if (log.exitCode !== undefined) details.push(`exit code ${log.exitCode}`);
  if (log.reason) details.push(`reason ${log.reason}`);
  return `==> ${hookTitle(r)} — ${details.join(', ')} <==`;
}

/** Every kept log of these hook rows, each under a header; a hook without logs says so. */
export function renderHookLogs(hooks: readonly ApiResourceDocument[]): string {
  const parts: string[] = [];
  for (const r of hooks) {
    const logs = r.logs ?? [];
    if (logs.length === 0) {
      parts.push(`==> ${hookTitle(r)}: no logs kept (the hook's pod left none, or it did not run) <==\n`);
      continue;
    }
    for (const log of logs) {
      const lines = [logHeader(r, log)];
      if (log.truncated) lines.push('[… earlier output dropped: only the last 64 KiB are kept]');
      const text = log.log.endsWith('\n') || log.log === '' ? log.log : `${log.log}\n`;
      parts.push(`${lines.join('\n')}\n${text}${log.terminationMessage ? `[termination message: ${log.terminationMessage.trim()}]\n` : ''}`);
    }
  }
  return parts.join('\n');
}

async function operationOf(ctx: AppContext, name: string, flags: LogsFlags): Promise<ApiOperationDocument> {
  if (flags.operation) {
    const doc = await fetchOperation(ctx.client, flags.operation);
    if (!doc) throw new AppFailure(`operation ${flags.operation} not found`, AppExit.notFound);
    if (doc.operation.app !== name) throw new AppFailure(`--operation ${flags.operation} is an operation of ${doc.operation.app}, not of ${name}`, AppExit.invalidInput);
    return doc;
  }
  const app = await fetchApplication(ctx.client, name);
  if (!app.lastOperation) throw new AppFailure(`${name} has no operations yet, so no hook logs`, AppExit.notFound);
  const doc = await fetchOperation(ctx.client, app.lastOperation.id);
  if (!doc) throw new AppFailure(`the last operation of ${name}, ${app.lastOperation.id}, is no longer on the server`, AppExit.notFound);
  return doc;
}

async function logs(ctx: AppContext, name: string, flags: LogsFlags): Promise<number> {
  const doc = await operationOf(ctx, name, flags);
  const id = doc.operation.id;
  const hooks = doc.resources.filter((r) => r.hookType);
  const selected = flags.hook ? hooks.filter((r) => r.name === flags.hook) : hooks;
  if (flags.hook && selected.length === 0) {
    const names = [...new Set(hooks.map((r) => r.name))];
    throw new AppFailure(`operation ${id} of ${name} ran no hook named ${flags.hook}${names.length > 0 ? ` (its hooks: ${names.join(', ')})` : ' (it ran no hooks)'}`, AppExit.notFound);
  }
  if (selected.length === 0) {
    ctx.io.stderr.write(`${ctx.prefix} operation ${id} of ${name} ran no hooks, so there are no hook logs\n`);
    return AppExit.ok;
  }
  if (!selected.some((r) => (r.logs ?? []).length > 0)) ctx.io.stderr.write(`${ctx.prefix} the hooks of operation ${id} kept no logs\n`);
  ctx.io.stdout.write(renderHookLogs(selected));
  return AppExit.ok;
}

export function registerLogs(app: Command, io: CliIO, setExit: (code: number) => void, deps: AppDependencies): void {
  withConnectionOptions(
    app
      .command('logs')
      .description("The hook logs the server kept (the last 64 KiB of each container, docs/semantics.md D4) of the application's last operation, or of --operation")
      .argument('<name>', 'application name', parseAppName)
      .option('--hook <name>', 'only the hook of this name (e.g. health-check-pre-job)', parseHookName)
      .option('--operation <id>', 'this operation of the application instead of its last one (see app history)', parseOperationId),
  ).action(async (name: string, flags: LogsFlags) => {
    setExit(await runApp('logs', io, deps, flags, (ctx) => logs(ctx, name, flags)));
  });
}
