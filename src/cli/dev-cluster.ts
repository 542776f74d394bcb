/** `hookrunner dev-cluster`: a local Kubernetes-API-compatible server that runs hook Jobs as local processes. */
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
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
    .option('--images <file>', 'YAML image mapping: image glob → { entrypoint: [argv...] } (see examples/dev-cluster-images.yaml)')
    .option('--faults <spec>', 'fault injection, e.g. rate=0.2,codes=429/500/503,retry-after=1,latency=20ms,drop-watch=3s')
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
