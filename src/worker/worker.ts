/**
 * The step worker: consumes the `steps` queue (see `queue/consumers.ts` for its lock and stall
 * settings) and runs each step. Stateless: everything a step needs is in its payload and the
 * live cluster. It also takes the maintenance queue's D7 finalizer sweeps.
 */
import type { ClusterClient } from '../cluster/types.js';
import type { Manifest } from '../manifests/index.js';
import { createLiveIndex } from './live.js';
import { consumeMaintenance, consumeSteps } from '../queue/index.js';
import type { Bus, RedisTarget, StepDelivery } from '../queue/index.js';
import type { StepResult, TaskResult } from '../sync/index.js';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';
import type { StepDeps } from './deps.js';
import { sweepFinalizers } from './finalizers.js';
import { runStep } from './steps.js';
import { createStepPlanReader } from './step-plan.js';

export interface StepWorkerOptions {
  /** Where Redis is: a URL, or a Sentinel or cluster target. */
  redisUrl: RedisTarget;
  bus: Bus;
  cluster: ClusterClient;
  /** Steps run at once by this process. @defaultValue 8 */
  concurrency?: number;
  /** Queue settings (defaults in `queue/consumers.ts`). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /** How often a running step checks whether its operation is terminating. @defaultValue 1_000 */
  cancelPollMs?: number;
  /** D4: bytes of each container's log kept. @defaultValue 65_536 */
  logTailBytes?: number;
  /** Operations whose plan (read from its key by their steps) this process keeps for their next steps. @defaultValue 256 */
  planCacheOperations?: number;
  logger?: Logger;
}

export interface StepWorker {
  /** Stop taking steps; waits for the steps in hand unless `force`. */
  close(force?: boolean): Promise<void>;
}

/** A step's result as its job keeps it (and BullMQ's event stream repeats it): without the plan. */
export function keptResult(result: StepResult): StepResult {
  if (!result.plan) return result;
  const kept = { ...result };
  delete kept.plan;
  return kept;
}

export function createStepWorker(options: StepWorkerOptions): StepWorker {
  const { redisUrl, bus, cluster, concurrency = 8, cancelPollMs = 1_000, logTailBytes = 65_536, logger = silentLogger } = options;
  // §9.11: the prepare steps of this process share their scans of the cluster.
  const liveIndex = createLiveIndex(cluster);
  // Issue 13: steps name their tasks; the plan is read once per operation and attempt, not once per step.
  const plans = createStepPlanReader({ read: (key) => bus.redis.get(key), ...(options.planCacheOperations !== undefined ? { maxOperations: options.planCacheOperations } : {}) });
  const processor = async ({ data, attempt, last }: StepDelivery): Promise<StepResult> => {
    const { step, context } = data;
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
      liveIndex,
      logger,
      logTailBytes,
      now: () => Date.now(),
      manifestSet: async (key) => {
        const json = await bus.redis.get(key);
        return json === null ? undefined : (JSON.parse(json) as Manifest[]);
      },
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
      logger.info('step started', { step: step.id, kind: step.kind, phase: step.phase, wave: step.wave, attempt });
      const result = await runStep(data, deps, plans);
      if (flush) clearTimeout(flush);
      await bus.sendResult(result);
      logger.info('step finished', { step: step.id, tasks: result.results.length, terminated: result.terminated ?? false });
      // The job keeps its result for the sweep, without the plan (the result message carries it once;
      // the sweep runs a prepare step whose kept result has no plan again, see orchestrator/sweep.ts).
      return keptResult(result);
    } catch (err) {
      logger.error('step failed', { step: step.id, attempt, last, error: errorMessage(err) });
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

  const base = { redisUrl, prefix: bus.prefix, logger };
  const maintenance = consumeMaintenance(base, async (job) => void (await sweepFinalizers(cluster, job.runningSyncIds, logger)));
  const { lockDurationMs, stalledIntervalMs, maxStalledCount } = options;
  const settings = { ...(lockDurationMs !== undefined ? { lockDurationMs } : {}), ...(stalledIntervalMs !== undefined ? { stalledIntervalMs } : {}), ...(maxStalledCount !== undefined ? { maxStalledCount } : {}) };
  const steps = consumeSteps({ ...base, concurrency, ...settings }, processor);
  return {
    async close(force = false) {
      await Promise.all([steps.close(force), maintenance.close(force)]);
    },
  };
}
