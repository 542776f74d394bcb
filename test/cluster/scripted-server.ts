/**
 * A scripted HTTP server for the few transport behaviours that need exact, repeatable answers
 * (a lost response, a Retry-After, a 403 that must not be retried). The client on the wire is the
 * real one; everything else is tested against the dev cluster.
 */
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedRequest {
  method: string;
  /** Path and query, e.g. `/apis/batch/v1/namespaces/app/jobs?fieldManager=hookrunner`. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type ScriptedHandler = (req: ScriptedRequest, res: ServerResponse) => void;

export interface ScriptedServer {
  url: string;
  /** Every request but discovery, in arrival order. */
  requests: ScriptedRequest[];
  close(): Promise<void>;
}

const RESOURCES: Record<string, { name: string; kind: string; namespaced: boolean }[]> = {
  '/api/v1': [
    { name: 'pods', kind: 'Pod', namespaced: true },
    { name: 'pods/log', kind: 'Pod', namespaced: true },
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
    { name: 'namespaces', kind: 'Namespace', namespaced: false },
  ],
  '/apis/batch/v1': [
    { name: 'jobs', kind: 'Job', namespaced: true },
    { name: 'jobs/status', kind: 'Job', namespaced: true },
  ],
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function status(code: number, reason: string, message: string, details?: unknown): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details ? { details } : {}) };
}

/** `tls`: serve HTTPS with this certificate and key (PEM). */
export async function startScriptedServer(handler: ScriptedHandler, options: { tls?: { cert: string; key: string } } = {}): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const resources = RESOURCES[path];
      if (req.method === 'GET' && resources) {
        sendJson(res, 200, { kind: 'APIResourceList', groupVersion: path.replace(/^\/apis?\//, ''), resources });
        return;
      }
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      handler(request, res);
    });
  };
  const server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A kubeconfig (YAML) pointing at `server`, with an optional bearer token. */
export function kubeconfigYaml(server: string, options: { token?: string; namespace?: string; context?: string } = {}): string {
  const context = options.context ?? 'test';
  return [
    'apiVersion: v1',
    'kind: Config',
    `current-context: ${context}`,
    'clusters:',
    `- name: ${context}-cluster`,
    '  cluster:',
    `    server: ${server}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    `- name: ${context}-user`,
    '  user:',
    options.token ? `    token: ${options.token}` : '    {}',
    'contexts:',
    `- name: ${context}`,
    '  context:',
    `    cluster: ${context}-cluster`,
    `    user: ${context}-user`,
    ...(options.namespace ? [`    namespace: ${options.namespace}`] : []),
    '',
  ].join('\n');
}
