/**
 * `hookrunner diff`: the manifests against the cluster, as a sync would see them (docs/semantics.md
 * §9.12) — each object's live fields that the manifest sets against the manifest (server defaults,
 * status and server metadata do not count), objects still to be created, and the application's
 * live objects the source no longer declares (a sync with --prune deletes them). Exit codes as
 * `kubectl diff`: 0 no differences, 1 differences, 2 invalid input, 3 cluster unreachable.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { ClusterClient } from '../cluster/index.js';
import { compareObjects, objectLabel, unifiedDiff } from '../diff/index.js';
import type { Difference } from '../diff/index.js';
import { ManifestError, formatIssue, formatWarning, isHook, loadManifests } from '../manifests/index.js';
import type { KubeObject, Manifest } from '../manifests/index.js';
import { plan } from '../plan/index.js';
import type { SyncTask } from '../plan/index.js';
import { decorateForApply } from '../sync/index.js';
import { errorMessage } from '../util/index.js';
import { checkKinds, createLiveIndex, findPruneCandidates, refOf, targetIdentities } from '../worker/index.js';
import { connectCluster } from './cluster.js';
import { ExitCode } from './exit-codes.js';
import type { CliIO } from './io.js';
import { collect, manifestLimitsOf } from './options.js';
import { dnsLabel } from './sync.js';

export interface DiffFlags {
  app: string;
  namespace: string;
  kubeconfig?: string;
  context?: string;
  recurse?: boolean;
  include: string[];
  exclude: string[];
  output: 'unified' | 'json';
}

/** One object that differs: to create, to change, or to prune. */
export interface ObjectDiff {
  object: string;
  action: 'create' | 'change' | 'prune';
  differences: Difference[];
  diff: string;
}

function parseDiffOutput(value: string): DiffFlags['output'] {
  if (value === 'unified' || value === 'json') return value;
  throw new InvalidArgumentError(`must be unified or json, got "${value}"`);
}

export function registerDiff(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command('diff')
    .description('Show how the cluster differs from the manifests, as a sync would see it; exit 0 none, 1 differences, 2 invalid input, 3 cluster unreachable')
    .argument('<path...>', 'manifest files or folders')
    .requiredOption('--app <name>', 'application name (whose live objects the source no longer declares are shown as to prune)', dnsLabel('--app'))
    .requiredOption('-n, --namespace <ns>', 'destination namespace', dnsLabel('--namespace'))
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--recurse', 'read sub-folders too')
    .option('--include <glob>', 'only read files matching this glob (repeatable)', collect, [])
    .option('--exclude <glob>', 'leave out files matching this glob (repeatable)', collect, [])
    .option('-o, --output <format>', 'unified (a diff per object) or json', parseDiffOutput, 'unified')
    .action(async (paths: string[], flags: DiffFlags) => {
      setExit(await runDiff(paths, flags, io));
    });
}

/** The plain resources of the plan (hooks are not compared, as in Argo CD), or the manifests' problems. */
async function plannedResources(paths: string[], flags: DiffFlags, io: CliIO): Promise<{ tasks: SyncTask[]; manifests: Manifest[] } | undefined> {
  try {
    const loaded = await loadManifests(paths, { recurse: flags.recurse ?? false, include: flags.include, exclude: flags.exclude, limits: manifestLimitsOf(io.env) });
    const planned = plan(loaded.manifests, { namespace: flags.namespace, startedAt: new Date(), skipHooks: true });
    for (const w of [...loaded.warnings, ...planned.warnings]) io.stderr.write(`warning: ${formatWarning(w)}\n`);
    return { tasks: planned.tasks, manifests: loaded.manifests };
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    for (const issue of err.issues) io.stderr.write(formatIssue(issue) + '\n');
    return undefined;
  }
}

/** Every difference between the planned resources and the cluster, in plan order, prunes last. */
export async function diffObjects(tasks: SyncTask[], manifests: readonly Manifest[], app: string, namespace: string, cluster: ClusterClient): Promise<ObjectDiff[]> {
  const out: ObjectDiff[] = [];
  for (const task of tasks) {
    if (!task.target) continue;
    const desired = decorateForApply(task.target, { app });
    const live = await cluster.get(refOf(task));
    if (!live) {
      out.push({ object: objectLabel(desired), action: 'create', differences: [{ path: '', desired, live: undefined }], diff: unifiedDiff(desired, undefined) });
      continue;
    }
    const { differences } = compareObjects(desired, live);
    if (differences.length > 0) out.push({ object: objectLabel(desired), action: 'change', differences, diff: unifiedDiff(desired, live) });
  }
  const targets = await targetIdentities(tasks, manifests, namespace, cluster);
  const candidates = await findPruneCandidates(cluster, createLiveIndex(cluster), { app, namespace, targets, inventory: [], notBefore: 0 });
  for (const live of candidates.filter((o: KubeObject) => !isHook(o.metadata.annotations ?? {}))) {
    out.push({ object: objectLabel(live), action: 'prune', differences: [{ path: '', desired: undefined, live }], diff: unifiedDiff(undefined, live) });
  }
  return out;
}

export async function runDiff(paths: string[], flags: DiffFlags, io: CliIO): Promise<number> {
  const planned = await plannedResources(paths, flags, io);
  if (!planned) return ExitCode.invalidInput;
  const { tasks, manifests } = planned;
  const connected = await connectCluster({ kubeconfig: flags.kubeconfig, context: flags.context, env: io.env });
  if ('error' in connected) {
    io.stderr.write(`hookrunner diff: ${connected.error}\n`);
    return ExitCode.infrastructure;
  }
  const cluster = connected.client;
  try {
    const invalid = await checkKinds(tasks, cluster);
    if (invalid.length > 0) {
      for (const r of invalid) io.stderr.write(`hookrunner diff: ${r.kind} ${r.name}: ${r.message}\n`);
      return ExitCode.invalidInput;
    }
    const diffs = await diffObjects(tasks, manifests, flags.app, flags.namespace, cluster);
    if (flags.output === 'json') io.stdout.write(JSON.stringify({ differences: diffs.map(({ diff: _text, ...rest }) => rest) }, null, 2) + '\n');
    else for (const d of diffs) io.stdout.write(d.action === 'prune' ? `# ${d.object}: not in the source (a sync with --prune deletes it)\n${d.diff}` : d.diff);
    return diffs.length > 0 ? ExitCode.failed : ExitCode.ok;
  } catch (err) {
    io.stderr.write(`hookrunner diff: ${errorMessage(err)}\n`);
    return ExitCode.infrastructure;
  } finally {
    cluster.close();
  }
}
