/**
 * `hookrunner worker --health-port`: a minimal HTTP liveness endpoint for a process that serves no
 * API. `GET /healthz` answers 200 while the process's event loop turns and the engine is running,
 * 503 once it is shutting down; anything else is 404. A blocked event loop (a synchronous busy loop,
 * a wedged native call) answers nothing, so the kubelet's probe times out and the pod is restarted.
 * It does not judge Redis or the cluster: restarting a worker fixes neither (readiness does that).
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';

export interface HealthPortOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Listen address. @defaultValue all interfaces */
  host?: string;
  /** False once the process is shutting down. @defaultValue always true */
  healthy?: () => boolean;
  /** How long `listen` may take. @defaultValue 5_000 */
  listenTimeoutMs?: number;
}

export interface HealthPort {
  /** The port actually bound. */
  readonly port: number;
  close(): Promise<void>;
}

export async function startHealthPort(options: HealthPortOptions): Promise<HealthPort> {
  const { port, host, healthy = () => true, listenTimeoutMs = 5_000 } = options;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/healthz') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const ok = healthy();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'shutting down\n');
  });
  server.requestTimeout = 5_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`health port ${port} did not start listening within ${listenTimeoutMs} ms`)), listenTimeoutMs);
    server.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    server.listen(port, host, () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
