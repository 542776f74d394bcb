import type { RequestHandler } from 'express';

/**
 * Remember the matched route pattern (`/api/v1/applications/:name`) for metrics and logs, while
 * `req.baseUrl` still holds the router's mount path. Put it first on every route.
 */
export const routeLabel: RequestHandler = (req, res, next) => {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  res.locals['route'] = `${req.baseUrl}${typeof path === 'string' ? path : ''}`;
  next();
};
