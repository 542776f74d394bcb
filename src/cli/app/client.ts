/**
 * HTTP to the service's `/api/v1` with Node's fetch: a timeout on every request, bounded retries
 * with backoff for GETs only (connection errors, 502, 503, 504), RFC 7807 problem details kept
 * for the message. The token goes in the Authorization header and nowhere else: no error, debug
 * line or message carries it.
 */
import { formatMs, linkedSignal, sleep as defaultSleep } from '../../util/index.js';

/** An RFC 7807 problem as the server sends it (src/api/problem.ts). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  requestId?: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

/** The server answered with an error status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly problem: Problem,
    /** Whether the request carried a token (a 401 then means it was refused, not missing). */
    readonly sentToken: boolean,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

/** No answer: the server could not be reached, or did not answer in time. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  constructor(message: string, readonly kind: 'unreachable' | 'timeout') {
    super(message);
  }
}

/** The server answered something this client cannot read. */
export class ResponseError extends Error {
  override readonly name = 'ResponseError';
}

export interface ApiClientOptions {
  /** Base URL without `/api/v1` (as {@link resolveConnection} gives it). */
  server: string;
  /** Sent as `Authorization: Bearer …` when set. */
  token?: string;
  /** Per request, until the whole body is read (events: until the stream opens). @defaultValue 30_000 */
  requestTimeoutMs?: number;
  /** Extra attempts of a GET after a connection error, 502, 503 or 504. @defaultValue 3 */
  retries?: number;
  /** The first retry's delay; it doubles, capped at 5 s. A 503's `Retry-After` (≤ 10 s) wins. @defaultValue 500 */
  backoffMs?: number;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** @defaultValue setTimeout-based sleep */
  sleep?: (ms: number) => Promise<void>;
  /** One line per request (method, URL, status, time; never headers or bodies), for --verbose. */
  debug?: (line: string) => void;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface ApiClient {
  readonly server: string;
  get(path: string, query?: Query, signal?: AbortSignal): Promise<unknown>;
  post(path: string, body?: unknown): Promise<unknown>;
  delete(path: string, query?: Query): Promise<unknown>;
  /** Open `GET /api/v1<path>` as a server-sent-event stream; the timeout covers only the opening. */
  events(path: string, query: Query, signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
}

const RETRY_STATUSES = new Set([502, 503, 504]);

function urlOf(server: string, path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return `${server}/api/v1${path}${qs ? `?${qs}` : ''}`;
}

function causeText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.message ?? cause?.code ?? (err instanceof Error ? err.message : String(err));
}

async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Problem;
  } catch {
    // not JSON: a proxy's page, say
  }
  const flat = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return { status: res.status, title: res.statusText || `HTTP ${res.status}`, ...(flat ? { detail: flat.slice(0, 200) } : {}) };
}

function retryAfterMs(res: Response): number | undefined {
  const value = res.headers.get('retry-after');
  if (!value || !/^\d+$/.test(value)) return undefined;
  const ms = Number(value) * 1000;
  return ms <= 10_000 ? ms : undefined;
}

interface Asked {
  server: string;
  method: string;
  path: string;
  requestTimeoutMs: number;
  sentToken: boolean;
}

/** The JSON of a success (undefined when empty), an ApiError for an error status. */
async function readAnswer(res: Response, asked: Asked): Promise<unknown> {
  const { server, method, path, requestTimeoutMs } = asked;
  if (!res.ok) throw new ApiError(method, path, res.status, await problemOf(res), asked.sentToken);
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') throw new ConnectionError(`the answer of ${server} to ${method} /api/v1${path} did not arrive within ${formatMs(requestTimeoutMs)} (--request-timeout)`, 'timeout');
    throw new ConnectionError(`the answer of ${server} to ${method} /api/v1${path} broke off: ${causeText(err)}`, 'unreachable');
  }
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ResponseError(`${server} answered ${method} /api/v1${path} with something that is not JSON (is ${server} a hookrunner server?)`);
  }
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const { server, token, requestTimeoutMs = 30_000, retries = 3, backoffMs = 500, sleep = defaultSleep, debug } = options;
  const doFetch = options.fetch ?? globalThis.fetch;
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({ ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra });

  /** One attempt; a connection failure or timeout becomes a ConnectionError. */
  async function attempt(method: string, path: string, url: string, init: RequestInit): Promise<Response> {
    const started = Date.now();
    try {
      const res = await doFetch(url, { ...init, method, redirect: 'error' });
      debug?.(`${method} ${url} → ${res.status} (${formatMs(Date.now() - started)})`);
      return res;
    } catch (err) {
      debug?.(`${method} ${url} → ${(err as Error).name === 'TimeoutError' ? 'timeout' : causeText(err)} (${formatMs(Date.now() - started)})`);
      if ((err as Error).name === 'TimeoutError') throw new ConnectionError(`no answer from ${server} to ${method} /api/v1${path} within ${formatMs(requestTimeoutMs)} (--request-timeout)`, 'timeout');
      if ((err as Error).name === 'AbortError') throw err;
      throw new ConnectionError(`cannot reach ${server}: ${causeText(err)}`, 'unreachable');
    }
  }

  async function request(method: string, path: string, query: Query | undefined, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const url = urlOf(server, path, query);
    const idempotent = method === 'GET';
    for (let i = 0; ; i++) {
      // The timeout covers the body too; disposed once the answer is read (util/abort.ts: not AbortSignal.any).
      const linked = linkedSignal({ signals: [signal], timeoutMs: requestTimeoutMs });
      const init: RequestInit = {
        headers: headers({ Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) }),
        signal: linked.signal,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      };
      const delay = Math.min(5_000, backoffMs * 2 ** i);
      try {
        let res: Response;
        try {
          res = await attempt(method, path, url, init);
        } catch (err) {
          if (idempotent && i < retries && err instanceof ConnectionError && err.kind === 'unreachable') {
            await sleep(delay);
            continue;
          }
          throw err;
        }
        if (idempotent && i < retries && RETRY_STATUSES.has(res.status)) {
          await res.body?.cancel().catch(() => undefined);
          await sleep(retryAfterMs(res) ?? delay);
          continue;
        }
        return await readAnswer(res, { server, method, path, requestTimeoutMs, sentToken: token !== undefined });
      } finally {
        linked.dispose();
      }
    }
  }

  return {
    server,
    get: (path, query, signal) => request('GET', path, query, undefined, signal),
    post: (path, body = {}) => request('POST', path, undefined, body),
    delete: (path, query) => request('DELETE', path, query, undefined),
    async events(path, query, signal) {
      // Until the stream opens: the timeout or `signal`; then `signal` alone, for as long as the stream lasts.
      const opening = linkedSignal({ timeoutMs: requestTimeoutMs });
      const linked = linkedSignal({ signals: [opening.signal, signal] });
      try {
        const res = await attempt('GET', path, urlOf(server, path, query), { headers: headers({ Accept: 'text/event-stream' }), signal: linked.signal });
        if (!res.ok) throw new ApiError('GET', path, res.status, await problemOf(res), token !== undefined);
        if (!res.body) throw new ResponseError(`${server} opened ${path} without a body`);
        return res.body;
      } finally {
        opening.dispose();
      }
    },
  };
}
