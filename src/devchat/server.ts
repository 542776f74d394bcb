/**
 * Local chat servers for the demo and tests: the Mattermost API v4 and Slack Web API endpoints hookrunner uses,
 * spoken over real HTTP (node `http`, port 0) so the real `@mattermost/client` and
 * `@slack/web-api` clients run on the wire. Each records what it received (with
 * arrival times) and can be told to fail: 429 with `Retry-After`, a status, a Slack platform error,
 * or never answering.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A scripted failure, used once per request, in the order given to `fail`. */
export type Fault =
  /** 429. Mattermost: plain-text `limit exceeded` with `Retry-After` and `X-RateLimit-*`; Slack: `{ok:false,error:'ratelimited'}`. */
  | { type: 'rateLimit'; retryAfterSec?: number }
  /** An HTTP error status with a JSON (Mattermost) or text (Slack) body. */
  | { type: 'status'; status: number }
  /** Slack only: HTTP 200 with `{ ok: false, error }`. */
  | { type: 'platformError'; error: string }
  /** Accept the request and never answer (until `close()`). */
  | { type: 'hang' };

export interface RecordedRequest {
  /** `users/me`, `channel`, `members/me`, `posts`, `patch`, `root`; Slack: the method, e.g. `chat.postMessage`. */
  endpoint: string;
  method: string;
  path: string;
  /** Arrival time, `performance.now()` of the test process. */
  at: number;
  /** The status answered, or `hang`. */
  status: number | 'hang';
}

export interface Base {
  /** `http://127.0.0.1:<port>` */
  url: string;
  host: string;
  port: number;
  requests: RecordedRequest[];
  /** Destroys open connections (also hanging requests) and stops listening. */
  close(): Promise<void>;
}

export interface Served {
  base: Base;
  fail(endpoint: string, faults: Fault[]): void;
}

/**
 * An HTTP server on 127.0.0.1, port 0, that records every request, answers scripted faults per
 * endpoint (in order), and hands the rest to `handle`.
 */
export async function serve(options: {
  flavor: 'mattermost' | 'slack';
  port: number | undefined;
  endpointOf(method: string, path: string): string;
  handle(req: IncomingMessage, body: string, res: ServerResponse, endpoint: string): void;
}): Promise<Served> {
  const requests: RecordedRequest[] = [];
  const faults = new Map<string, Fault[]>();
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const endpoint = options.endpointOf(req.method ?? 'GET', path);
      const record: RecordedRequest = { endpoint, method: req.method ?? '', path, at: performance.now(), status: 0 };
      requests.push(record);
      res.on('finish', () => (record.status = res.statusCode));
      const body = await readBody(req);
      if (!applyFault(faults.get(endpoint)?.shift(), res, record, options.flavor)) options.handle(req, body, res, endpoint);
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    base: { host: '127.0.0.1', port, url: `http://127.0.0.1:${port}`, requests, close },
    fail: (endpoint, list) => faults.set(endpoint, [...(faults.get(endpoint) ?? []), ...list]),
  };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const m = header ? /^bearer\s+(.+)$/i.exec(header) : null;
  return m?.[1];
}

/** Answer with the scripted fault, if any; true when the request is dealt with. */
export function applyFault(fault: Fault | undefined, res: ServerResponse, record: RecordedRequest, flavor: 'mattermost' | 'slack'): boolean {
  const mm = flavor === 'mattermost';
  if (fault?.type === 'hang') record.status = 'hang';
  else if (fault?.type === 'rateLimit') {
    const after = String(fault.retryAfterSec ?? 1);
    // Mattermost's limiter answers plain text, which Client4 cannot read.
    if (mm) res.writeHead(429, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': after, 'X-RateLimit-Limit': '10', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': after }).end('limit exceeded\n');
    else res.writeHead(429, { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': after }).end(JSON.stringify({ ok: false, error: 'ratelimited' }));
  } else if (fault?.type === 'platformError' && !mm) {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify({ ok: false, error: fault.error }));
  } else if (fault) {
    const status = fault.type === 'status' ? fault.status : 500;
    const body = { id: 'app.test.injected_fault.app_error', message: `injected fault ${status}`, detailed_error: '', request_id: 'req-test', status_code: status };
    if (mm) res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    else res.writeHead(status, { 'Content-Type': 'text/plain' }).end(`injected fault ${status}`);
  }
  return fault !== undefined;
}

// ---------------------------------------------------------------- Mattermost

