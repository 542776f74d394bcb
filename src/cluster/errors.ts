/**
 * The adapter's typed errors. A Kubernetes API answer that is not 2xx becomes a `KubeApiError`
 * carrying the parsed `Status`; a server that cannot be reached after the bounded retries becomes
 * a `ClusterUnreachableError`; a configuration problem a `ClusterConfigError`. Messages are short:
 * never a whole body, never headers (they may hold a token).
 */
// The class alone: the package's index would load its whole generated API (kubeconfig.ts).
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import type { KubeStatus } from './types.js';

const MAX_MESSAGE = 400;

function clip(text: string, max = MAX_MESSAGE): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** Kubernetes' `StatusReason` for an HTTP code, used when a body carries no Status. */
export function reasonForCode(code: number): string {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 406:
      return 'NotAcceptable';
    case 409:
      return 'Conflict';
    case 410:
      return 'Expired';
    case 413:
      return 'RequestEntityTooLarge';
    case 415:
      return 'UnsupportedMediaType';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalError';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return code >= 500 ? 'InternalError' : 'Unknown';
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function parseDetails(value: unknown): KubeStatus['details'] {
  const d = record(value);
  if (!d) return undefined;
  const causes = (Array.isArray(d['causes']) ? d['causes'] : []).flatMap((c) => {
    const r = record(c);
    if (!r) return [];
    const cause: { reason?: string; message?: string; field?: string } = {};
    if (text(r['reason'])) cause.reason = text(r['reason']);
    if (text(r['message'])) cause.message = text(r['message']);
    if (text(r['field'])) cause.field = text(r['field']);
    return [cause];
  });
  const details: NonNullable<KubeStatus['details']> = {};
  if (text(d['name'])) details.name = text(d['name']);
  if (text(d['group'])) details.group = text(d['group']);
  if (text(d['kind'])) details.kind = text(d['kind']);
  if (causes.length > 0) details.causes = causes;
  if (typeof d['retryAfterSeconds'] === 'number') details.retryAfterSeconds = d['retryAfterSeconds'];
  return Object.keys(details).length > 0 ? details : undefined;
}

/**
 * The `Status` of a failed response. The body may be a JSON string (client-node 1.x gives
 * `ApiException.body` as the raw text), an already parsed object, or not a Status at all.
 */
export function parseStatus(code: number, body: unknown): KubeStatus {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
  }
  const r = record(parsed);
  const isStatus = r !== undefined && (r['kind'] === 'Status' || typeof r['reason'] === 'string' || typeof r['message'] === 'string');
  if (!r || !isStatus) {
    const raw = typeof body === 'string' ? clip(body, 200) : '';
    return { code, reason: reasonForCode(code), message: raw || `HTTP ${code}` };
  }
  const status: KubeStatus = {
    code: typeof r['code'] === 'number' ? r['code'] : code,
    reason: text(r['reason']) ?? reasonForCode(code),
    message: text(r['message']) ?? `HTTP ${code}`,
  };
  const details = parseDetails(r['details']);
  if (details) status.details = details;
  return status;
}

/** What was being done when the API server refused, for the message. */
export interface RequestDescription {
  verb: string;
  /** e.g. `jobs.batch app/pre-job` or the URL path. */
  target: string;
}

/** The API server answered with a failure `Status` (4xx/5xx). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  readonly status: KubeStatus;
  /** `Retry-After` in seconds (header or `details.retryAfterSeconds`), when the server sent one. */
  readonly retryAfterSeconds: number | undefined;
  readonly request: RequestDescription | undefined;

  constructor(status: KubeStatus, options: { request?: RequestDescription; retryAfterSeconds?: number; cause?: unknown } = {}) {
    const where = options.request ? `${options.request.verb} ${options.request.target}: ` : '';
    super(clip(`${where}${status.reason} (${status.code}): ${status.message}`), { cause: options.cause });
    this.status = status;
    this.retryAfterSeconds = options.retryAfterSeconds ?? status.details?.retryAfterSeconds;
    this.request = options.request;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string {
    return this.status.reason;
  }

  /** From an HTTP response: its code, body text and headers (only `Retry-After` is read). */
  static fromResponse(
    code: number,
    body: unknown,
    headers: Readonly<Record<string, string | undefined>>,
    request?: RequestDescription,
  ): KubeApiError {
    const retryAfter = Number.parseInt(headers['retry-after'] ?? '', 10);
    return new KubeApiError(parseStatus(code, body), {
      request,
      retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
    });
  }
}

