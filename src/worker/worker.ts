/**
 * The step worker: a BullMQ consumer of the `steps` queue. Stateless: everything a step needs is
 * in its payload and the live cluster. Lock and stall settings make a step held by a killed
 * worker run again elsewhere within about 15 s (lock 8 s + two stall checks 3 s apart).
 */
import { Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { ClusterClient } from '../cluster/types.js';
import { QueueNames, redisConnection } from '../queue/index.js';
import type { Bus, FinalizerSweepData, StepJobData, StepJobName } from '../queue/index.js';
import type { StepResult, TaskResult } from '../sync/index.js';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';
import type { StepDeps } from './deps.js';
import { sweepFinalizers } from './finalizers.js';
import { runStep } from './steps.js';

export interface StepWorkerOptions {
  redisUrl: string;
  bus: Bus;
  cluster: ClusterClient;
  /** Steps run at once by this process. @defaultValue 8 */
  concurrency?: number;
  /** BullMQ lock; renewed every half. @defaultValue 8_000 */
  lockDurationMs?: number;
  /** How often stalled steps are looked for. @defaultValue 3_000 */
  stalledIntervalMs?: number;
  /** A step redelivered more often than this fails. @defaultValue 20 */
  maxStalledCount?: number;
  /** How often a running step checks whether its operation is terminating. @defaultValue 1_000 */
  cancelPollMs?: number;
  /** D4: bytes of each container's log kept. @defaultValue 65_536 */
  logTailBytes?: number;
  logger?: Logger;
}

export interface StepWorker {
  readonly worker: Worker<StepJobData, StepResult, StepJobName>;
  /** Stop taking steps; waits for the steps in hand unless `force`. */
  close(force?: boolean): Promise<void>;
}

export function createStepWorker(options: StepWorkerOptions): StepWorker {
  const { redisUrl, bus, cluster, concurrency = 8, lockDurationMs = 8_000, stalledIntervalMs = 3_000, maxStalledCount = 20, cancelPollMs = 1_000, logTailBytes = 65_536, logger = silentLogger } = options;
  const connection = redisConnection(redisUrl, 'worker');

  const processor = async (job: Job<StepJobData, StepResult, StepJobName>): Promise<StepResult> => {
    const { step, context } = job.data;
    const controller = new AbortController();
    let reason: 'user' | 'timeout' | undefined;
    const poll = setInterval(() => {
      bus
        .cancelReason(context.operationId)
        .then((r) => {
          if (r && !controller.signal.aborted) {
            reason = r;
            controller.abort(new Error(`operation ${r === 'user' ? 'terminated' : 'timed out'}`));
          }
        })
        .catch(() => undefined);
    }, cancelPollMs);
    let pending: TaskResult[] = [];
    let flush: NodeJS.Timeout | undefined;
    const deps: StepDeps = {
      cluster,
      logger,
      logTailBytes,
      now: () => Date.now(),
      cancel: { signal: controller.signal, reason: () => reason },
      progress: (results) => {
        pending.push(...results);
        flush ??= setTimeout(() => {
          const batch = pending;
          pending = [];
          flush = undefined;
          bus.sendProgress(context.operationId, step.id, batch).catch((err: unknown) => logger.warn('progress not sent', { error: errorMessage(err) }));
        }, 100);
      },
    };
    try {
      reason = await bus.cancelReason(context.operationId);
      if (reason) controller.abort();
      logger.info('step started', { step: step.id, kind: step.kind, phase: step.phase, wave: step.wave, attempt: job.attemptsMade + 1 });
      const result = await runStep(job.data, deps);
      if (flush) clearTimeout(flush);
      await bus.sendResult(result);
      logger.info('step finished', { step: step.id, tasks: result.results.length, terminated: result.terminated ?? false });
      return result;
    } catch (err) {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      logger.error('step failed', { step: step.id, attempt: job.attemptsMade + 1, last, error: errorMessage(err) });
      if (last) {
        // The queue will not try again: the operation must hear about it (as Error).
        const result: StepResult = { stepId: step.id, operationId: context.operationId, results: [], error: `step ${step.kind} failed: ${errorMessage(err)}`, finishedAt: Date.now() };
        await bus.sendResult(result);
        return result;
      }
      throw err;
    } finally {
      clearInterval(poll);
      if (flush) clearTimeout(flush);
    }
  };

  const maintenanceConnection = redisConnection(redisUrl, 'worker');
  const maintenance = new Worker<FinalizerSweepData>(QueueNames.maintenance, async (job) => void (await sweepFinalizers(cluster, job.data.runningSyncIds, logger)), {
    connection: maintenanceConnection,
    prefix: bus.prefix,
    concurrency: 1,
  });
  maintenance.on('error', (err) => logger.error('maintenance worker error', { error: errorMessage(err) }));
  const worker = new Worker<StepJobData, StepResult, StepJobName>(QueueNames.steps, processor, {
    connection,
    prefix: bus.prefix,
    concurrency,
    lockDuration: lockDurationMs,
    stalledInterval: stalledIntervalMs,
    maxStalledCount,
  });
  worker.on('error', (err) => logger.error('step worker error', { error: errorMessage(err) }));
  return {
    worker,
    async close(force = false) {
      await Promise.all([worker.close(force), maintenance.close(force)]);
      await Promise.allSettled([connection.quit(), maintenanceConnection.quit()]);
    },
  };
}
