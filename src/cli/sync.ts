import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { ManifestError, formatIssue, formatWarning, loadManifests } from '../manifests/index.js';
import type { Manifest, Warning } from '../manifests/index.js';
import { parseResourceSelector, plan } from '../plan/index.js';
import type { ResourceSelector } from '../plan/index.js';
import { OperationRunningError } from '../store/index.js';
import { DEFAULT_HOOK_TIMEOUT_MS, DEFAULT_OPERATION_TIMEOUT_MS, isDone, operationDocument, operationSpec } from '../sync/index.js';
import type { DeletionCascade, Operation, Subscription, TriggerName } from '../sync/index.js';
import { errorMessage, formatMs, sleep } from '../util/index.js';
import { connectCluster } from './cluster.js';
import { ExitCode } from './exit-codes.js';
import type { CliIO } from './io.js';
import { collect, manifestLimitsOf, parseDurationOption, parseNotifyFlag, parseOutput, parsePositiveInt, parseTriggers } from './options.js';
import { notifierFactory } from '../notifications/index.js';
import { findRedis } from '../engine/index.js';
import { apiOperationDocument } from '../api/index.js';
import { startEngine } from '../engine/index.js';
import { createOperationView } from './view/index.js';
import type { OperationView, TextSink } from './view/index.js';

const exec = promisify(execFile);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface SyncFlags {
  app: string;
  namespace: string;
  kubeconfig?: string;
  context?: string;
  revision?: string;
  createNamespace?: boolean;
  prune?: boolean;
  pruneLast?: boolean;
  timeout?: number;
  hookTimeout?: number;
  retryLimit?: number;
  recurse?: boolean;
  include: string[];
  exclude: string[];
  output: 'table' | 'json';
  concurrency: number;
  dryRun?: boolean;
  resource: ResourceSelector[];
  syncOption: string[];
  notify: Subscription[];
  notifyTriggers?: TriggerName[];
  /** `hookrunner delete`: delete the application (docs/semantics.md §11) instead of syncing it. */
  cascade?: DeletionCascade;
  /** Confirm the prunes and deletions `Prune=confirm` / `Delete=confirm` hold (§9.1, §11). */
  confirm?: boolean;
}


function commandName(flags: SyncFlags): string {
  return flags.cascade ? 'delete' : 'sync';
}

/** `--create-namespace`, or `--sync-option CreateNamespace=true`. */
function createNamespaceOf(flags: SyncFlags): boolean {
  return flags.createNamespace ?? flags.syncOption.includes('CreateNamespace=true');
}

const SYNC_OPTION = /^[A-Za-z]+=[A-Za-z0-9-]+$/;

function collectSyncOption(value: string, previous: string[]): string[] {
  if (!SYNC_OPTION.test(value)) throw new InvalidArgumentError(`must be Name=value, e.g. Replace=true, got "${value}"`);
  return [...previous, value];
}

function collectSelector(value: string, previous: ResourceSelector[]): ResourceSelector[] {
  try {
    return [...previous, parseResourceSelector(value)];
  } catch (err) {
    throw new InvalidArgumentError(errorMessage(err));
  }
}

export function dnsLabel(what: string) {
  return (value: string): string => {
    if (!DNS_LABEL.test(value)) throw new InvalidArgumentError(`${what} must be a DNS-1123 label (lower case letters, digits and '-', at most 63), got "${value}"`);
    return value;
  };
}

