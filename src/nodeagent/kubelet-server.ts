/**
 * The node agent's kubelet endpoint: HTTPS with client certificates from the cluster CA (the API
 * server's kubelet client), serving `GET /containerLogs/{namespace}/{pod}/{container}` the way a
 * kubelet does so `kubectl logs` works, and `/healthz`. Anything else is 404; exec, attach and
 * port-forward are not offered (the agent runs processes, not containers).
 */
import { createServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '../manifests/index.js';
import { LogRequestError, selectLog, sendLog } from '../podruntime/pod-logs.js';
import type { PodRun } from '../podruntime/pod-run.js';

export interface KubeletServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  tls: { cert: string; key: string; ca: string };
  /** The Pod object and its run, by namespace and name. */
  lookup: (namespace: string, name: string) => { pod: KubeObject; run: PodRun | undefined } | undefined;
  onError: (err: unknown, context: string) => void;
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function handle(options: KubeletServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'https://node');
  if (req.method !== 'GET') return text(res, 405, 'method not allowed');
  if (url.pathname === '/healthz') return text(res, 200, 'ok');
  const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (!m) return text(res, 404, '404 page not found');
  const [namespace, name, container] = [m[1], m[2], m[3]].map((s) => decodeURIComponent(s ?? ''));
  const found = options.lookup(namespace ?? '', name ?? '');
  if (!found) return text(res, 404, `pod "${name}" in namespace "${namespace}" is not known to this node`);
  const params = new URLSearchParams(url.search);
  params.set('container', container ?? '');
  try {
    sendLog(req, res, selectLog(found.pod, found.run, params), params);
  } catch (err) {
    if (err instanceof LogRequestError) return text(res, 400, err.message);
    options.onError(err, `logs of ${namespace}/${name}/${container}`);
    if (!res.headersSent) text(res, 500, 'internal error');
  }
}

export async function startKubeletServer(options: KubeletServerOptions): Promise<{ server: Server; port: number }> {
  const server = createServer({ cert: options.tls.cert, key: options.tls.key, ca: options.tls.ca, requestCert: true, rejectUnauthorized: true }, (req, res) => handle(options, req, res));
  server.requestTimeout = 0; // followed logs stream for as long as the client reads
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}
