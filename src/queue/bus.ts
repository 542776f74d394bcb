import { Queue } from 'bullmq';
import type { StepResult, TaskResult } from '../sync/index.js';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';
import { closeRedis, isConnectionError, prefixFor, redisConnection } from './connection.js';
import type { RedisClient, RedisTarget } from './connection.js';
import { redisKeys } from './keys.js';
import { QueueNames, jobId } from './payloads.js';
import type { FinalizerSweepData, OrchestratorJobData, OrchestratorJobName, StepJobData, StepJobName } from './payloads.js';

export interface BusOptions {
  /** Where Redis is: a URL, or a Sentinel or cluster target. */
  redisUrl: RedisTarget;
  /** BullMQ key prefix; give each test or installation its own. On a Redis Cluster it is wrapped in a hash tag, `{hookrunner}` ({@link prefixFor}). @defaultValue 'hookrunner' */
  prefix?: string;
  /** Attempts for a step whose worker throws an infrastructure error. @defaultValue 5 */
  stepAttempts?: number;
  /** How long finished jobs are kept (their return values let the sweep recover a lost result). @defaultValue 3_600 s */
  keepFinishedSeconds?: number;
  /** Where Redis connection errors go, one line per change of state. @defaultValue silentLogger */
  logger?: Logger;
}

export type StepJobState = 'waiting' | 'active' | 'delayed' | 'prioritized' | 'waiting-children' | 'completed' | 'failed' | 'missing' | 'unknown';

export type JobCountState = 'waiting' | 'active' | 'delayed' | 'prioritized' | 'failed';

/** Job counts of one queue (metrics read them at scrape time). */
export interface JobCountSource {
  getJobCounts(...states: JobCountState[]): Promise<Record<string, number>>;
}

/** Producers for the step, orchestrator and maintenance queues, and the cancellation flag workers read (§10.1). */
export interface Bus {
  /** The key prefix in use (on a Redis Cluster, the hash-tagged one): the store and every consumer use this one. */
  readonly prefix: string;
  /** D7: ask a worker to release the finalizers of hooks whose operation is no longer running (deduplicated per minute). */
  requestFinalizerSweep(runningSyncIds: string[]): Promise<void>;
  /** Enqueue a step; the step id is the job id, so enqueuing it twice is a no-op. */
  emitStep(data: StepJobData): Promise<void>;
  sendResult(result: StepResult): Promise<void>;
  sendProgress(operationId: string, stepId: string, results: TaskResult[]): Promise<void>;
  /** Ask an orchestrator to look at an operation, now or after `delayMs`. A `key` dedupes. */
  kick(operationId: string, reason: string, options?: { delayMs?: number; key?: string }): Promise<void>;
  /** Where a step's job is; `completed` comes with its return value. */
  stepJob(stepId: string): Promise<{ state: StepJobState; result?: StepResult }>;
  /** Forget a step's job (a failed or emptied entry), so it can be emitted again. */
  removeStep(stepId: string): Promise<void>;
  /** True while a step's result is on the orchestrator queue and not yet handled. */
  resultPending(stepId: string): Promise<boolean>;
  /** Job counts of the steps and orchestrator queues, by queue name (metrics). */
  depthSources(): { steps: JobCountSource; orchestrator: JobCountSource };
  requestCancel(operationId: string, reason: 'user' | 'timeout'): Promise<void>;
  cancelReason(operationId: string): Promise<'user' | 'timeout' | undefined>;
  clearCancel(operationId: string): Promise<void>;
  /** A plain Redis client on the same server (for flags and the store). */
  readonly redis: RedisClient;
  close(): Promise<void>;
}

