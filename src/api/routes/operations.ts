/** `/api/v1/operations/:id`: the operation document (the CLI's JSON plus hook logs), termination (§10.1) and confirmation (§9.1, §11). */
import { Router } from 'express';
import type { Orchestrator } from '../../orchestrator/index.js';
import type { EpochWatch, Store } from '../../store/index.js';
import { isDone } from '../../sync/index.js';
import { apiOperationDocument } from '../documents.js';
import { HttpProblem } from '../problem.js';
import { routeLabel } from './route-label.js';

export interface OperationRoutesOptions {
  store: Pick<Store, 'getOperation'>;
  orchestrator: Pick<Orchestrator, 'terminate' | 'confirm'>;
  /** Operations lost in a Redis data loss answer 410 Gone instead of 404. */
  lostIn?: EpochWatch['lostIn'];
}

export function operationRoutes(options: OperationRoutesOptions): Router {
  const { store, orchestrator } = options;
  const router = Router();
  /** 404, or 410 for an operation this process saw running before Redis lost its data. */
  const notFound = (id: string): HttpProblem => {
    const loss = options.lostIn?.(id);
    if (loss) return new HttpProblem(410, `operation ${id} was lost in a Redis data loss detected at ${loss.detectedAt}: it was running when Redis lost its data (a restart without persistence, a failover or a flush); its outcome is unknown, sync again`, { type: 'lost', title: 'Operation lost' });
    return new HttpProblem(404, `operation ${id} not found`, { type: 'not-found' });
  };

  router.get('/:id', routeLabel, async (req, res) => {
    const id = req.params['id'] as string;
    const op = await store.getOperation(id);
    if (!op) throw notFound(id);
    res.json(apiOperationDocument(op));
  });

  router.post('/:id/terminate', routeLabel, async (req, res) => {
    const id = req.params['id'] as string;
    const op = await store.getOperation(id);
    if (!op) throw notFound(id);
    if (isDone(op)) throw new HttpProblem(409, `operation ${id} has already finished (${op.phase})`, { type: 'operation-finished' });
    const terminated = (await orchestrator.terminate(id)) ?? op;
    res.status(202).json(apiOperationDocument(terminated));
  });

  /** §9.1, §11: confirm the prunes or deletions the operation waits for (Argo CD's `argocd app confirm-deletion`). */
  router.post('/:id/confirm', routeLabel, async (req, res) => {
    const id = req.params['id'] as string;
    const op = await store.getOperation(id);
    if (!op) throw notFound(id);
    if (isDone(op)) throw new HttpProblem(409, `operation ${id} has already finished (${op.phase})`, { type: 'operation-finished' });
    if (!op.awaitingConfirmation) throw new HttpProblem(409, `operation ${id} is not waiting for a confirmation`, { type: 'nothing-to-confirm' });
    const confirmed = (await orchestrator.confirm(id, 'api')) ?? op;
    res.status(202).json(apiOperationDocument(confirmed));
  });

  return router;
}
