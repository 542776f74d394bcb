/** Listen with an {@link Api}'s app, and stop it gracefully: streams ended, connections drained, then closed. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Api } from './app.js';

export interface ApiServerOptions {
  api: Pick<Api, 'app' | 'close'>;
  /** 0 picks a free port. @defaultValue 8080 */
  port?: number;
  /** @defaultValue all interfaces */
  host?: string;
  /** How long open requests may take to finish on close before connections are cut. @defaultValue 5_000 */
  closeGraceMs?: number;
  /** Largest time to receive a request's headers (at most `requestTimeoutMs`). @defaultValue 30_000 */
  headersTimeoutMs?: number;
  /**
   * Largest time to receive a whole request, headers and body: a client sending a body slowly
   * (the webhook route buffers up to 5 MiB before it can check the signature) is cut off with a
   * 408. It covers receiving the request only, so long responses (event streams) are unaffected.
   * @defaultValue 60_000
   */
  requestTimeoutMs?: number;
}

export interface ApiServer {
  /** `http://<host>:<port>` (127.0.0.1 when listening on all interfaces). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** @throws the listen error (e.g. EADDRINUSE), with the port in its message */
export async function listenApi(options: ApiServerOptions): Promise<ApiServer> {
  const { api, port = 8080, host, closeGraceMs = 5_000, requestTimeoutMs = 60_000 } = options;
  if (!(Number.isInteger(requestTimeoutMs) && requestTimeoutMs > 0)) throw new RangeError(`requestTimeoutMs must be a positive integer, got ${requestTimeoutMs}`);
  // Node refuses a headers timeout longer than the request timeout.
  const headersTimeoutMs = Math.min(options.headersTimeoutMs ?? 30_000, requestTimeoutMs);
  if (!(Number.isInteger(headersTimeoutMs) && headersTimeoutMs > 0)) throw new RangeError(`headersTimeoutMs must be a positive integer, got ${options.headersTimeoutMs}`);
  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // How often Node checks those two timeouts (its default, 30 s, would let a 60 s limit run to 90 s).
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(headersTimeoutMs / 2))),
      keepAliveTimeout: 5_000,
    },
    api.app,
  );
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(new Error(`cannot listen on ${host ?? '*'}:${port}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await api.close();
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), closeGraceMs);
        timer.unref();
        await closed;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
