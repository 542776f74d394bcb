/**
 * Every HTTP exchange with the API server: the kubeconfig (kubeconfig.ts) for credentials (token,
 * token file, exec and OIDC plugins, client certificates), `node:http(s)` for requests and watch
 * streams on one keep-alive agent, the client-side rate limit, a timeout on every request and
 * bounded retries with backoff.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Kubeconfig } from './kubeconfig.js';
import { AbortedError, backoffDelay, formatMs, sleep } from '../util/index.js';
import type { Logger } from '../util/index.js';
import { ClusterConfigError, ClusterUnreachableError, KubeApiError, isTransientApiError } from './errors.js';
import type { RequestDescription } from './errors.js';
import type { ResolvedOptions } from './options.js';
import type { RateLimiter } from './rate-limiter.js';
import { ERROR_BODY_BYTES, firstHeaders, readAnswer } from './answer.js';

export type Verb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiRequest {
  method: Verb;
  /** URL path, e.g. `/apis/batch/v1/namespaces/app/jobs/x`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON text. */
  body?: unknown;
  /** @defaultValue 'application/json' when there is a body */
  contentType?: string;
  /** What is being done, for error messages and logs. */
  describe: RequestDescription;
  signal?: AbortSignal;
}

export interface ApiResponse {
  status: number;
  text: string;
}

/** Connection-level failures worth another attempt. */
const RETRYABLE_NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** Longest `Retry-After` honoured, so a misbehaving server cannot park us for hours. */
const MAX_RETRY_AFTER_MS = 120_000;

/** A request that got no usable answer: refused, reset, or timed out. */
export class ConnectionFailure extends Error {
  override readonly name = 'ConnectionFailure';
}

function netCode(err: unknown): string | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; errno?: unknown; cause?: unknown; message?: unknown };
  if (typeof e.code === 'string') return e.code;
  if (typeof e.errno === 'string') return e.errno;
  if (typeof e.message === 'string' && /socket hang up/i.test(e.message)) return 'ECONNRESET';
  return e.cause !== undefined ? netCode(e.cause) : undefined;
}

export interface TransportOptions {
  kubeConfig: Kubeconfig;
  server: string;
  options: ResolvedOptions;
  rateLimiter: RateLimiter;
  logger: Logger;
}

export interface Transport {
  readonly server: string;
  /** One request with rate limit, timeout and retries; non-2xx → `KubeApiError`, no answer → `ClusterUnreachableError`. */
  request(req: ApiRequest): Promise<ApiResponse>;
  /** `request` and `JSON.parse` of the answer. */
  requestJson(req: ApiRequest): Promise<unknown>;
  /**
   * Open a streaming GET (a watch) with one attempt: resolves with the response once its headers
   * arrived (status 200); a non-200 answer → `KubeApiError`; no answer in time → `ConnectionFailure`.
   */
  openStream(path: string, query: ApiRequest['query'], signal: AbortSignal): Promise<IncomingMessage>;
  close(): void;
}

function buildUrl(server: string, path: string, query: ApiRequest['query']): URL {
  const url = new URL(server + path);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url;
}

