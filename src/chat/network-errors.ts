/** Reading failures of `fetch` and sockets into a short code and reason, and `Retry-After` headers into ms. */

const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed while sending',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'response body stalled',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: self-signed certificate in chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: unable to verify the certificate',
  CERT_HAS_EXPIRED: 'TLS: certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: certificate does not match the host name',
};

export interface NetworkFailure {
  /** `ECONNREFUSED`, `timeout`, `UND_ERR_SOCKET`, … */
  code: string;
  /** Human words: `connection refused`, `no answer within 5s`. */
  reason: string;
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * What went wrong with a request that got no HTTP response: a refused or reset connection, a DNS
 * failure, a TLS problem, or a timeout (`TimeoutError` from `AbortSignal.timeout`). Looks through
 * `cause` chains (`fetch failed` → `ECONNREFUSED`). Returns undefined for anything else.
 */
export function describeNetworkError(err: unknown, timeoutMs?: number): NetworkFailure | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof Error && e.name === 'TimeoutError') {
      return { code: 'timeout', reason: timeoutMs === undefined ? 'no answer in time' : `no answer within ${formatSeconds(timeoutMs)}` };
    }
    const code = errorCode(e);
    if (code !== undefined && (code in REASONS || /^E[A-Z]+$/.test(code) || code.startsWith('UND_ERR') || code.includes('CERT') || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))) {
      return { code, reason: REASONS[code] ?? (code.includes('CERT') || code.includes('TLS') || code.includes('SSL') ? `TLS error` : 'network error') };
    }
    if (e instanceof AggregateError && e.errors.length > 0) {
      const inner = describeNetworkError(e.errors[0], timeoutMs);
      if (inner) return inner;
    }
    e = e instanceof Error ? e.cause : undefined;
  }
  if (err instanceof TypeError && err.message === 'fetch failed') {
    const detail = err.cause instanceof Error && err.cause.message ? `: ${err.cause.message}` : '';
    return { code: 'network', reason: `network error${detail}` };
  }
  return undefined;
}

/** `1.5 s`, `300 ms`: for messages about waits. */
export function formatSeconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(Math.round(ms / 100) / 10).toString()} s`;
}

/**
 * A `Retry-After` value in ms: delta-seconds (`"1"`, also a fractional `"0.5"`) or an HTTP date.
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
