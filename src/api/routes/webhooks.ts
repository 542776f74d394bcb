/**
 * `POST /api/v1/webhooks/git`: GitHub and GitLab push events (no bearer token: the signature or
 * the GitLab token is the authentication). Finds the automated applications whose repository and
 * branch match and answers at once (GitHub gives up on a delivery after 10 s) with each one's
 * fate: its sync is starting in the background (fetch, plan, submit; a failure is logged), or it
 * is queued until the application's running operation ends. Identical pushes (repository, ref,
 * commit) start one operation per application: the first claims the push in Redis (atomic, with a
 * TTL, shared by every replica); the others answer `duplicate` with the operation they joined.
 * Other methods answer 405 (`Allow: POST`) before any authentication.
 */
import { createHash } from 'node:crypto';
import express, { Router } from 'express';
import type { Logger } from 'pino';
import { normalizeRepoUrl } from '../../sources/index.js';
import type { ApplicationRecord, ApplicationStore } from '../../store/index.js';
import type { AutoSync, AutoSyncOutcome } from '../auto-sync.js';
import { HttpProblem } from '../problem.js';
import { parsePush, pushMatches, verifyWebhook } from '../webhook.js';
import { routeLabel } from './route-label.js';

export interface WebhookRoutesOptions {
  /** `HOOKRUNNER_WEBHOOK_SECRET`; without it the endpoint answers 404. */
  secret: string | undefined;
  applications: Pick<ApplicationStore, 'listApplications' | 'claimPush' | 'setPushOperation' | 'releasePush'>;
  autoSync: Pick<AutoSync, 'request'>;
  limitBytes: number;
  logger: Logger;
  /** How long a handled push (repository, ref, commit) is remembered per application. @defaultValue 600 */
  pushDedupeSeconds?: number;
  /** How long a duplicate push waits for the first one's operation id, to name it. @defaultValue 2_000 */
  joinWaitMs?: number;
}

/** One application's answer: the auto-sync's, or a duplicate of a push already handled. */
export type PushOutcome = AutoSyncOutcome | { app: string; status: 'duplicate'; operation?: string; firstRequest: string };

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
  const { secret, applications, autoSync, limitBytes, logger, pushDedupeSeconds = 600, joinWaitMs = 2_000 } = options;
  const router = Router();

  /** Claim the push for the app, then start its sync; a push already claimed joins the first one's operation. */
  async function handle(app: ApplicationRecord, commit: string | undefined, ref: string, initiatedBy: string, requestId: string): Promise<PushOutcome> {
    if (!commit) return autoSync.request(app, initiatedBy);
    const push = createHash('sha256').update(`${normalizeRepoUrl(app.source.repoURL)}\n${ref}\n${commit}`).digest('hex').slice(0, 32);
    let claimed = await applications.claimPush(app.name, push, { request: requestId, claimedAt: new Date().toISOString() }, pushDedupeSeconds);
    const started = Date.now();
    while (!claimed.first && !claimed.claim.operation && Date.now() - started < joinWaitMs) {
      await new Promise((r) => setTimeout(r, 100));
      claimed = await applications.claimPush(app.name, push, { request: requestId, claimedAt: new Date().toISOString() }, pushDedupeSeconds);
    }
    if (!claimed.first) return { app: app.name, status: 'duplicate', firstRequest: claimed.claim.request, ...(claimed.claim.operation ? { operation: claimed.claim.operation } : {}) };
    return autoSync.request(app, initiatedBy, {
      started: (operation) => applications.setPushOperation(app.name, push, operation),
      notStarted: () => applications.releasePush(app.name, push),
    });
  }

  // 405 before the signature check and before /api/v1's bearer authentication.
  router.all('/git', (req, _res, next) => {
    if (req.method === 'POST') {
      next();
      return;
    }
    next(new HttpProblem(405, `${req.method} is not allowed on the git webhook: send the push event with POST`, { type: 'method-not-allowed', headers: { Allow: 'POST' } }));
  });

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
    const requestId = String(res.locals['requestId'] ?? '');
    const outcomes = await Promise.all(candidates.map((app) => handle(app, push.after, push.ref, initiatedBy, requestId)));
    const named = (status: string): string[] => outcomes.filter((o) => o.status === status).map((o) => o.app);
    logger.info({ reqId: res.locals['requestId'], provider: verdict.provider, ref: push.ref, commit: push.after, starting: named('starting'), queued: named('queued'), duplicate: named('duplicate') }, 'git push handled');
    res.status(outcomes.length > 0 ? 202 : 200).json({ provider: verdict.provider, event: verdict.event, ref: push.ref, deleted: push.deleted, applications: outcomes });
  });

  return router;
}
