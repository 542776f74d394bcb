import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { pino } from 'pino';
import { ApiConfigError, apiConfigFromEnv, createApi, createApiMetrics, listenApi } from '../api/index.js';
import type { Api, ApiMetrics, DepthQueues } from '../api/index.js';
import { createGitCache } from '../sources/index.js';
import { createLease } from '../store/index.js';
import type { DeliveryEntry } from '../store/index.js';
import type { Operation } from '../sync/index.js';
import { errorMessage, jsonLogger } from '../util/index.js';
import type { LogLevel } from '../util/index.js';
import type { ClusterClient } from '../cluster/index.js';
import { connectCluster } from './cluster.js';
import { ExitCode } from './exit-codes.js';
import { untilShutdown } from './io.js';
import type { CliIO } from './io.js';
import { notifierFactory } from '../notifications/index.js';
import { parseDurationOption, parsePositiveInt } from './options.js';
import { dnsLabel } from './sync.js';
import { startEngine } from '../engine/index.js';
import { RedisConfigError, describeTarget, redisKeys, redisTargetFromEnv } from '../queue/index.js';
import type { RedisTarget } from '../queue/index.js';

interface WorkerFlags {
  concurrency: number;
  kubeconfig?: string;
  context?: string;
}

function logLevel(env: CliIO['env']): LogLevel {
  const v = env['HOOKRUNNER_LOG_LEVEL'];
  return v === 'debug' || v === 'info' || v === 'warn' || v === 'error' || v === 'silent' ? v : 'info';
}

/** The Redis target from REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES (exactly one), or undefined after saying what is wrong. */
function requireRedis(io: CliIO, command: string): RedisTarget | undefined {
  try {
    return redisTargetFromEnv(io.env);
  } catch (err) {
    if (!(err instanceof RedisConfigError)) throw err;
    io.stderr.write(`hookrunner ${command}: ${err.message}; workers and the orchestrator share one Redis\n`);
    return undefined;
  }
}

/** The automation lease's TTL: 2s to 10m. */
function parseLeaseTtl(value: string): number {
  const ms = parseDurationOption(value);
  if (ms < 2_000 || ms > 600_000) throw new InvalidArgumentError(`must be from 2s to 10m, got "${value}"`);
  return ms;
}

/** A duration, or 0 (off). */
function parseDurationOrZero(value: string): number {
  return value.trim() === '0' ? 0 : parseDurationOption(value);
}

/** `hookrunner worker`: step workers only, until SIGTERM (steps in hand finish first). */
export function registerWorker(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command('worker')
    .description('Run step workers: carry out phase events from Redis against the cluster')
    .option('--concurrency <n>', 'steps run at once', parsePositiveInt, 8)
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .action(async (flags: WorkerFlags) => {
      setExit(await runLongLived('worker', { ...flags, orchestrator: false, workers: true }, io));
    });
}

/** `hookrunner serve [--all-in-one]`: the orchestrator (and with --all-in-one, workers too). */
export function registerServe(program: Command, io: CliIO, setExit: (code: number) => void, extra?: (engine: ReturnType<typeof startEngine>, flags: ServeFlags) => Promise<() => Promise<void>>): void {
  program
    .command('serve')
    .description('Run the HTTP API, dashboard and orchestrator (and, with --all-in-one, step workers) until stopped')
    .option('--all-in-one', 'also run step workers in this process')
    .option('--port <n>', 'HTTP port', parsePositiveInt, 8080)
    .option('--host <address>', 'HTTP listen address (default: all interfaces)')
    .option('--insecure-no-auth', 'serve /api/v1 without API tokens (local experiments only; never expose it)')
    .option('--concurrency <n>', 'steps run at once by the workers', parsePositiveInt, 8)
    .option('--kubeconfig <file>', 'kubeconfig file: the cluster application status is compared with, and (with --all-in-one) the workers sync to (default: $KUBECONFIG, ~/.kube/config, then in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('--git-poll-interval <duration>', 'read every application\'s source again this often, jittered ±10%; a new commit syncs automated applications without a webhook; 0 turns polling off (default: 3m)', parseDurationOrZero)
    .option('--watch-namespace <ns>', 'watch namespaced kinds in this namespace only, for application status (repeatable; for an identity whose Roles allow no cluster-wide watch; default: all namespaces)', (v: string, prev: string[]) => [...prev, dnsLabel('--watch-namespace')(v)], [])
    .option('--automation-lease-ttl <duration>', 'several serve replicas on one Redis: only the one holding a lease of this TTL (renewed every third of it) runs automated sync, self-heal and git polling; another takes over within it when that replica dies (default: 15s)', parseLeaseTtl)
    .option('--self-heal-timeout <duration>', 'selfHeal: undo live drift once it has lasted this long; each further self-heal within 10m waits 3 times longer; after 5 self-heals within 10m, self-heal stops as a loop (default: 5s)', parseDurationOption)
    .action(async (flags: ServeFlags) => {
      setExit(await runLongLived('serve', { ...flags, orchestrator: true, workers: flags.allInOne ?? false }, io, extra));
    });
}

