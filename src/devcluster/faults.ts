/**
 * Fault injection: a share of requests is answered, before any processing, with 429 (with
 * `Retry-After`), 500 or 503 `Status` bodies; every request can get added latency; open watches
 * can be dropped at an interval. Discovery and OpenAPI requests are spared unless asked.
 *
 * Spec (the `--faults` flag): `rate=0.2,codes=429/500/503,retry-after=1,latency=20ms,drop-watch=3s`,
 * plus `discovery=true` (fault discovery too) and `seed=N` (reproducible choices).
 */
import { parseDuration } from '../manifests/index.js';
import { ApiError, DevClusterError } from './errors.js';
import { seededRandom } from '../util/index.js';

export type FaultCode = 429 | 500 | 503;

export interface FaultOptions {
  /** Share of requests answered with an injected error, 0–1. @defaultValue 0 */
  rate?: number;
  /** Codes to choose from, uniformly. @defaultValue [429, 500, 503] */
  codes?: FaultCode[];
  /** `Retry-After` (and `details.retryAfterSeconds`) of injected 429s. @defaultValue 1 */
  retryAfterSeconds?: number;
  /** Latency added to every (non-spared) request, in ms. @defaultValue 0 */
  latencyMs?: number;
  /** End every open watch connection this often, in ms. @defaultValue never */
  dropWatchEveryMs?: number;
  /** Fault discovery, OpenAPI, version and health requests too. @defaultValue false */
  includeDiscovery?: boolean;
  /** Seed for the random choices; unset = Math.random. */
  seed?: number;
}

export interface FaultCounters {
  /** Requests the injector considered. */
  requests: number;
  /** Injected errors by code. */
  injected: Record<FaultCode, number>;
  /** Requests that got added latency. */
  delayed: number;
  /** Watch connections ended by `dropWatchEveryMs`. */
  droppedWatches: number;
}

const CODES: readonly FaultCode[] = [429, 500, 503];

function fieldError(field: string, why: string): DevClusterError {
  return new DevClusterError(`invalid fault spec: ${field}: ${why}`);
}

/** Parse a `--faults` spec; DevClusterError naming the bad field. */
export function parseFaultSpec(spec: string): FaultOptions {
  const out: FaultOptions = {};
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 0) throw fieldError(part, 'expected key=value');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    const duration = (): number => {
      const ms = /^\d+$/.test(value) ? Number(value) : parseDuration(value);
      if (ms === undefined || !Number.isFinite(ms) || ms < 0) throw fieldError(key, `"${value}" is not a duration like 20ms or 3s`);
      return ms;
    };
    switch (key) {
      case 'rate': {
        const n = Number(value);
        if (value === '' || !Number.isFinite(n) || n < 0 || n > 1) throw fieldError(key, `"${value}" must be a number from 0 to 1`);
        out.rate = n;
        break;
      }
      case 'codes': {
        const codes = value.split('/').map((c) => Number(c.trim()));
        for (const c of codes) if (!CODES.includes(c as FaultCode)) throw fieldError(key, `${String(c)} is not one of 429, 500, 503`);
        out.codes = codes as FaultCode[];
        break;
      }
      case 'retry-after': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) throw fieldError(key, `"${value}" must be whole seconds`);
        out.retryAfterSeconds = n;
        break;
      }
      case 'latency':
        out.latencyMs = duration();
        break;
      case 'drop-watch':
        out.dropWatchEveryMs = duration();
        if (out.dropWatchEveryMs <= 0) throw fieldError(key, 'must be more than 0');
        break;
      case 'discovery':
        if (value !== 'true' && value !== 'false') throw fieldError(key, 'must be true or false');
        out.includeDiscovery = value === 'true';
        break;
      case 'seed': {
        const n = Number(value);
        if (!Number.isInteger(n)) throw fieldError(key, `"${value}" must be an integer`);
        out.seed = n;
        break;
      }
      default:
        throw fieldError(key, 'unknown key (known: rate, codes, retry-after, latency, drop-watch, discovery, seed)');
    }
  }
  return out;
}

/** Check options given as an object; DevClusterError naming the bad field. */
export function validateFaultOptions(options: FaultOptions): FaultOptions {
  const { rate = 0, codes = [...CODES], retryAfterSeconds = 1, latencyMs = 0, dropWatchEveryMs } = options;
  if (!(rate >= 0 && rate <= 1)) throw fieldError('rate', `${rate} must be from 0 to 1`);
  if (codes.length === 0 || !codes.every((c) => CODES.includes(c))) throw fieldError('codes', 'must be a non-empty list of 429, 500, 503');
  if (!(retryAfterSeconds >= 0)) throw fieldError('retryAfterSeconds', 'must be 0 or more');
  if (!(latencyMs >= 0)) throw fieldError('latencyMs', 'must be 0 or more');
  if (dropWatchEveryMs !== undefined && !(dropWatchEveryMs > 0)) throw fieldError('dropWatchEveryMs', 'must be more than 0');
  return options;
}

export interface FaultDecision {
  delayMs: number;
  error?: ApiError;
  headers: Record<string, string>;
}

export class FaultInjector {
  private readonly random: () => number;
  private readonly counts: FaultCounters = { requests: 0, injected: { 429: 0, 500: 0, 503: 0 }, delayed: 0, droppedWatches: 0 };

  constructor(private readonly options: FaultOptions) {
    validateFaultOptions(options);
    this.random = options.seed !== undefined ? seededRandom(options.seed) : Math.random;
  }

  get dropWatchEveryMs(): number | undefined {
    return this.options.dropWatchEveryMs;
  }

  countDroppedWatches(n: number): void {
    this.counts.droppedWatches += n;
  }

  counters(): FaultCounters {
    return { ...this.counts, injected: { ...this.counts.injected } };
  }

  /** What to do with a request; `discovery`: discovery, OpenAPI, version or health. */
  decide(discovery: boolean): FaultDecision {
    if (discovery && !this.options.includeDiscovery) return { delayMs: 0, headers: {} };
    this.counts.requests++;
    const delayMs = this.options.latencyMs ?? 0;
    if (delayMs > 0) this.counts.delayed++;
    const rate = this.options.rate ?? 0;
    if (rate <= 0 || this.random() >= rate) return { delayMs, headers: {} };
    const codes = this.options.codes ?? CODES;
    const code = codes[Math.floor(this.random() * codes.length)] ?? 500;
    this.counts.injected[code]++;
    if (code === 429) {
      const after = this.options.retryAfterSeconds ?? 1;
      return {
        delayMs,
        headers: { 'Retry-After': String(after) },
        error: new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: after, causes: [{ reason: 'UnexpectedServerResponse', message: 'injected fault' }] }),
      };
    }
    if (code === 503) return { delayMs, headers: {}, error: new ApiError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request (injected fault)', {}) };
    return { delayMs, headers: {}, error: new ApiError(500, 'InternalError', 'Internal error occurred: injected fault', { causes: [{ reason: 'UnexpectedServerResponse', message: 'injected fault' }] }) };
  }
}
