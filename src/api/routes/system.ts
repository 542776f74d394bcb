/** Probes and metrics: `/healthz` (the process answers), `/readyz` (Redis answers; which chat services notifications can reach), `/metrics` (Prometheus). */
import { Router } from 'express';
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
    res.json({ status: 'ready', ...(options.notificationServices ? { notifications: options.notificationServices() } : {}) });
  });

  router.get('/metrics', routeLabel, async (_req, res) => {
    const text = await metrics.registry.metrics();
    res.type(metrics.registry.contentType).send(text);
  });

  return router;
}