export interface ServeFlags extends WorkerFlags {
  allInOne?: boolean;
  gitPollInterval?: number;
  selfHealTimeout?: number;
  automationLeaseTtl?: number;
  watchNamespace?: string[];
  port: number;
  host?: string;
  insecureNoAuth?: boolean;
}

/**
 * The HTTP side of `serve`: settings checked before anything starts (a missing token stops the
 * command), metrics that see the engine's transitions, then the API on `--port` once the engine runs.
 */
function prepareHttp(io: CliIO, flags: ServeFlags & { orchestrator: boolean; workers: boolean }) {
  const config = apiConfigFromEnv(io.env, { insecureNoAuth: flags.insecureNoAuth ?? false });
  let queues: ReturnType<typeof startEngine>['bus'] | undefined;
  const metrics: ApiMetrics = createApiMetrics({ processMetrics: true, queues: (): DepthQueues => queues?.depthSources() ?? {} });
  const logger = pino({ level: logLevel(io.env), base: { role: 'api' } }, { write: (line: string) => void io.stderr.write(line) });
  let api: Api | undefined;
  return {
    metrics,
    /** The engine's transitions, for the metrics and (once it runs) the API: a sync a push queued behind an operation starts when it ends. */
    async onTransition(previous: Operation | undefined, next: Operation): Promise<void> {
      metrics.onTransition(previous, next);
      await api?.onTransition(previous, next);
    },
    async start(engine: ReturnType<typeof startEngine>, cluster: ClusterClient | undefined): Promise<() => Promise<void>> {
      if (!engine.orchestrator) throw new Error('the API needs the orchestrator of this process');
      queues = engine.bus;
      const sources = createGitCache({ ...(config.cacheDir ? { dir: config.cacheDir } : {}), logger: jsonLogger({ level: logLevel(io.env), stream: io.stderr, base: { role: 'git' } }) });
      api = createApi({
        automationLease: createLease({ redis: engine.bus.redis, key: redisKeys(engine.bus.prefix).automationLease, ttlMs: flags.automationLeaseTtl ?? 15_000, logger: jsonLogger({ level: logLevel(io.env), stream: io.stderr, base: { role: 'api' } }) }),
        store: engine.store,
        applications: engine.applications,
        orchestrator: engine.orchestrator,
        sources,
        tokens: config.tokens,
        insecureNoAuth: flags.insecureNoAuth ?? false,
        ready: () => engine.bus.redis.ping(),
        notificationServices: notifierFactory(io.env, io.stderr).services,
        metrics,
        logger,
        ...(config.webhookSecret ? { webhookSecret: config.webhookSecret } : {}),
        ...(config.publicUrl ? { dashboardUrl: config.publicUrl } : {}),
        ...(cluster ? { cluster } : {}),
        status: {
          ...(flags.gitPollInterval !== undefined ? { gitPollIntervalMs: flags.gitPollInterval } : {}),
          ...(flags.selfHealTimeout !== undefined ? { selfHeal: { timeoutMs: flags.selfHealTimeout } } : {}),
          ...(flags.watchNamespace?.length ? { watchNamespaces: flags.watchNamespace } : {}),
        },
      });
      let server;
      try {
        server = await listenApi({ api, port: flags.port, ...(flags.host ? { host: flags.host } : {}) });
      } catch (err) {
        await api.close();
        api = undefined;
        await sources.close();
        throw err;
      }
      logger.info({ url: server.url, tokens: config.tokens.length, webhooks: config.webhookSecret !== undefined }, 'API listening');
      if (cluster) {
        try {
          await api.start();
          logger.info({ gitPollIntervalMs: flags.gitPollInterval ?? 180_000 }, 'application status started: watching the cluster, git polling');
        } catch (err) {
          logger.error({ err }, `application status could not start: ${errorMessage(err)}; every application shows Unknown`);
        }
      }
      return async () => {
        await server.close();
        await sources.close();
      };
    },
  };
}