export function registerSync(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command('sync')
    .description('Run one sync operation to completion (orchestrator and workers in this process)')
    .argument('<path...>', 'manifest files or folders')
    .requiredOption('--app <name>', 'application name', dnsLabel('--app'))
    .requiredOption('-n, --namespace <ns>', 'destination namespace', dnsLabel('--namespace'))
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--revision <rev>', 'sync revision (default: the git commit of the first path, else "local")')
    .option('--create-namespace', 'create the destination namespace when missing (CreateNamespace=true)')
    .option('--prune', 'delete resources this application applied before and no longer declares')
    .option('--prune-last', 'prune after every other Sync-phase wave (PruneLast=true)')
    .option('--dry-run', 'plan and dry-run only; apply nothing')
    .option('--confirm', 'confirm the prunes that Prune=confirm holds (otherwise the operation is terminated when it reaches them)')
    .option('--sync-option <Name=value>', 'an application sync option: Replace=true, ServerSideApply=true, Validate=false (repeatable; docs/semantics.md §9)', collectSyncOption, [])
    .option('--resource <GROUP:KIND:[NAMESPACE/]NAME>', 'sync only this resource, running no hooks (repeatable; core group empty: :ConfigMap:app/settings; docs/semantics.md §9.9)', collectSelector, [])
    .option('--timeout <duration>', `operation timeout (default: ${formatMs(DEFAULT_OPERATION_TIMEOUT_MS)}; docs/semantics.md D3)`, parseDurationOption)
    .option('--hook-timeout <duration>', `default hook timeout (default: ${formatMs(DEFAULT_HOOK_TIMEOUT_MS)}; docs/semantics.md D3)`, parseDurationOption)
    .option('--retry-limit <n>', 'retry a failed operation this many times (docs/semantics.md §10.3)', parsePositiveInt)
    .option('--recurse', 'read sub-folders too')
    .option('--include <glob>', 'only read files matching this glob (repeatable)', collect, [])
    .option('--exclude <glob>', 'leave out files matching this glob (repeatable)', collect, [])
    .option('--notify <service:recipient>', 'built-in notifications: mattermost:<team>/<channel>, slack:<channel>, log:<name> (repeatable; tokens from MATTERMOST_URL/MATTERMOST_TOKEN, SLACK_TOKEN)', parseNotifyFlag, [])
    .option('--notify-triggers <list>', 'triggers for --notify (default: on-sync-running,on-sync-succeeded,on-sync-failed,on-hook-failed)', parseTriggers)
    .option('--concurrency <n>', 'steps run at once', parsePositiveInt, 8)
    .option('-o, --output <format>', 'table or json', parseOutput, 'table')
    .action(async (paths: string[], flags: SyncFlags) => {
      setExit(await runSync(paths, flags, io));
    });
}

async function defaultRevision(path: string | undefined): Promise<string> {
  if (!path) return 'local';
  try {
    const { stdout } = await exec('git', ['-C', path, 'rev-parse', 'HEAD'], { timeout: 5_000 });
    return stdout.trim() || 'local';
  } catch {
    return 'local';
  }
}

/** Load and check the manifests the way the planner will see them; invalid input never reaches Redis or the cluster. */
async function loadInput(paths: string[], flags: SyncFlags, io: CliIO): Promise<{ manifests: Manifest[]; warnings: Warning[] } | undefined> {
  try {
    const loaded = await loadManifests(paths, { recurse: flags.recurse ?? false, include: flags.include, exclude: flags.exclude, limits: manifestLimitsOf(io.env) });
    const planned = plan(loaded.manifests, { namespace: flags.namespace, startedAt: new Date(), createNamespace: createNamespaceOf(flags) });
    return { manifests: loaded.manifests, warnings: [...loaded.warnings, ...planned.warnings] };
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    for (const issue of err.issues) io.stderr.write(formatIssue(issue) + '\n');
    return undefined;
  }
}

export async function runSync(paths: string[], flags: SyncFlags, io: CliIO): Promise<number> {
  const input = await loadInput(paths, flags, io);
  if (!input) return ExitCode.invalidInput;
  for (const w of input.warnings) io.stderr.write(`warning: ${formatWarning(w)}\n`);

  const cluster = await connectCluster({ kubeconfig: flags.kubeconfig, context: flags.context, env: io.env });
  if ('error' in cluster) {
    io.stderr.write(`hookrunner ${commandName(flags)}: ${cluster.error}\n`);
    return ExitCode.infrastructure;
  }
  let redis;
  try {
    redis = await findRedis(io.env);
  } catch (err) {
    cluster.client.close();
    io.stderr.write(`hookrunner ${commandName(flags)}: ${errorMessage(err)}\n`);
    return ExitCode.infrastructure;
  }
  // From here the view owns the terminal: whatever writes to stderr (the log notifier, warnings)
  // goes through it, so on a terminal its lines land above the live frame, not inside it.
  const view = flags.output === 'table' ? createOperationView({ stdout: io.stdout, stderr: io.stderr, env: io.env }) : undefined;
  const stderr: TextSink = view?.stderr ?? io.stderr;
  const notifications = flags.notify.length > 0 ? notifierFactory(io.env, stderr) : undefined;
  for (const sub of flags.notify) {
    const missing = notifications?.missingConfig(sub);
    if (missing) stderr.write(`hookrunner ${commandName(flags)}: --notify ${sub.service}:${sub.recipient} will be skipped: ${missing}\n`);
  }
  const engine = startEngine({ redisUrl: redis.url, cluster: cluster.client, concurrency: flags.concurrency, sweepIntervalMs: 5_000, ...(notifications ? { notifications } : {}) });
  try {
    const spec = specOf(flags, input, flags.revision ?? (await defaultRevision(paths[0])));
    let op: Operation;
    try {
      op = await (engine.orchestrator as NonNullable<typeof engine.orchestrator>).submit(spec);
    } catch (err) {
      if (err instanceof OperationRunningError) {
        stderr.write(`hookrunner ${commandName(flags)}: ${err.message}\n`);
        return ExitCode.failed;
      }
      throw err;
    }
    const final = await follow(op.id, engine, flags, { stderr, view });
    if (engine.notifications && !(await engine.notifications.settled(final.id, 60_000))) stderr.write(`hookrunner ${commandName(flags)}: some notifications were still being delivered after 60s; see the delivery log\n`);
    if (flags.output === 'json') io.stdout.write(JSON.stringify(operationDocument(final), null, 2) + '\n');
    else view?.finish(apiOperationDocument(final));
    return final.phase === 'Succeeded' ? ExitCode.ok : final.phase === 'Failed' ? ExitCode.failed : ExitCode.infrastructure;
  } catch (err) {
    view?.close();
    io.stderr.write(`hookrunner ${commandName(flags)}: ${errorMessage(err)}\n`);
    return ExitCode.infrastructure;
  } finally {
    view?.close();
    await engine.close();
    cluster.client.close();
    await redis.stop();
  }
}

