/**
 * `hookrunner dev-cluster`: a local Kubernetes-API-compatible server that runs hook Jobs as local
 * processes; with `--real`, the real control plane (etcd, kube-apiserver, controller manager,
 * scheduler, built by `npm run control-plane:build`) and the node agent.
 */
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { ControlPlaneError, startControlPlane } from '../controlplane/index.js';
import type { ComponentFailedError, ControlPlane } from '../controlplane/index.js';
import { DevClusterError, loadImageMapping, parseFaultSpec, startDevCluster } from '../devcluster/index.js';
import type { DevCluster, DevClusterLogger, FaultOptions, ImageMapping } from '../devcluster/index.js';
import { ExitCode } from './exit-codes.js';
import { untilShutdown } from './io.js';
import type { CliIO } from './io.js';

export interface DevClusterFlags {
  port: number;
  host: string;
  kubeconfig: string;
  images?: string;
  faults?: string;
  real?: boolean;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError(`must be a port number from 0 to 65535, got "${value}"`);
  return n;
}

export function registerDevCluster(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command('dev-cluster')
    .description('Run a local Kubernetes-API-compatible server that keeps objects in memory and runs each Job\'s containers as local processes')
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 0)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--kubeconfig <file>', 'where to write the kubeconfig', './dev-cluster.kubeconfig')
    .option('--images <file>', 'YAML image mapping: image glob → { entrypoint: [argv...] } (see images/dev-cluster.yaml)')
    .option('--faults <spec>', 'fault injection, e.g. rate=0.2,codes=429/500/503,retry-after=1,latency=20ms,drop-watch=3s')
    .option('--real', 'run the real control plane instead (etcd, kube-apiserver, kube-controller-manager, kube-scheduler from `npm run control-plane:build` or $KUBEBUILDER_ASSETS) with a node agent that runs Pods as local processes')
    .action(async (flags: DevClusterFlags) => {
      setExit(await runDevCluster(flags, io));
    });
}

function stderrLogger(io: CliIO): DevClusterLogger {
  const line = (level: string) => (fields: Record<string, unknown>, message: string): void => {
    io.stderr.write(`hookrunner dev-cluster: ${level}: ${message}${Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : ''}\n`);
  };
  return { debug: () => undefined, info: () => undefined, warn: line('warning'), error: line('error') };
}

/** Start, print how to reach it, run until shutdown (SIGINT/SIGTERM or `io.shutdown`), stop. Resolves to the exit code. */
export async function runDevCluster(flags: DevClusterFlags, io: CliIO): Promise<number> {
  let images: ImageMapping | undefined;
  let faults: FaultOptions | undefined;
  try {
    if (flags.images) images = await loadImageMapping(flags.images);
    if (flags.faults) faults = parseFaultSpec(flags.faults);
  } catch (err) {
    io.stderr.write(`hookrunner dev-cluster: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.invalidInput;
  }
  if (flags.real) return runRealControlPlane(flags, images, io);
  let cluster: DevCluster;
  try {
    cluster = await startDevCluster({ port: flags.port, host: flags.host, logger: stderrLogger(io), ...(images ? { images } : {}), ...(faults ? { faults } : {}) });
  } catch (err) {
    io.stderr.write(`hookrunner dev-cluster: ${err instanceof Error ? err.message : String(err)}\n`);
    const listenFailure = err instanceof DevClusterError && err.cause instanceof Error;
    return listenFailure ? ExitCode.infrastructure : ExitCode.invalidInput;
  }
  try {
    const kubeconfig = resolve(flags.kubeconfig);
    await cluster.writeKubeconfig(kubeconfig);
    io.stdout.write(`dev cluster listening on ${cluster.url}\n`);
    io.stdout.write(`kubeconfig written to ${kubeconfig}\n`);
    io.stdout.write(`export KUBECONFIG=${kubeconfig}\n`);
    await untilShutdown(io);
    return ExitCode.ok;
  } catch (err) {
    io.stderr.write(`hookrunner dev-cluster: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.infrastructure;
  } finally {
    await cluster.stop();
    io.stdout.write('dev cluster stopped\n');
  }
}

/** `--real`: start the control plane, print what runs where, serve until shutdown or until a component dies. */
async function runRealControlPlane(flags: DevClusterFlags, images: ImageMapping | undefined, io: CliIO): Promise<number> {
  if (flags.faults) {
    io.stderr.write('hookrunner dev-cluster: --faults works only with the embedded dev cluster, not with --real\n');
    return ExitCode.invalidInput;
  }
  if (flags.host !== '127.0.0.1') {
    io.stderr.write('hookrunner dev-cluster: --real listens on 127.0.0.1 only (--host is for the embedded dev cluster)\n');
    return ExitCode.invalidInput;
  }
  let died: ((err: ComponentFailedError) => void) | undefined;
  const failure = new Promise<ComponentFailedError>((resolve) => (died = resolve));
  io.stdout.write('starting the real control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, node agent)…\n');
  let plane: ControlPlane;
  try {
    plane = await startControlPlane({ port: flags.port, ...(images ? { images } : {}), onFailure: (err) => died?.(err) });
  } catch (err) {
    io.stderr.write(`hookrunner dev-cluster: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof ControlPlaneError && /needs .*control-plane:build/.test(err.message) ? ExitCode.invalidInput : ExitCode.infrastructure;
  }
  try {
    const kubeconfig = resolve(flags.kubeconfig);
    await plane.writeKubeconfig(kubeconfig);
    io.stdout.write(`real control plane ${plane.version} listening on ${plane.url}\n`);
    for (const c of plane.components()) io.stdout.write(`  ${c.name.padEnd(24)} pid ${String(c.pid ?? '-').padEnd(8)} ${c.logFile || '(in this process)'}\n`);
    io.stdout.write(`node ${plane.nodeName} runs Pods as local processes\n`);
    io.stdout.write(`kubeconfig written to ${kubeconfig}\n`);
    io.stdout.write(`export KUBECONFIG=${kubeconfig}\n`);
    const ended = await Promise.race([untilShutdown(io).then(() => undefined), failure]);
    if (ended) {
      io.stderr.write(`hookrunner dev-cluster: ${ended.component} died; stopping the rest\n${ended.message}\n`);
      return ExitCode.infrastructure;
    }
    return ExitCode.ok;
  } catch (err) {
    io.stderr.write(`hookrunner dev-cluster: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.infrastructure;
  } finally {
    await plane.stop();
    io.stdout.write('control plane stopped\n');
  }
}
