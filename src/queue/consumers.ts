/**
 * The consumers of hookrunner's queues, with their BullMQ settings in one place. Callers hand in
 * a plain handler; nothing outside this folder touches a BullMQ Queue or Worker.
 */
import { Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { StepResult } from '../sync/index.js';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';
import { closeRedis, isConnectionError, redisConnection } from './connection.js';
import type { RedisTarget } from './connection.js';
import { QueueNames } from './payloads.js';
import type { FinalizerSweepData, OrchestratorJobData, OrchestratorJobName, StepJobData, StepJobName } from './payloads.js';

/** A running consumer. */
export interface Consumer {
  /** Stop taking jobs; waits for the jobs in hand unless `force`. */
  close(force?: boolean): Promise<void>;
}

interface ConsumerBase {
  /** Where Redis is: a URL, or a Sentinel or cluster target. */
  redisUrl: RedisTarget;
  /** BullMQ key prefix (the bus's). */
  prefix: string;
  logger?: Logger;
}

function consume<D, R, N extends string>(
  queue: string,
  label: string,
  base: ConsumerBase,
  handler: (job: Job<D, R, N>) => Promise<R>,
  settings: { concurrency: number; lockDuration?: number; stalledInterval?: number; maxStalledCount?: number },
): Consumer {
  const { logger = silentLogger } = base;
  const connection = redisConnection(base.redisUrl, 'worker', { logger });
  const worker = new Worker<D, R, N>(queue, handler, { connection, prefix: base.prefix, ...settings });
  // Connection errors are logged once per change of state by the client's watch, not per reconnect attempt here.
  worker.on('error', (err) => {
    if (!isConnectionError(err)) logger.error(`${label} error`, { error: errorMessage(err) });
  });
  return {
    async close(force = false) {
      await worker.close(force);
      await closeRedis(connection);
    },
  };
}

export interface OrchestratorConsumerOptions extends ConsumerBase {
  /** Events handled at once. @defaultValue 16 */
  concurrency?: number;
}

/** Consume orchestrator events (step results, progress, timers); a handler that throws is retried with backoff. */
export function consumeOrchestratorEvents(options: OrchestratorConsumerOptions, handler: (event: OrchestratorJobData) => Promise<void>): Consumer {
  return consume<OrchestratorJobData, void, OrchestratorJobName>(QueueNames.orchestrator, 'orchestrator queue', options, (job) => handler(job.data), {
    concurrency: options.concurrency ?? 16,
    lockDuration: 15_000,
    stalledInterval: 5_000,
    maxStalledCount: 50,
  });
}

/** One delivery of a step job. */
export interface StepDelivery {
  data: StepJobData;
  /** 1 for the first delivery. */
  attempt: number;
  /** True when the queue will not deliver it again if this one throws. */
  last: boolean;
}

export interface StepConsumerOptions extends ConsumerBase {
  /** Steps run at once by this process. @defaultValue 8 */
  concurrency?: number;
  /** The job lock; renewed every half. @defaultValue 8_000 */
  lockDurationMs?: number;
  /** How often stalled steps are looked for. @defaultValue 3_000 */
  stalledIntervalMs?: number;
  /** A step redelivered more often than this fails. @defaultValue 20 */
  maxStalledCount?: number;
}

/**
 * Consume steps. Lock and stall settings make a step held by a killed worker run again
 * elsewhere within about 15 s (lock 8 s + two stall checks 3 s apart). The handler's result is
 * kept as the job's return value (the sweep recovers a result whose message was lost).
 */
export function consumeSteps(options: StepConsumerOptions, handler: (delivery: StepDelivery) => Promise<StepResult>): Consumer {
  return consume<StepJobData, StepResult, StepJobName>(
    QueueNames.steps,
    'step worker',
    options,
    (job) => handler({ data: job.data, attempt: job.attemptsMade + 1, last: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) }),
    {
      concurrency: options.concurrency ?? 8,
      lockDuration: options.lockDurationMs ?? 8_000,
      stalledInterval: options.stalledIntervalMs ?? 3_000,
      maxStalledCount: options.maxStalledCount ?? 20,
    },
  );
}

/** Consume cluster housekeeping (the D7 finalizer sweep), one job at a time. */
export function consumeMaintenance(options: ConsumerBase, handler: (data: FinalizerSweepData) => Promise<void>): Consumer {
  return consume<FinalizerSweepData, void, string>(QueueNames.maintenance, 'maintenance worker', options, (job) => handler(job.data), { concurrency: 1 });
}
