/** `/api/v1/operations/:id`: the operation document (the CLI's JSON plus hook logs), termination (§10.1) and confirmation (§9.1, §11). */
import { Router } from 'express';
import type { Orchestrator } from '../../orchestrator/index.js';
import type { Store } from '../../store/index.js';
import { isDone } from '../../sync/index.js';
import { apiOperationDocument } from '../documents.js';
import { HttpProblem } from '../problem.js';
import { routeLabel } from './route-label.js';

export interface OperationRoutesOptions {
  store: Pick<Store, 'getOperation'>;
  orchestrator: Pick<Orchestrator, 'terminate' | 'confirm'>;
}

export function operationRoutes(options: OperationRoutesOptions): Router {
  const { store, orchestrator } = options;
  const router = Router();

  router.get('/:id', routeLabel, async (req, res) => {
    const id = req.params['id'] as string;
    const op = await store.getOperation(id);
    if (!op) throw new HttpProblem(404, `operation ${id} not found`, { type: 'not-found' });
    res.json(apiOperationDocument(op));
  });

  router.post('/:id/terminate', routeLabel, async (req, res) => {
    const id = req.params['id'] as string;
    const op = await store.getOperation(id);
    if (!op) throw new HttpProblem(404, `operation ${id} not found`, { type: 'not-found' });
    if (isDone(op)) throw new HttpProblem(409, `operation ${id} has already finished (${op.phase})`, { type: 'operation-finished' });
    const terminated = (await orchestrator.terminate(id)) ?? op;
    res.status(202).json(apiOperationDocument(terminated));
  });

  /** §9.1, §11: confirm the prunes or deletions the operation waits for (Argo CD's `argocd app confirm-deletion`). */
  router.post('/:id/confirm', routeLabel, async (req, res) => {
    const id = req.params['id'] as string;
    const op = await store.getOperation(id);
    if (!op) throw new HttpProblem(404, `operation ${id} not found`, { type: 'not-found' });
    if (isDone(op)) throw new HttpProblem(409, `operation ${id} has already finished (${op.phase})`, { type: 'operation-finished' });
    if (!op.awaitingConfirmation) throw new HttpProblem(409, `operation ${id} is not waiting for a confirmation`, { type: 'nothing-to-confirm' });
    const confirmed = (await orchestrator.confirm(id, 'api')) ?? op;
    res.status(202).json(apiOperationDocument(confirmed));
  });

  return router;
}