async function runLongLived(
  command: string,
  flags: WorkerFlags & { orchestrator: boolean; workers: boolean; port?: number; allInOne?: boolean; host?: string; insecureNoAuth?: boolean; gitPollInterval?: number; selfHealTimeout?: number; watchNamespace?: string[] },
  io: CliIO,
  extra?: (engine: ReturnType<typeof startEngine>, flags: ServeFlags) => Promise<() => Promise<void>>,
): Promise<number> {
  const redisUrl = requireRedis(io, command);
  if (!redisUrl) return ExitCode.invalidInput;
  const logger = jsonLogger({ level: logLevel(io.env), stream: io.stderr, base: { role: command } });
  let http: ReturnType<typeof prepareHttp> | undefined;
  if (command === 'serve') {
    try {
      http = prepareHttp(io, { ...flags, port: flags.port ?? 8080 });
    } catch (err) {
      if (!(err instanceof ApiConfigError)) throw err;
      io.stderr.write(`hookrunner ${command}: ${err.message}\n`);
      return ExitCode.invalidInput;
    }
  }
  let cluster: ClusterClient | undefined;
  if (flags.workers || http) {
    const connected = await connectCluster({ kubeconfig: flags.kubeconfig, context: flags.context, env: io.env });
    if ('error' in connected) {
      if (flags.workers) {
        io.stderr.write(`hookrunner ${command}: ${connected.error}\n`);
        return ExitCode.infrastructure;
      }
      // The API and orchestrator work without a cluster; only application status needs one.
      logger.warn(`no cluster connection, so application status is off (every application Unknown, diff and resource tree answer 503): ${connected.error}`);
    } else cluster = connected.client;
  }
  const prefix = io.env['HOOKRUNNER_PREFIX'] ?? 'hookrunner';
  const metrics = http?.metrics;
  const notifications = flags.orchestrator
    ? { ...notifierFactory(io.env, io.stderr), ...(metrics ? { onDelivery: (e: DeliveryEntry) => metrics.recordNotificationDelivery(e.outcome === 'failed' ? 'failed' : e.outcome === 'skipped' ? 'skipped' : 'delivered') } : {}) }
    : undefined;
  const engine = startEngine({
    redisUrl,
    prefix,
    orchestrator: flags.orchestrator,
    workers: flags.workers,
    concurrency: flags.concurrency,
    logger,
    ...(cluster ? { cluster } : {}),
    ...(http ? { onTransition: http.onTransition } : {}),
    ...(notifications ? { notifications } : {}),
  });
  let stopExtra: (() => Promise<void>) | undefined;
  let stopHttp: (() => Promise<void>) | undefined;
  try {
    if (http) stopHttp = await http.start(engine, cluster);
    if (extra) stopExtra = await extra(engine, { ...flags, port: flags.port ?? 8080 });
    logger.info(`${command} started`, { redis: describeTarget(redisUrl), workers: flags.workers, orchestrator: flags.orchestrator, concurrency: flags.concurrency });
    if (notifications) {
      // A subscription to a service this process cannot reach is recorded as skipped: say so now, not only in each delivery log.
      for (const [service, state] of Object.entries(notifications.services())) {
        if (state !== 'configured') logger.warn(`${service} notifications are off: ${state}; subscriptions to ${service} will be recorded as skipped`, { service });
      }
    }
    if (engine.orchestrator) {
      await engine.orchestrator.sweep();
      await engine.orchestrator.sweepFinalizers(); // D7, once at start-up
    }
    const signal = await untilShutdown(io);
    logger.info(`${command} stopping`, { signal });
    return ExitCode.ok;
  } catch (err) {
    logger.error(`${command} failed`, { error: errorMessage(err) });
    return ExitCode.infrastructure;
  } finally {
    await stopHttp?.();
    await stopExtra?.();
    await engine.close();
    cluster?.close();
  }
}