/** The API server could not be reached (refused, reset, no answer in time) after the bounded retries. */
export class ClusterUnreachableError extends Error {
  override readonly name = 'ClusterUnreachableError';
  constructor(
    readonly server: string,
    readonly attempts: number,
    options: { cause?: unknown; detail?: string } = {},
  ) {
    const detail = options.detail ?? (options.cause instanceof Error ? options.cause.message : undefined);
    super(clip(`Kubernetes API server ${server} is unreachable after ${attempts} attempt${attempts === 1 ? '' : 's'}${detail ? `: ${detail}` : ''}`), {
      cause: options.cause,
    });
  }
}

/** Where the configuration was looked for, or which option was wrong. */
export class ClusterConfigError extends Error {
  override readonly name = 'ClusterConfigError';
  /** The option at fault, when one is. */
  readonly field: string | undefined;
  /** The places searched for a kubeconfig, when none was found. */
  readonly lookedAt: readonly string[];

  constructor(
    message: string,
    options: { field?: string; lookedAt?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.field = options.field;
    this.lookedAt = options.lookedAt ?? [];
  }
}

/**
 * Any error → `KubeApiError` when it is an API failure: ours, or a client-node `ApiException`
 * (whose `body` is the raw JSON text of the Status in 1.x). Anything else → `undefined`.
 */
export function toKubeApiError(err: unknown, request?: RequestDescription): KubeApiError | undefined {
  if (err instanceof KubeApiError) return err;
  if (err instanceof ApiException) {
    const headers = record(err.headers) ?? {};
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), typeof v === 'string' ? v : undefined]));
    const apiErr = KubeApiError.fromResponse(err.code, err.body, lower, request);
    return new KubeApiError(apiErr.status, { request, retryAfterSeconds: apiErr.retryAfterSeconds, cause: err });
  }
  return undefined;
}

function hasReason(err: unknown, code: number, reason: string): boolean {
  const apiErr = toKubeApiError(err);
  return apiErr !== undefined && (apiErr.reason === reason || (apiErr.code === code && apiErr.reason === reasonForCode(code)));
}

/** The HTTP codes of a server having trouble (worth another attempt); never other 4xx. */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/**
 * 500s that the same request will always get again: kube-apiserver answers a server-side apply
 * whose object does not decode into its Go type (e.g. an unparseable quantity) with a 500
 * "failed to convert new object … unable to convert unstructured object", or a server-side apply
 * with a field the schema does not declare with a 500 "failed to create typed patch object" (D10:
 * the object's failure).
 */
const PERMANENT_500 = /^failed to convert new object \(|unable to convert unstructured object to |^failed to create typed patch object \(/;

/**
 * An answer from a server having trouble: 429, 500 (except the permanent decoding 500), 502, 503,
 * 504. The transport retries these itself; one that still reaches a caller is an infrastructure
 * failure, not a verdict on the object.
 */
export function isTransientApiError(err: unknown): boolean {
  const apiErr = toKubeApiError(err);
  if (!apiErr || !TRANSIENT_CODES.has(apiErr.code)) return false;
  return !(apiErr.code === 500 && PERMANENT_500.test(apiErr.status.message));
}

export function isNotFound(err: unknown): boolean {
  return hasReason(err, 404, 'NotFound');
}

export function isAlreadyExists(err: unknown): boolean {
  return toKubeApiError(err)?.reason === 'AlreadyExists';
}

/** 409 Conflict (an update lost a resourceVersion race, or an apply met another manager's field). */
export function isConflict(err: unknown): boolean {
  return toKubeApiError(err)?.reason === 'Conflict';
}

export function isInvalid(err: unknown): boolean {
  return hasReason(err, 422, 'Invalid');
}

/** 410 Gone / Expired: a watch or list resourceVersion that is too old. */
export function isGone(err: unknown): boolean {
  const apiErr = toKubeApiError(err);
  return apiErr !== undefined && (apiErr.code === 410 || apiErr.reason === 'Expired' || apiErr.reason === 'Gone');
}

/** A bad argument to a client method (a missing name, a negative tailLines…), naming the field. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}
