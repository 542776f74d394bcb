import type { Command } from 'commander';
import { ManifestError, formatIssue, formatWarning, loadManifests } from '../manifests/index.js';
import type { Warning } from '../manifests/index.js';
import { plan } from '../plan/index.js';
import type { SyncTask } from '../plan/index.js';
import { ExitCode } from './exit-codes.js';
import type { CliIO } from './io.js';
import { cell, renderTable } from './table.js';
import { collect, manifestLimitsOf, parseOutput, parseUnixSeconds } from './options.js';

interface PlanFlags {
  namespace?: string;
  revision?: string;
  createNamespace?: boolean;
  recurse?: boolean;
  include: string[];
  exclude: string[];
  strict?: boolean;
  output: 'table' | 'json';
  startedAt?: Date;
}

export function registerPlan(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command('plan')
    .description('Print the tasks a sync of these manifests would run, in Argo CD execution order')
    .argument('<path...>', 'manifest files or folders')
    .option('-n, --namespace <ns>', 'destination namespace, filled into objects without one')
    .option('--revision <rev>', 'sync revision (its first 7 characters name generateName hooks)')
    .option('--create-namespace', 'add the CreateNamespace task for the destination namespace')
    .option('--recurse', 'read sub-folders too')
    .option('--include <glob>', 'only read files matching this glob (repeatable)', collect, [])
    .option('--exclude <glob>', 'leave out files matching this glob (repeatable)', collect, [])
    .option('--strict', 'treat every warning as an error')
    .option('--started-at <unix-seconds>', 'operation start used in generated hook names (default: now)', parseUnixSeconds)
    .option('-o, --output <format>', 'table or json', parseOutput, 'table')
    .action(async (paths: string[], flags: PlanFlags) => {
      setExit(await runPlan(paths, flags, io));
    });
}

export async function runPlan(paths: string[], flags: PlanFlags, io: CliIO): Promise<number> {
  let result;
  let loadWarnings: Warning[];
  try {
    const loaded = await loadManifests(paths, { recurse: flags.recurse ?? false, include: flags.include, exclude: flags.exclude, limits: manifestLimitsOf(io.env) });
    loadWarnings = loaded.warnings;
    result = plan(loaded.manifests, {
      namespace: flags.namespace ?? '',
      revision: flags.revision ?? '',
      startedAt: flags.startedAt ?? new Date(),
      createNamespace: flags.createNamespace ?? false,
    });
  } catch (err) {
    if (err instanceof ManifestError) {
      for (const issue of err.issues) io.stderr.write(formatIssue(issue) + '\n');
      return ExitCode.invalidInput;
    }
    throw err;
  }
  const warnings = [...loadWarnings, ...result.warnings];
  if (flags.strict && warnings.length > 0) {
    for (const w of warnings) io.stderr.write(formatWarning(w) + '\n');
    return ExitCode.invalidInput;
  }
  if (flags.output === 'json') {
    io.stdout.write(JSON.stringify({ tasks: result.tasks.map(taskJson), warnings }, null, 2) + '\n');
  } else {
    // No tasks (an empty folder, only warnings left): say so instead of a header over nothing.
    io.stdout.write(result.tasks.length > 0 ? renderPlanTable(result.tasks) : 'No tasks.\n');
    if (warnings.length > 0) {
      io.stdout.write(`\nWARNINGS (${warnings.length}):\n`);
      for (const w of warnings) io.stdout.write(formatWarning(w) + '\n');
    }
  }
  return ExitCode.ok;
}

export function renderPlanTable(tasks: readonly SyncTask[]): string {
  return renderTable(
    ['PHASE', 'WAVE', 'KIND', 'NAMESPACE', 'NAME', 'HOOK', 'DELETE-POLICY'],
    tasks.map((t) => [
      t.phase,
      String(t.wave),
      t.kind,
      cell(t.namespace),
      t.prune ? `${t.name} (prune)` : t.name,
      cell(t.hookType),
      cell(t.deletePolicies?.join(',')),
    ]),
  );
}

function taskJson(t: SyncTask): Record<string, unknown> {
  return {
    phase: t.phase,
    wave: t.wave,
    group: t.group,
    version: t.version,
    kind: t.kind,
    namespace: t.namespace,
    name: t.name,
    hook: t.hook,
    ...(t.hook ? { hookType: t.hookType, deletePolicies: t.deletePolicies } : {}),
    ...(t.prune ? { prune: true } : {}),
    ...(t.createNamespace ? { createNamespace: true } : {}),
    source: t.source ? { file: t.source.file, line: t.source.line } : null,
  };
}