export function createBus(options: BusOptions): Bus {
  const { redisUrl, stepAttempts = 5, keepFinishedSeconds = 3_600, logger = silentLogger } = options;
  const prefix = prefixFor(redisUrl, options.prefix ?? 'hookrunner');
  const connection = redisConnection(redisUrl, 'client', { logger });
  const redis = redisConnection(redisUrl, 'client', { logger });
  const steps = new Queue<StepJobData, StepResult, StepJobName>(QueueNames.steps, { connection, prefix });
  const orchestrator = new Queue<OrchestratorJobData, void, OrchestratorJobName>(QueueNames.orchestrator, { connection, prefix });
  const maintenance = new Queue<FinalizerSweepData>(QueueNames.maintenance, { connection, prefix });
  // A Queue without an `error` listener prints BullMQ's errors raw; connection errors are logged by the client's watch.
  for (const queue of [steps, orchestrator, maintenance]) {
    queue.on('error', (err: unknown) => {
      if (!isConnectionError(err)) logger.error(`${queue.name} queue error`, { error: errorMessage(err) });
    });
  }
  const keep = { removeOnComplete: { age: keepFinishedSeconds, count: 10_000 }, removeOnFail: { age: keepFinishedSeconds * 24 } };
  const cancelKey = redisKeys(prefix).cancel;

  return {
    prefix,
    redis,
    async requestFinalizerSweep(runningSyncIds) {
      await maintenance.add('finalizers', { runningSyncIds }, { jobId: jobId('finalizers', Math.floor(Date.now() / 60_000)), attempts: 3, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: { age: 3_600 }, removeOnFail: { age: 24 * 3_600 } });
    },
    async emitStep(data) {
      await steps.add(data.step.kind, data, {
        jobId: jobId(data.step.id),
        attempts: stepAttempts,
        backoff: { type: 'exponential', delay: 1_000 },
        ...keep,
      });
    },
    async sendResult(result) {
      await orchestrator.add('stepResult', { type: 'stepResult', operationId: result.operationId, result }, {
        jobId: jobId(result.stepId, 'result'),
        attempts: 10,
        backoff: { type: 'exponential', delay: 500 },
        ...keep,
      });
    },
    async sendProgress(operationId, stepId, results) {
      await orchestrator.add('progress', { type: 'progress', operationId, stepId, results }, { attempts: 3, removeOnComplete: true, removeOnFail: { age: 600 } });
    },
    async kick(operationId, reason, opts = {}) {
      await orchestrator.add('advance', { type: 'advance', operationId, reason }, {
        ...(opts.key ? { jobId: jobId(operationId, opts.key) } : {}),
        ...(opts.delayMs ? { delay: opts.delayMs } : {}),
        attempts: 10,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: true,
        removeOnFail: { age: keepFinishedSeconds },
      });
    },
    async stepJob(stepId) {
      const job = await steps.getJob(jobId(stepId));
      if (!job) return { state: 'missing' };
      const state = (await job.getState()) as StepJobState;
      return state === 'completed' && job.returnvalue ? { state, result: job.returnvalue } : { state };
    },
    async removeStep(stepId) {
      await steps.remove(jobId(stepId));
    },
    async resultPending(stepId) {
      const job = await orchestrator.getJob(jobId(stepId, 'result'));
      return job !== undefined && (await job.getState()) !== 'completed';
    },
    depthSources() {
      return { steps: { getJobCounts: (...states) => steps.getJobCounts(...states) }, orchestrator: { getJobCounts: (...states) => orchestrator.getJobCounts(...states) } };
    },
    async requestCancel(operationId, reason) {
      await redis.set(cancelKey(operationId), reason, 'EX', 7 * 24 * 3600);
    },
    async cancelReason(operationId) {
      const v = await redis.get(cancelKey(operationId));
      return v === 'user' || v === 'timeout' ? v : undefined;
    },
    async clearCancel(operationId) {
      await redis.del(cancelKey(operationId));
    },
    async close() {
      await Promise.allSettled([steps.close(), orchestrator.close(), maintenance.close()]);
      await Promise.allSettled([closeRedis(connection), closeRedis(redis)]);
    },
  };
}
