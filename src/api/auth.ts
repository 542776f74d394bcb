/**
 * Bearer-token authentication for `/api/v1/*` (all but the git webhook, which has its own check).
 * - no `Authorization` header, or not `Bearer <token>` → 401 with `WWW-Authenticate: Bearer`;
 * - a well-formed bearer token that is not one of ours → 403.
 * Tokens are compared in constant time: SHA-256 digests of equal length through
 * `crypto.timingSafeEqual`, against every configured token without stopping early.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpProblem } from './problem.js';

export interface BearerAuthOptions {
  /** Accepted tokens (at least one). */
  tokens: readonly string[];
  /** Realm in `WWW-Authenticate`. @defaultValue 'hookrunner' */
  realm?: string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** A matcher over the configured tokens; only digests are kept. */
export function tokenMatcher(tokens: readonly string[]): (candidate: string) => boolean {
  const known = tokens.map(digest);
  return (candidate) => {
    const given = digest(candidate);
    let match = false;
    for (const k of known) match = timingSafeEqual(given, k) || match;
    return match;
  };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined when absent or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return m?.[1];
}

export function bearerAuth(options: BearerAuthOptions): RequestHandler {
  const { realm = 'hookrunner' } = options;
  if (options.tokens.length === 0) throw new Error('bearerAuth needs at least one token');
  const matches = tokenMatcher(options.tokens);
  return (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    if (token === undefined) {
      const detail = req.get('authorization') ? 'the Authorization header must be "Bearer <token>"' : 'an API token is required: send "Authorization: Bearer <token>"';
      next(new HttpProblem(401, detail, { type: 'unauthenticated', headers: { 'WWW-Authenticate': `Bearer realm="${realm}"` } }));
      return;
    }
    if (!matches(token)) {
      next(new HttpProblem(403, 'the API token is not accepted', { type: 'forbidden' }));
      return;
    }
    res.locals['authenticated'] = true;
    next();
  };
}
