import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { parseSize } from '../manifests/index.js';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { ApiConfigError, DEFAULT_PROJECT, ProjectFileError, apiConfigFromEnv, createApi, createApiMetrics, installProjects, listenApi, loadProjectsDir } from '../api/index.js';
import type { Api, ApiMetrics, DepthQueues } from '../api/index.js';
import { createGitCache } from '../sources/index.js';
import { createLease, createProjectStore } from '../store/index.js';
import type { DeliveryEntry, ProjectStore } from '../store/index.js';
import type { Operation } from '../sync/index.js';
import { coalescingWriter, errorMessage, jsonLogger } from '../util/index.js';
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
import { startHealthPort } from './health-port.js';
import { configureHeapGrowth } from './heap.js';
import type { HealthPort } from './health-port.js';
import { RedisConfigError, describeTarget, redisKeys, redisTargetFromEnv } from '../queue/index.js';
import type { RedisTarget } from '../queue/index.js';

interface WorkerFlags {
  concurrency: number;
  shutdownTimeout?: number;
  /** `worker --health-port`: serve `GET /healthz` for a liveness probe (see health-port.ts). */
  healthPort?: number;
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

/** Default of `--shutdown-timeout`: below Kubernetes' 30 s terminationGracePeriodSeconds (the chart's default). */
const SHUTDOWN_TIMEOUT_MS = 20_000;
const SHUTDOWN_HELP = 'after SIGTERM/SIGINT, wait this long for the steps and events in hand (and Redis) before stopping anyway with exit code 3; keep it below the pod\'s terminationGracePeriodSeconds (env HOOKRUNNER_SHUTDOWN_TIMEOUT; default: 20s)';

/** The shutdown deadline: the flag, else $HOOKRUNNER_SHUTDOWN_TIMEOUT, else 20 s. */
function shutdownTimeout(io: CliIO, flag: number | undefined): number | string {
  if (flag !== undefined) return flag;
  const env = io.env['HOOKRUNNER_SHUTDOWN_TIMEOUT'];
  if (env === undefined || env.trim() === '') return SHUTDOWN_TIMEOUT_MS;
  try {
    return parseDurationOption(env);
  } catch (err) {
    return `HOOKRUNNER_SHUTDOWN_TIMEOUT ${errorMessage(err)}`;
  }
}

/** Run `stop`; false when it did not end within `ms` (it goes on in the background). */
async function within(ms: number, stop: () => Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([stop().then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
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
    .option('--health-port <n>', 'serve GET /healthz on this port for a liveness probe (200 while the event loop turns; default: off)', parsePositiveInt)
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('--shutdown-timeout <duration>', SHUTDOWN_HELP, parseDurationOption)
    .action(async (flags: WorkerFlags) => {
      setExit(await runLongLived('worker', { ...flags, orchestrator: false, workers: true }, io));
    });
}

/** `hookrunner serve [--all-in-one]`: the orchestrator (and with --all-in-one, workers too). */
export function registerServe(program: Command, io: CliIO, setExit: (code: number) => void, extra?: Extra): void {
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
    .option('--shutdown-timeout <duration>', SHUTDOWN_HELP, parseDurationOption)
    .option('--max-body-size <size>', 'largest API request body, bytes or 512Ki/1Mi (default: $HOOKRUNNER_MAX_BODY_SIZE, else 1Mi)', sizeOption('--max-body-size'))
    .option('--max-manifest-file-size <size>', 'largest manifest file read from git (default: $HOOKRUNNER_MAX_MANIFEST_FILE_SIZE, else 1Mi)', sizeOption('--max-manifest-file-size'))
    .option('--max-manifests-size <size>', 'largest total of an application\'s manifest files (default: $HOOKRUNNER_MAX_MANIFESTS_SIZE, else 16Mi)', sizeOption('--max-manifests-size'))
    .option('--max-manifest-files <n>', 'most manifest files of one application (default: $HOOKRUNNER_MAX_MANIFEST_FILES, else 2000)', parsePositiveInt)
    .option('--automation-lease-ttl <duration>', 'several serve replicas on one Redis: only the one holding a lease of this TTL (renewed every third of it) runs automated sync, self-heal and git polling; another takes over within it when that replica dies (default: 15s)', parseLeaseTtl)
    .option('--self-heal-timeout <duration>', 'selfHeal: undo live drift once it has lasted this long; each further self-heal within 10m waits 3 times longer; after 5 self-heals within 10m, self-heal stops as a loop (default: 5s)', parseDurationOption)
    .option('--projects-dir <dir>', 'AppProject files (*.yaml, *.yml, *.json) the install defines, written at start; the API may not change them (default: $HOOKRUNNER_PROJECTS_DIR)')
    .option('--default-project <name>', 'the project of applications without spec.project (default: $HOOKRUNNER_DEFAULT_PROJECT, else default)')
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
  maxBodySize?: number;
  maxManifestFileSize?: number;
  maxManifestsSize?: number;
  maxManifestFiles?: number;
  projectsDir?: string;
  defaultProject?: string;
}

/**
 * docs/semantics.md §18: the install's projects (`--projects-dir`, and the built-in narrow
 * `default` unless the install defines one) written into Redis; the default project must exist.
 */
async function setUpProjects(engine: ReturnType<typeof startEngine>, flags: ServeFlags, env: NodeJS.ProcessEnv, logger: Logger): Promise<{ projects: ProjectStore; defaultProject: string }> {
  const dir = flags.projectsDir ?? (env['HOOKRUNNER_PROJECTS_DIR'] || undefined);
  const defaultProject = flags.defaultProject ?? (env['HOOKRUNNER_DEFAULT_PROJECT'] || DEFAULT_PROJECT);
  const store = createProjectStore({ redis: engine.bus.redis, prefix: engine.store.prefix });
  const defined = dir ? await loadProjectsDir(dir) : [];
  const ownNamespace = env['POD_NAMESPACE'] || undefined;
  const names = await installProjects({ store, projects: defined, ...(ownNamespace ? { ownNamespace } : {}) });
  if (!(await store.getProject(defaultProject))) throw new ProjectFileError(dir ?? '--default-project', `the default project ${defaultProject} is not defined (define it in --projects-dir)`);
  logger.info({ projectsDir: dir, installProjects: names, defaultProject }, 'projects installed');
  return { projects: store, defaultProject };
}

/** A size flag (`1Mi`, `512Ki`, bytes). */
function sizeOption(flag: string): (value: string) => number {
  return (value) => {
    try {
      return parseSize(value, flag);
    } catch (err) {
      throw new InvalidArgumentError(errorMessage(err));
    }
  };
}

/**
 * The HTTP side of `serve`: settings checked before anything starts (a missing token stops the
 * command), metrics that see the engine's transitions, then the API on `--port` once the engine runs.
 */
function prepareHttp(io: CliIO, flags: ServeFlags & { orchestrator: boolean; workers: boolean }) {
  const fromEnv = apiConfigFromEnv(io.env, { insecureNoAuth: flags.insecureNoAuth ?? false });
  // Flags override the environment (src/api/README.md "Body and manifest limits").
  const config = {
    ...fromEnv,
    limits: {
      maxBodyBytes: flags.maxBodySize ?? fromEnv.limits.maxBodyBytes,
      maxFileBytes: flags.maxManifestFileSize ?? fromEnv.limits.maxFileBytes,
      maxTotalBytes: flags.maxManifestsSize ?? fromEnv.limits.maxTotalBytes,
      maxFiles: flags.maxManifestFiles ?? fromEnv.limits.maxFiles,
    },
  };
  let queues: ReturnType<typeof startEngine>['bus'] | undefined;
  let epoch: ReturnType<typeof startEngine>['epoch'] | undefined;
  const metrics: ApiMetrics = createApiMetrics({ processMetrics: true, queues: (): DepthQueues => queues?.depthSources() ?? {}, redisEpoch: () => epoch?.current });
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
      epoch = engine.epoch;
      const projects = await setUpProjects(engine, flags, io.env, logger);
      const sources = createGitCache({ ...(config.cacheDir ? { dir: config.cacheDir } : {}), limits: config.limits, logger: jsonLogger({ level: logLevel(io.env), stream: io.stderr, base: { role: 'git' } }) });
      api = createApi({
        automationLease: createLease({ redis: engine.bus.redis, key: redisKeys(engine.bus.prefix).automationLease, ttlMs: flags.automationLeaseTtl ?? 15_000, logger: jsonLogger({ level: logLevel(io.env), stream: io.stderr, base: { role: 'api' } }) }),
        store: engine.store,
        applications: engine.applications,
        ...projects,
        orchestrator: engine.orchestrator,
        sources,
        tokens: config.tokens,
        insecureNoAuth: flags.insecureNoAuth ?? false,
        bodyLimitBytes: config.limits.maxBodyBytes,
        ready: () => engine.bus.redis.ping(),
        redisEpoch: engine.epoch,
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

type LongLivedFlags = WorkerFlags & { orchestrator: boolean; workers: boolean; port?: number; allInOne?: boolean; host?: string; insecureNoAuth?: boolean; gitPollInterval?: number; selfHealTimeout?: number; watchNamespace?: string[] };
type Extra = (engine: ReturnType<typeof startEngine>, flags: ServeFlags) => Promise<() => Promise<void>>;

/**
 * `worker` and `serve`: every line the process writes to stderr, its loggers' and its direct
 * ones, goes through one coalescing writer (util/logger.ts), so the lines of one event-loop turn
 * leave in one write, in the order written; flushed when the command returns, before `exitNow`,
 * and at process exit.
 */
async function runLongLived(command: string, flags: LongLivedFlags, io: CliIO, extra?: Extra): Promise<number> {
  const stderr = coalescingWriter(io.stderr);
  const { exitNow } = io;
  const coalesced: CliIO = {
    ...io,
    stderr,
    ...(exitNow
      ? {
          exitNow: (code: number): never => {
            stderr.flush();
            return exitNow(code);
          },
        }
      : {}),
  };
  try {
    return await runUntilStopped(command, flags, coalesced, extra);
  } finally {
    stderr.flush();
  }
}

async function runUntilStopped(command: string, flags: LongLivedFlags, io: CliIO, extra?: Extra): Promise<number> {
  const redisUrl = requireRedis(io, command);
  if (!redisUrl) return ExitCode.invalidInput;
  const deadlineMs = shutdownTimeout(io, flags.shutdownTimeout);
  if (typeof deadlineMs === 'string') {
    io.stderr.write(`hookrunner ${command}: ${deadlineMs}\n`);
    return ExitCode.invalidInput;
  }
  const heapProblem = configureHeapGrowth(io.env);
  if (heapProblem) {
    io.stderr.write(`hookrunner ${command}: ${heapProblem}\n`);
    return ExitCode.invalidInput;
  }
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
    ...(metrics ? { epoch: { onLoss: () => metrics.recordRedisDataLoss() } } : {}),
  });
  let stopExtra: (() => Promise<void>) | undefined;
  let stopHttp: (() => Promise<void>) | undefined;
  let code: number;
  let health: HealthPort | undefined;
  let stopping = false;
  try {
    if (flags.healthPort) health = await startHealthPort({ port: flags.healthPort, healthy: () => !stopping });
    if (http) stopHttp = await http.start(engine, cluster);
    if (extra) stopExtra = await extra(engine, { ...flags, port: flags.port ?? 8080 });
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
    logger.info(`${command} started`, { redis: describeTarget(redisUrl), workers: flags.workers, orchestrator: flags.orchestrator, concurrency: flags.concurrency });
    const signal = await untilShutdown(io);
    logger.info(`${command} stopping`, { signal, deadlineMs });
    code = ExitCode.ok;
  } catch (err) {
    if (err instanceof ProjectFileError) {
      io.stderr.write(`hookrunner ${command}: ${err.message}\n`);
      code = ExitCode.invalidInput;
    } else {
      logger.error(`${command} failed`, { error: errorMessage(err) });
      code = ExitCode.infrastructure;
    }
  }
  stopping = true;
  // SIGTERM always ends the process: what has not stopped by the deadline (a step still running,
  // Redis unreachable) is dropped; BullMQ's lock expiry and the orchestrator's sweep recover it.
  const stopped = await within(deadlineMs, async () => {
    await stopHttp?.();
    await stopExtra?.();
    await engine.close();
    await health?.close();
  });
  if (!stopped) {
    logger.error(`${command} did not stop within ${deadlineMs} ms (Redis unreachable or a step still running); stopped anyway, its steps go to another worker once their locks expire`, { deadlineMs });
    // As a process: exit now, as a SIGKILL would, so a step in hand does nothing more (no cleanup
    // of its hook on the way out); the step's BullMQ lock expires and another worker adopts it.
    io.exitNow?.(ExitCode.infrastructure);
    engine.forceClose();
    return ExitCode.infrastructure;
  }
  cluster?.close();
  logger.info(`${command} stopped`);
  return code;
}
