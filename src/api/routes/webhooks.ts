/**
 * `POST /api/v1/webhooks/git`: GitHub and GitLab push events (no bearer token: the signature or
 * the GitLab token is the authentication). Finds the automated applications whose repository and
 * branch match and answers at once (GitHub gives up on a delivery after 10 s) with each one's
 * fate: its sync is starting in the background (fetch, plan, submit; a failure is logged), or it
 * is queued until the application's running operation ends.
 */
import express, { Router } from 'express';
import type { Logger } from 'pino';
import type { ApplicationStore } from '../../store/index.js';
import type { AutoSync } from '../auto-sync.js';
import { HttpProblem } from '../problem.js';
import { parsePush, pushMatches, verifyWebhook } from '../webhook.js';
import { routeLabel } from './route-label.js';

export interface WebhookRoutesOptions {
  /** `HOOKRUNNER_WEBHOOK_SECRET`; without it the endpoint answers 404. */
  secret: string | undefined;
  applications: Pick<ApplicationStore, 'listApplications'>;
  autoSync: Pick<AutoSync, 'request'>;
  limitBytes: number;
  logger: Logger;
}

const PUSH_EVENTS = new Set(['push', 'Push Hook', 'Tag Push Hook']);

function payloadOf(raw: Buffer, contentType: string | undefined): Record<string, unknown> {
  let text = raw.toString('utf8');
  if (/^application\/x-www-form-urlencoded/i.test(contentType ?? '')) text = new URLSearchParams(text).get('payload') ?? '';
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (err) {
    throw new HttpProblem(400, 'the webhook payload is not valid JSON', { type: 'validation', cause: err });
  }
  throw new HttpProblem(400, 'the webhook payload must be a JSON object', { type: 'validation' });
}

export function webhookRoutes(options: WebhookRoutesOptions): Router {
  const { secret, applications, autoSync, limitBytes, logger } = options;
  const router = Router();

  router.post('/git', routeLabel, express.raw({ type: () => true, limit: limitBytes }), async (req, res) => {
    if (!secret) throw new HttpProblem(404, 'git webhooks are disabled: set HOOKRUNNER_WEBHOOK_SECRET to enable them', { type: 'webhooks-disabled' });
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = verifyWebhook({ headers: req.headers, rawBody, secret });
    if (!verdict.ok) throw new HttpProblem(401, `webhook rejected: ${verdict.reason}`, { type: 'webhook-signature' });
    if (verdict.event === 'ping') {
      res.json({ provider: verdict.provider, event: 'ping', ok: true });
      return;
    }
    if (!PUSH_EVENTS.has(verdict.event)) {
      res.json({ provider: verdict.provider, event: verdict.event, ignored: 'only push events start syncs' });
      return;
    }
    const parsed = parsePush(verdict.provider, payloadOf(rawBody, req.get('content-type')));
    if ('error' in parsed) throw new HttpProblem(400, `${parsed.error.field} ${parsed.error.message}`, { type: 'validation', errors: [parsed.error] });
    const { push } = parsed;
    const candidates = push.deleted ? [] : (await applications.listApplications()).filter((app) => app.syncPolicy.automated && pushMatches(app, push));
    const initiatedBy = `webhook (${verdict.provider} push to ${push.ref})`;
    const outcomes = await Promise.all(candidates.map((app) => autoSync.request(app, initiatedBy)));
    const named = (status: string): string[] => outcomes.filter((o) => o.status === status).map((o) => o.app);
    logger.info({ reqId: res.locals['requestId'], provider: verdict.provider, ref: push.ref, starting: named('starting'), queued: named('queued') }, 'git push handled');
    res.status(outcomes.length > 0 ? 202 : 200).json({ provider: verdict.provider, event: verdict.event, ref: push.ref, deleted: push.deleted, applications: outcomes });
  });

  return router;
}
