/** Request ids and one JSON log line per request (pino): method, path, status, duration — never headers, query or body. */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** Paths polled by probes and scrapers: logged at debug, not info. */
const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

/** Take a sane `X-Request-Id` or make one; echo it back; log the request when it ends. */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const requestId = given && SAFE_ID.test(given) ? given : randomUUID();
    const started = process.hrtime.bigint();
    const path = req.path;
    res.locals['requestId'] = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const fields = { reqId: requestId, method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 };
      if (QUIET.has(path)) logger.debug(fields, 'request');
      else logger.info(fields, 'request');
    });
    next();
  };
}
