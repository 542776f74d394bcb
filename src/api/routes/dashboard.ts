/**
 * The dashboard: hand-written HTML, CSS and ES modules from `dashboard/public/` (no framework, no
 * bundler). It only reads the JSON API, with the token the user signs in with.
 */
import express, { Router } from 'express';

/** Content-Security-Policy of dashboard pages: everything from this origin, nothing inline. */
export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function dashboardRoutes(options: { dir: string }): Router {
  const router = Router();
  router.use(
    express.static(options.dir, {
      index: 'index.html',
      fallthrough: true,
      redirect: false,
      setHeaders(res, path) {
        res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
        res.setHeader('Cache-Control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=300');
      },
    }),
  );
  return router;
}
