/**
 * The API's settings from the environment, validated; errors name the variable and never show
 * a token or secret.
 * - `HOOKRUNNER_API_TOKEN`: one or more comma-separated bearer tokens, each at least 16
 *   characters of `A-Z a-z 0-9 - . _ ~ + /` (optionally `=`-padded). Required unless insecure.
 * - `HOOKRUNNER_WEBHOOK_SECRET`: the GitHub/GitLab webhook secret (webhooks are off without it).
 * - `HOOKRUNNER_CACHE_DIR`: the git cache folder (default: a temp folder).
 * - `HOOKRUNNER_PUBLIC_URL`: this server's public base URL, for links in notifications.
 * - `HOOKRUNNER_MAX_BODY_SIZE`, `HOOKRUNNER_MAX_MANIFEST_FILE_SIZE`, `HOOKRUNNER_MAX_MANIFESTS_SIZE`,
 *   `HOOKRUNNER_MAX_MANIFEST_FILES`: size limits (src/manifests/limits.ts).
 */
import { SizeLimitConfigError, sizeLimitsFromEnv } from '../manifests/index.js';
import type { SizeLimits } from '../manifests/index.js';

/** Thrown at start-up for a configuration the API refuses to run with. */
export class ApiConfigError extends Error {
  override readonly name = 'ApiConfigError';
}

export interface ApiEnvConfig {
  tokens: string[];
  webhookSecret?: string;
  cacheDir?: string;
  publicUrl?: string;
  /** Request body and manifest size limits. */
  limits: SizeLimits;
}

const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
export const MIN_TOKEN_LENGTH = 16;

/** @throws ApiConfigError naming the variable at fault */
export function apiConfigFromEnv(env: Readonly<Record<string, string | undefined>>, options: { insecureNoAuth?: boolean } = {}): ApiEnvConfig {
  const raw = env['HOOKRUNNER_API_TOKEN'];
  const tokens = (raw ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  tokens.forEach((token, i) => {
    const which = tokens.length > 1 ? `token #${i + 1}` : 'the token';
    if (token.length < MIN_TOKEN_LENGTH) throw new ApiConfigError(`HOOKRUNNER_API_TOKEN: ${which} is shorter than ${MIN_TOKEN_LENGTH} characters`);
    if (!TOKEN.test(token)) throw new ApiConfigError(`HOOKRUNNER_API_TOKEN: ${which} has characters a bearer token cannot carry (use A-Z a-z 0-9 - . _ ~ + /)`);
  });
  if (tokens.length === 0 && !options.insecureNoAuth) {
    throw new ApiConfigError('HOOKRUNNER_API_TOKEN is not set: give one or more comma-separated API tokens (e.g. `openssl rand -hex 32`), or pass --insecure-no-auth for a local experiment');
  }
  const secret = env['HOOKRUNNER_WEBHOOK_SECRET'];
  if (secret !== undefined && secret.trim() === '') throw new ApiConfigError('HOOKRUNNER_WEBHOOK_SECRET is empty: unset it to turn webhooks off, or give the secret');
  const publicUrl = env['HOOKRUNNER_PUBLIC_URL'];
  if (publicUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(publicUrl)) throw new ApiConfigError('HOOKRUNNER_PUBLIC_URL must be an http:// or https:// URL');
  const cacheDir = env['HOOKRUNNER_CACHE_DIR'];
  let limits: SizeLimits;
  try {
    limits = sizeLimitsFromEnv(env);
  } catch (err) {
    if (err instanceof SizeLimitConfigError) throw new ApiConfigError(err.message);
    throw err;
  }
  return {
    tokens,
    limits,
    ...(secret ? { webhookSecret: secret } : {}),
    ...(cacheDir ? { cacheDir } : {}),
    ...(publicUrl ? { publicUrl } : {}),
  };
}