export function createTransport(opts: TransportOptions): Transport {
  const { kubeConfig, server, options, rateLimiter, logger } = opts;
  const isHttps = server.startsWith('https:');
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster?.proxyUrl) {
    throw new ClusterConfigError(`the cluster's proxy-url is not supported (cluster ${JSON.stringify(cluster.name)})`, { field: 'kubeconfig' });
  }
  let agent: http.Agent | undefined;

  /** Auth headers for this request (tokens from files and plugins are refreshed by client-node). */
  async function authenticate(): Promise<{ headers: Record<string, string>; agent: http.Agent }> {
    const httpsOptions: https.RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(httpsOptions);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(httpsOptions.headers ?? {})) {
      if (typeof value === 'string' || typeof value === 'number') headers[key] = String(value);
    }
    const user = kubeConfig.getCurrentUser();
    if (user?.username && !headers['Authorization']) {
      headers['Authorization'] = `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
    }
    if (!agent) {
      agent = isHttps
        ? new https.Agent({
            keepAlive: true,
            ca: httpsOptions.ca,
            cert: httpsOptions.cert,
            key: httpsOptions.key,
            servername: httpsOptions.servername,
            rejectUnauthorized: cluster?.skipTLSVerify ? false : httpsOptions.rejectUnauthorized,
          })
        : new http.Agent({ keepAlive: true });
    }
    return { headers, agent };
  }

  /**
   * One exchange through `node:http(s)` on the shared keep-alive agent (issue 13: client-node's
   * fetch library cost a Headers object, a Request, a Response and an abort signal per request,
   * about 5 % of a busy worker's CPU). The timeout covers the whole exchange, body included.
   */
  async function attempt(req: ApiRequest): Promise<ApiResponse> {
    const url = buildUrl(server, req.path, req.query);
    const auth = await authenticate();
    const headers: Record<string, string> = { ...auth.headers, Accept: 'application/json, */*', 'Accept-Encoding': 'gzip', 'User-Agent': options.userAgent };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const { signal } = req;
    if (signal?.aborted) throw new AbortedError(`${req.describe.verb} ${req.describe.target} aborted`, { cause: signal.reason });
    return new Promise<ApiResponse>((resolve, reject) => {
      let timedOut = false;
      let settled = false;
      const exchange = (isHttps ? https : http).request(url, { method: req.method, headers, agent: auth.agent });
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const fail = (err: unknown): void =>
        settle(() => {
          if (signal?.aborted) reject(new AbortedError(`${req.describe.verb} ${req.describe.target} aborted`, { cause: err }));
          else if (timedOut) reject(new ConnectionFailure(`no answer within ${formatMs(options.requestTimeoutMs)}`, { cause: err }));
          else reject(new ConnectionFailure(netCode(err) ?? (err instanceof Error ? err.message : String(err)), { cause: err }));
        });
      const onAbort = (): void => void exchange.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      const timer = setTimeout(() => {
        timedOut = true;
        exchange.destroy(new Error('timed out'));
      }, options.requestTimeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      exchange.on('error', fail);
      exchange.on('response', (res) => {
        res.on('error', fail);
        // A connection closed in the middle of the body: no 'end', a 'close' with the message not complete.
        res.on('close', () => {
          if (!res.complete) fail(Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' }));
        });
        const status = res.statusCode ?? 0;
        readAnswer(res, options.maxResponseBytes, {
          onError: fail,
          onTooLarge: (size) => {
            const message = `the answer was over ${options.maxResponseBytes} bytes (${size} read; the client option maxResponseBytes)`;
            settle(() => reject(new KubeApiError({ code: status, reason: 'ResponseTooLarge', message }, { request: req.describe })));
            exchange.destroy();
          },
          onText: (text) =>
            settle(() => {
              if (status >= 200 && status < 300) {
                resolve({ status, text });
                return;
              }
              reject(KubeApiError.fromResponse(status, text, firstHeaders(res), req.describe));
            }),
        });
      });
      exchange.end(body);
    });
  }

  /** `false`, or the delay before the next attempt. */
  function retryDelay(err: unknown, attemptIndex: number): number | false {
    if (err instanceof KubeApiError) {
      if (!isTransientApiError(err)) return false;
      if (err.code === 429 && err.retryAfterSeconds !== undefined) return Math.min(err.retryAfterSeconds * 1000, MAX_RETRY_AFTER_MS);
      return backoffDelay(attemptIndex, options.retry);
    }
    if (err instanceof ConnectionFailure) {
      const code = netCode(err.cause);
      const noAnswer = err.message.startsWith('no answer within');
      if (!noAnswer && code !== undefined && !RETRYABLE_NET_CODES.has(code) && !code.startsWith('UND_ERR')) return false;
      return backoffDelay(attemptIndex, options.retry);
    }
    return false;
  }

  async function request(req: ApiRequest): Promise<ApiResponse> {
    const { attempts } = options.retry;
    for (let i = 0; ; i++) {
      await rateLimiter.take(req.signal);
      try {
        return await attempt(req);
      } catch (err) {
        const delay = i + 1 < attempts ? retryDelay(err, i) : false;
        if (delay === false) {
          if (err instanceof ConnectionFailure) throw new ClusterUnreachableError(server, i + 1, { cause: err, detail: err.message });
          throw err;
        }
        logger.debug('kubernetes request retry', {
          verb: req.describe.verb,
          target: req.describe.target,
          attempt: i + 1,
          delayMs: delay,
          error: err instanceof KubeApiError ? `${err.reason} (${err.code})` : (err as Error).message,
        });
        await sleep(delay, req.signal);
      }
    }
  }

  function openStream(path: string, query: ApiRequest['query'], signal: AbortSignal): Promise<IncomingMessage> {
    return (async () => {
      await rateLimiter.take(signal);
      const auth = await authenticate();
      const url = buildUrl(server, path, query);
      return await new Promise<IncomingMessage>((resolve, reject) => {
        const lib = isHttps ? https : http;
        const req = lib.request(url, { method: 'GET', headers: { ...auth.headers, Accept: 'application/json', 'User-Agent': options.userAgent }, agent: auth.agent, signal });
        const timer = setTimeout(() => req.destroy(new ConnectionFailure(`no answer within ${formatMs(options.requestTimeoutMs)}`)), options.requestTimeoutMs);
        req.on('error', (err) => {
          clearTimeout(timer);
          if (signal.aborted) reject(new AbortedError('watch stopped', { cause: err }));
          else reject(err instanceof ConnectionFailure ? err : new ConnectionFailure(netCode(err) ?? err.message, { cause: err }));
        });
        req.on('response', (res) => {
          clearTimeout(timer);
          if (res.statusCode === 200) {
            resolve(res);
            return;
          }
          // A failure's body, kept to its first 64 KiB (answer.ts).
          readAnswer(res, ERROR_BODY_BYTES, {
            onText: (text) => reject(KubeApiError.fromResponse(res.statusCode ?? 0, text, firstHeaders(res), { verb: 'watch', target: path })),
            onTooLarge: () => undefined,
            onError: (err) => reject(new ConnectionFailure(err.message, { cause: err })),
          });
          res.on('error', (err) => reject(new ConnectionFailure(err.message, { cause: err })));
        });
        req.end();
      });
    })();
  }

  return {
    server,
    request,
    async requestJson(req) {
      const { text } = await request(req);
      try {
        return JSON.parse(text) as unknown;
      } catch (err) {
        throw new KubeApiError(
          { code: 500, reason: 'InternalError', message: `the server answered ${req.describe.verb} ${req.describe.target} with invalid JSON` },
          { request: req.describe, cause: err },
        );
      }
    },
    openStream,
    close() {
      agent?.destroy();
      agent = undefined;
    },
  };
}
