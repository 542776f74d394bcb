/** `/api/v1/events`: server-sent events of operation and task changes, `?app=a,b` and `?operation=id` filters. */
import { Router } from 'express';
import type { Request } from 'express';
import type { EventFilter, EventHub } from '../event-hub.js';
import { validationProblem } from '../problem.js';
import { routeLabel } from './route-label.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const OPERATION_ID = /^[A-Za-z0-9._-]{1,128}$/;

function values(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.flatMap((v) => (typeof v === 'string' ? v.split(',') : [String(v)])).map((v) => v.trim()).filter((v) => v.length > 0);
}

function parseFilter(req: Request): EventFilter {
  const apps = values(req.query['app']);
  const operations = values(req.query['operation']);
  const badApp = apps.find((a) => !DNS_LABEL.test(a));
  if (badApp !== undefined) throw validationProblem([{ field: 'app', message: `"${badApp}" is not an application name (a DNS-1123 label)` }]);
  if (operations.length > 1 || (operations[0] !== undefined && !OPERATION_ID.test(operations[0]))) {
    throw validationProblem([{ field: 'operation', message: 'must be one operation id' }]);
  }
  return { ...(apps.length > 0 ? { apps: new Set(apps) } : {}), ...(operations[0] ? { operation: operations[0] } : {}) };
}

export function eventRoutes(hub: EventHub): Router {
  const router = Router();
  router.get('/', routeLabel, async (req, res) => {
    await hub.attach(req, res, parseFilter(req));
  });
  return router;
}
