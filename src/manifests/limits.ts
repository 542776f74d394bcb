/**
 * Size limits on manifests read from a folder or a git checkout (issue 14): a file is measured
 * with `stat` before it is read, so an oversized file is refused without being loaded. Kubernetes
 * stores no object over ~1.5 MiB (etcd's request limit), so a bigger manifest file is a mistake.
 * Settings, in bytes (a plain number or with a `Ki`/`Mi`/`Gi` suffix):
 * - `HOOKRUNNER_MAX_MANIFEST_FILE_SIZE` (default 1Mi): one manifest file.
 * - `HOOKRUNNER_MAX_MANIFESTS_SIZE` (default 16Mi): all the manifest files of one application (one load).
 * - `HOOKRUNNER_MAX_MANIFEST_FILES` (default 2000): manifest files of one application.
 * - `HOOKRUNNER_MAX_BODY_SIZE` (default 1Mi): an API request body (an Application, a sync request).
 */

export interface ManifestLimits {
  /** @defaultValue 1 MiB */
  maxFileBytes: number;
  /** @defaultValue 16 MiB */
  maxTotalBytes: number;
  /** @defaultValue 2000 */
  maxFiles: number;
}

export interface SizeLimits extends ManifestLimits {
  /** An API request body. @defaultValue 1 MiB */
  maxBodyBytes: number;
}

const MI = 1024 * 1024;
export const DEFAULT_SIZE_LIMITS: Readonly<SizeLimits> = { maxFileBytes: MI, maxTotalBytes: 16 * MI, maxFiles: 2000, maxBodyBytes: MI };

/** The environment variable of each limit. */
export const SIZE_LIMIT_VARIABLES: Readonly<Record<keyof SizeLimits, string>> = {
  maxFileBytes: 'HOOKRUNNER_MAX_MANIFEST_FILE_SIZE',
  maxTotalBytes: 'HOOKRUNNER_MAX_MANIFESTS_SIZE',
  maxFiles: 'HOOKRUNNER_MAX_MANIFEST_FILES',
  maxBodyBytes: 'HOOKRUNNER_MAX_BODY_SIZE',
};

/** Thrown for a limit setting that is not a positive size. */
export class SizeLimitConfigError extends Error {
  override readonly name = 'SizeLimitConfigError';
}

const UNITS: Record<string, number> = { '': 1, Ki: 1024, Mi: MI, Gi: 1024 * MI, k: 1000, M: 1_000_000, G: 1_000_000_000 };

/**
 * `1048576`, `512Ki`, `16Mi`: bytes.
 * @throws SizeLimitConfigError naming `what`
 */
export function parseSize(text: string, what: string): number {
  const m = /^\s*(\d+)\s*(Ki|Mi|Gi|k|M|G)?\s*$/.exec(text);
  const value = m ? Number(m[1]) * (UNITS[m[2] ?? ''] ?? 1) : NaN;
  if (!Number.isSafeInteger(value) || value <= 0) throw new SizeLimitConfigError(`${what}: "${text}" is not a positive size (bytes, or with Ki, Mi, Gi: 1Mi, 512Ki)`);
  return value;
}

/** The limits the environment sets, defaults for the rest. @throws SizeLimitConfigError naming the variable */
export function sizeLimitsFromEnv(env: Readonly<Record<string, string | undefined>>): SizeLimits {
  const out: SizeLimits = { ...DEFAULT_SIZE_LIMITS };
  for (const key of Object.keys(SIZE_LIMIT_VARIABLES) as (keyof SizeLimits)[]) {
    const raw = env[SIZE_LIMIT_VARIABLES[key]];
    if (raw !== undefined && raw.trim() !== '') out[key] = parseSize(raw, SIZE_LIMIT_VARIABLES[key]);
  }
  return out;
}

/** `40.0 MiB`, `512 KiB`, `900 B`. */
export function formatBytes(bytes: number): string {
  if (bytes >= MI) return `${(bytes / MI).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${bytes} B`;
}
