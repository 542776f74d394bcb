/** Probes and metrics: `/healthz` (the process answers), `/readyz` (Redis answers; which chat services notifications can reach), `/metrics` (Prometheus). */
import { Router } from 'express';
import type { EpochWatch } from '../../store/index.js';
import type { ApiMetrics } from '../metrics.js';
import { HttpProblem } from '../problem.js';
import { routeLabel } from './route-label.js';

export interface SystemRoutesOptions {
  /** Resolves when ready; rejects (or times out) when not. */
  ready: () => Promise<void>;
  readyTimeoutMs: number;
  metrics: ApiMetrics;
  /** Chat services and whether they can be posted to; a subscription to one that is not `configured` is recorded as skipped. */
  notificationServices?: () => Readonly<Record<string, string>>;
  /** Redis data-loss detection (store/epoch.ts): shown in the body; readiness does not fail for a past loss. */
  redisEpoch?: Pick<EpochWatch, 'current' | 'losses'>;
}

/**
 * What `/readyz` says of Redis's dataset: its epoch, and the last data loss this process saw
 * (when, which operations). A past loss does not make the process unready: it works again, and
 * restarting it (what a failing probe leads to) would bring nothing back and forget which
 * operations were lost; the body, the log and `hookrunner_redis_data_loss_total` report it.
 */
function redisStatus(epoch: Pick<EpochWatch, 'current' | 'losses'>): Record<string, unknown> {
  const last = epoch.losses[epoch.losses.length - 1];
  return {
    epoch: epoch.current ?? null,
    dataLosses: epoch.losses.length,
    ...(last
      ? {
          lastDataLoss: {
            detectedAt: last.detectedAt,
            message: `Redis lost its data (epoch ${last.previous.id} of ${last.previous.createdAt} gone), detected at ${last.detectedAt}: ${last.lostOperations.length} running operation(s) lost`,
            lostOperations: last.lostOperations.map((o) => o.id),
          },
        }
      : {}),
  };
}

export function systemRoutes(options: SystemRoutesOptions): Router {
  const { ready, readyTimeoutMs, metrics } = options;
  const router = Router();

  router.get('/healthz', routeLabel, (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', routeLabel, async (_req, res) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        ready(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${readyTimeoutMs}ms`)), readyTimeoutMs);
        }),
      ]);
    } catch (err) {
      throw new HttpProblem(503, `not ready: Redis does not answer (${(err as Error).message})`, { type: 'not-ready', cause: err });
    } finally {
      clearTimeout(timer);
    }
    res.json({ status: 'ready', ...(options.redisEpoch ? { redis: redisStatus(options.redisEpoch) } : {}), ...(options.notificationServices ? { notifications: options.notificationServices() } : {}) });
  });

  router.get('/metrics', routeLabel, async (_req, res) => {
    const text = await metrics.registry.metrics();
    res.type(metrics.registry.contentType).send(text);
  });

  return router;
}