function specOf(flags: SyncFlags, input: { manifests: Manifest[]; warnings: Warning[] }, revision: string): ReturnType<typeof operationSpec> {
  return operationSpec({
    app: flags.app,
    namespace: flags.namespace,
    revision,
    manifests: input.manifests,
    warnings: input.warnings,
    createNamespace: createNamespaceOf(flags),
    prune: flags.prune ?? false,
    pruneLast: flags.pruneLast ?? flags.syncOption.includes('PruneLast=true'),
    dryRun: flags.dryRun ?? false,
    ...(flags.resource.length > 0 ? { resources: flags.resource } : {}),
    ...(flags.syncOption.length > 0 ? { syncOptions: flags.syncOption } : {}),
    ...(flags.timeout !== undefined ? { timeoutMs: flags.timeout } : {}),
    ...(flags.hookTimeout !== undefined ? { hookTimeoutMs: flags.hookTimeout } : {}),
    initiatedBy: 'cli',
    ...(flags.notify.length > 0 ? { notifications: flags.notify.map((n) => ({ ...n, triggers: flags.notifyTriggers ?? n.triggers })) } : {}),
    ...(flags.retryLimit ? { retry: { limit: flags.retryLimit } } : {}),
    ...(flags.cascade ? { deletion: { cascade: flags.cascade }, prune: true, createNamespace: false } : {}),
  });
}

/**
 * §9.1, §11: the operation holds for `Prune=confirm` / `Delete=confirm`. With `--confirm` this run
 * confirms; without, nobody could (the operation lives in this process), so it is terminated,
 * saying what to do.
 */
async function answerConfirmation(op: Operation, engine: ReturnType<typeof startEngine>, flags: SyncFlags, stderr: TextSink): Promise<void> {
  const orchestrator = engine.orchestrator as NonNullable<typeof engine.orchestrator>;
  if (flags.confirm) {
    await orchestrator.confirm(op.id, 'cli --confirm');
    return;
  }
  stderr.write(`hookrunner ${commandName(flags)}: ${op.message}; rerun with --confirm to confirm it. Terminating.\n`);
  await orchestrator.terminate(op.id);
}

/** Wait for the operation to finish, showing each stored change in the view (table output). */
async function follow(id: string, engine: ReturnType<typeof startEngine>, flags: SyncFlags, out: { stderr: TextSink; view: OperationView | undefined }): Promise<Operation> {
  let latest: Operation | undefined;
  let wake: (() => void) | undefined;
  const unsubscribe = await engine.store.subscribe((event) => {
    if (event.id === id) wake?.();
  });
  try {
    const started = Date.now();
    for (;;) {
      latest = await engine.store.getOperation(id);
      if (!latest) throw new Error(`operation ${id} disappeared from Redis`);
      out.view?.update(apiOperationDocument(latest));
      if (isDone(latest)) break;
      if (latest.awaitingConfirmation) await answerConfirmation(latest, engine, flags, out.stderr);
      // Woken by the next event; a slow re-read is only the backstop.
      await Promise.race([new Promise<void>((r) => (wake = r)), sleep(2_000)]);
      if (Date.now() - started > latest.spec.timeoutMs + 10 * 60_000) throw new Error(`operation ${id} did not finish within ${formatMs(latest.spec.timeoutMs)} (+10m)`);
    }
  } finally {
    await unsubscribe();
  }
  return latest;
}
