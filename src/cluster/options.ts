/** Options of `createClusterClient`, their defaults and their validation. */
import type { BackoffOptions, Logger } from '../util/index.js';
import { ClusterConfigError } from './errors.js';

export interface ClusterRetryOptions extends BackoffOptions {
  /** Attempts per request in all, the first included. @defaultValue 6 */
  attempts?: number;
}

export interface ClusterClientOptions {
  /**
   * Path of a kubeconfig file. When omitted the client looks, in order, at `$KUBECONFIG` (a
   * `:`-separated list, merged), `~/.kube/config`, then the in-cluster service account. It never
   * falls back to `http://localhost:8080`: nothing found is a `ClusterConfigError`.
   * @defaultValue undefined (search as above)
   */
  kubeconfig?: string;
  /** Context to use from the kubeconfig. @defaultValue the kubeconfig's `current-context` */
  context?: string;
  /**
   * Use only the in-cluster service account (`KUBERNETES_SERVICE_HOST`/`_PORT` and the token and
   * CA under `/var/run/secrets/kubernetes.io/serviceaccount`).
   * @defaultValue false
   */
  inCluster?: boolean;
  /** API server URL, e.g. `https://10.0.0.1:6443`; with it, no kubeconfig is read. @defaultValue undefined */
  server?: string;
  /** Bearer token for `server`. Never logged. @defaultValue undefined (no Authorization header) */
  token?: string;
  /** PEM CA bundle for `server`, base64-encoded as in a kubeconfig's `certificate-authority-data`. @defaultValue undefined (system CAs) */
  caData?: string;
  /** Skip TLS verification for `server`. @defaultValue false */
  insecureSkipTlsVerify?: boolean;
  /** Namespace for refs and objects that name none (namespaced kinds only). @defaultValue the context's namespace, else `default` */
  namespace?: string;
  /** Client-side rate limit: sustained requests per second, shared by all requests of this client. @defaultValue 50 */
  qps?: number;
  /** Client-side rate limit: requests allowed at once above `qps`. @defaultValue 100 */
  burst?: number;
  /** Time limit of every single request (a watch: until its response headers arrive). @defaultValue 30_000 */
  requestTimeoutMs?: number;
  /** Longest answer read (after decompression; a watch's events are not counted): past it the request fails with a `KubeApiError` of reason `ResponseTooLarge`, not retried. @defaultValue 268_435_456 (256 MiB) */
  maxResponseBytes?: number;
  /** `User-Agent` of every request (the API server's audit log and metrics show it). @defaultValue 'hookrunner' */
  userAgent?: string;
  /** Retries of 429, 500, 502, 503, 504 and connection errors. @defaultValue `{ attempts: 6, initialMs: 200, maxMs: 10_000, factor: 2, jitter: 0.5 }` */
  retry?: ClusterRetryOptions;
  /** Field manager of apply and create. @defaultValue 'hookrunner' */
  fieldManager?: string;
  /** Server-side `timeoutSeconds` of each watch request; the watch then resumes from where it was. @defaultValue 300 */
  watchTimeoutSeconds?: number;
  /** A watch connection that delivers nothing (not even a bookmark) this long is dropped and resumed. @defaultValue 120_000 */
  watchIdleTimeoutMs?: number;
  /** Default re-list period of watches (`WatchOptions.resyncMs`). @defaultValue 30_000 */
  resyncMs?: number;
  /** @deprecated No effect: `waitFor` no longer re-reads objects periodically; its backstop is the shared informer's relist. */
  waitPollIntervalMs?: number;
  /** How long a shared informer outlives its last wait before its watch stops. @defaultValue 30_000 */
  informerIdleMs?: number;
  /**
   * `cluster`: one shared informer per kind across all namespaces (a kind whose cluster-wide list
   * RBAC refuses falls back to one per namespace by itself); `namespace`: one per kind and
   * namespace from the start (saves the refused list per kind when the account sees only some namespaces).
   * @defaultValue 'cluster'
   */
  informerScope?: 'cluster' | 'namespace';
  /** Safety relist period of each shared informer, even when its watch is healthy (0 = none). @defaultValue 300_000 */
  informerResyncMs?: number;
  /** Receives retries, watch restarts and re-lists. Tokens and bodies are never logged. @defaultValue silent */
  logger?: Logger;
  /** Environment consulted for `KUBECONFIG`, `HOME` and `KUBERNETES_SERVICE_*`. @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The options with every default filled in (connection settings stay optional). */
export interface ResolvedOptions {
  qps: number;
  burst: number;
  requestTimeoutMs: number;
  maxResponseBytes: number;
  userAgent: string;
  retry: Required<ClusterRetryOptions>;
  fieldManager: string;
  watchTimeoutSeconds: number;
  watchIdleTimeoutMs: number;
  resyncMs: number;
  informerIdleMs: number;
  informerResyncMs: number;
  informerScope: 'cluster' | 'namespace';
}

function positive(field: string, value: number | undefined, fallback: number, options: { integer?: boolean; allowZero?: boolean } = {}): number {
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' && Number.isFinite(value) && (options.allowZero ? value >= 0 : value > 0) && (!options.integer || Number.isInteger(value));
  if (!ok) {
    const what = options.integer ? 'an integer' : 'a number';
    throw new ClusterConfigError(`option ${field} must be ${what} ${options.allowZero ? '≥ 0' : '> 0'} (got ${String(value)})`, { field });
  }
  return value;
}

/** Validate the numeric and string options; connection options are checked when the config is loaded. */
export function resolveOptions(options: ClusterClientOptions): ResolvedOptions {
  const retry = options.retry ?? {};
  const fieldManager = options.fieldManager ?? 'hookrunner';
  if (typeof fieldManager !== 'string' || fieldManager.length === 0 || fieldManager.length > 128) {
    throw new ClusterConfigError('option fieldManager must be a non-empty string of at most 128 characters', { field: 'fieldManager' });
  }
  const jitter = positive('retry.jitter', retry.jitter, 0.5, { allowZero: true });
  if (jitter > 1) throw new ClusterConfigError(`option retry.jitter must be between 0 and 1 (got ${jitter})`, { field: 'retry.jitter' });
  return {
    qps: positive('qps', options.qps, 50),
    burst: positive('burst', options.burst, 100, { integer: true }),
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, 30_000),
    maxResponseBytes: positive('maxResponseBytes', options.maxResponseBytes, 268_435_456, { integer: true }),
    userAgent: userAgent(options.userAgent),
    retry: {
      attempts: positive('retry.attempts', retry.attempts, 6, { integer: true }),
      initialMs: positive('retry.initialMs', retry.initialMs, 200, { allowZero: true }),
      maxMs: positive('retry.maxMs', retry.maxMs, 10_000, { allowZero: true }),
      factor: positive('retry.factor', retry.factor, 2),
      jitter,
    },
    fieldManager,
    watchTimeoutSeconds: positive('watchTimeoutSeconds', options.watchTimeoutSeconds, 300, { integer: true }),
    watchIdleTimeoutMs: positive('watchIdleTimeoutMs', options.watchIdleTimeoutMs, 120_000),
    resyncMs: positive('resyncMs', options.resyncMs, 30_000),
    informerIdleMs: positive('informerIdleMs', options.informerIdleMs, 30_000, { allowZero: true }),
    informerResyncMs: positive('informerResyncMs', options.informerResyncMs, 300_000, { allowZero: true }),
    informerScope: informerScope(options.informerScope),
  };
}

function userAgent(value: string | undefined): string {
  if (value === undefined) return 'hookrunner';
  // Printable ASCII only: a header value with a control character is refused by node:http.
  if (typeof value === 'string' && value.length > 0 && value.length <= 256 && /^[\x20-\x7e]+$/.test(value)) return value;
  throw new ClusterConfigError('option userAgent must be 1–256 printable ASCII characters', { field: 'userAgent' });
}

function informerScope(value: string | undefined): 'cluster' | 'namespace' {
  if (value === undefined || value === 'cluster' || value === 'namespace') return value ?? 'cluster';
  throw new ClusterConfigError(`informerScope: "${String(value).slice(0, 40)}" is not cluster or namespace`, { field: 'informerScope' });
}
