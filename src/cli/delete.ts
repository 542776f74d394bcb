/**
 * `hookrunner delete`: delete an application as Argo CD does (docs/semantics.md §11) — its
 * PreDelete hooks, then its live resources (found by their tracking label and annotation, the
 * highest wave first), then its PostDelete hooks — as one operation run to completion here.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { DEFAULT_HOOK_TIMEOUT_MS, DEFAULT_OPERATION_TIMEOUT_MS, DELETION_CASCADES } from '../sync/index.js';
import type { DeletionCascade } from '../sync/index.js';
import { formatMs } from '../util/index.js';
import type { CliIO } from './io.js';
import { collect, parseDurationOption, parseNotifyFlag, parseOutput, parsePositiveInt, parseTriggers } from './options.js';
import { dnsLabel, runSync } from './sync.js';
import type { SyncFlags } from './sync.js';

function parseCascade(value: string): DeletionCascade {
  if (!(DELETION_CASCADES as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${DELETION_CASCADES.join(', ')}, got "${value}"`);
  return value as DeletionCascade;
}

export function registerDelete(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command('delete')
    .description("Delete an application: its PreDelete hooks, its live resources (highest wave first; Delete=false kept), its PostDelete hooks (docs/semantics.md §11)")
    .argument('<path...>', "the application's manifest files or folders (for its PreDelete and PostDelete hooks)")
    .requiredOption('--app <name>', 'application name', dnsLabel('--app'))
    .requiredOption('-n, --namespace <ns>', 'destination namespace', dnsLabel('--namespace'))
    .option('--cascade <mode>', 'foreground (wait for dependents), background, or orphan (delete no resource, run the hooks)', parseCascade, 'foreground')
    .option('--confirm', 'confirm the deletions that Delete=confirm or Prune=confirm hold (otherwise the operation is terminated when it reaches them)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--revision <rev>', 'revision shown with the operation (default: the git commit of the first path, else "local")')
    .option('--timeout <duration>', `operation timeout (default: ${formatMs(DEFAULT_OPERATION_TIMEOUT_MS)}; docs/semantics.md D3)`, parseDurationOption)
    .option('--hook-timeout <duration>', `default hook timeout (default: ${formatMs(DEFAULT_HOOK_TIMEOUT_MS)}; docs/semantics.md D3)`, parseDurationOption)
    .option('--recurse', 'read sub-folders too')
    .option('--include <glob>', 'only read files matching this glob (repeatable)', collect, [])
    .option('--exclude <glob>', 'leave out files matching this glob (repeatable)', collect, [])
    .option('--notify <service:recipient>', 'built-in notifications, as for sync (repeatable)', parseNotifyFlag, [])
    .option('--notify-triggers <list>', 'triggers for --notify (default: on-sync-running,on-sync-succeeded,on-sync-failed,on-hook-failed)', parseTriggers)
    .option('--concurrency <n>', 'steps run at once', parsePositiveInt, 8)
    .option('-o, --output <format>', 'table or json', parseOutput, 'table')
    .action(async (paths: string[], flags: Omit<SyncFlags, 'resource' | 'syncOption'> & { cascade: DeletionCascade }) => {
      setExit(await runSync(paths, { ...flags, resource: [], syncOption: [] }, io));
    });
}
