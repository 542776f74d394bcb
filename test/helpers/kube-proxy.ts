import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does with one request: forward it, or drop it unanswered (the client sees its connection die). */
export type ProxyVerdict = 'forward' | 'drop';

export interface ProxyRequest {
  method: string;
  path: string;
}

export interface KubeProxy {
  url: string;
  /** A kubeconfig pointing at this proxy. */
  kubeconfig(): string;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the dev cluster, for crash tests: `before` may drop a request (after
 * killing its sender), `after` sees each answered request. Streaming answers (watch, logs) pass
 * through as they come.
 */
export async function startKubeProxy(options: {
  /** The API server: a URL, or a URL with TLS client material (the real control plane; the proxy then authenticates upstream with it). */
  target: string | { url: string; tls?: { ca: string; cert: string; key: string } };
  before?: (req: ProxyRequest) => ProxyVerdict;
  after?: (req: ProxyRequest, status: number) => void;
}): Promise<KubeProxy> {
  const spec = typeof options.target === 'string' ? { url: options.target } : options.target;
  const target = new URL(spec.url);
  const tls = spec.tls;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const info = { method: req.method ?? 'GET', path: req.url ?? '/' };
    if ((options.before?.(info) ?? 'forward') === 'drop') {
      req.socket.destroy();
      return;
    }
    const headers = { ...req.headers };
    if (tls) delete headers.authorization; // upstream identity is the client certificate
    const upstream = (tls ? httpsRequest : httpRequest)(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}) },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('end', () => options.after?.(info, up.statusCode ?? 502));
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    kubeconfig: () =>
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: proxy',
        '  cluster:',
        `    server: ${url}`,
        'users:',
        '- name: proxy',
        '  user:',
        '    token: dev-token',
        'contexts:',
        '- name: proxy',
        '  context:',
        '    cluster: proxy',
        '    user: proxy',
        'current-context: proxy',
        '',
      ].join('\n'),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
