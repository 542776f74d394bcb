import { InvalidArgumentError } from 'commander';
import { ManifestError, SizeLimitConfigError, parseDuration, sizeLimitsFromEnv } from '../manifests/index.js';
import type { ManifestLimits } from '../manifests/index.js';
import { TRIGGERS } from '../sync/index.js';
import type { Subscription, TriggerName } from '../sync/index.js';

/** Commander reducer for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function parseOutput(value: string): 'table' | 'json' {
  if (value === 'table' || value === 'json') return value;
  throw new InvalidArgumentError(`must be table or json, got "${value}"`);
}

export function parseUnixSeconds(value: string): Date {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`must be Unix seconds, got "${value}"`);
  return new Date(Number(value) * 1000);
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`must be a positive integer, got "${value}"`);
  return n;
}

/** A duration flag (`500ms`, `10s`, `2m`, `1h30m`; a bare integer is seconds), in milliseconds. */
export function parseDurationOption(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError(`must be a duration such as 500ms, 10s or 2m, got "${value}"`);
  return ms;
}

/** An integer flag within [min, max]. */
export function intInRange(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value.trim());
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

/** `--notify service:recipient` (repeatable): `mattermost:team/channel`, `slack:#deploys`, `log:stderr`. */
export function parseNotifyFlag(value: string, previous: Subscription[]): Subscription[] {
  const colon = value.indexOf(':');
  const service = colon > 0 ? value.slice(0, colon) : '';
  const recipient = value.slice(colon + 1).trim();
  if (service !== 'mattermost' && service !== 'slack' && service !== 'log') throw new InvalidArgumentError(`must be mattermost:<team>/<channel>, slack:<channel> or log:<name>, got "${value}"`);
  if (!recipient) throw new InvalidArgumentError(`names no channel: "${value}"`);
  return [...previous, { service, recipient, triggers: [...TRIGGERS] }];
}

export function parseTriggers(value: string): TriggerName[] {
  const out: TriggerName[] = [];
  for (const item of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(TRIGGERS as readonly string[]).includes(item)) throw new InvalidArgumentError(`unknown trigger "${item}"; valid: ${TRIGGERS.join(', ')}`);
    out.push(item as TriggerName);
  }
  return out;
}

/**
 * The manifest size limits the environment sets (`HOOKRUNNER_MAX_MANIFEST_FILE_SIZE`, ...,
 * src/manifests/limits.ts). A bad setting is reported like a manifest problem (exit code 2).
 * @throws ManifestError naming the variable
 */
export function manifestLimitsOf(env: Readonly<Record<string, string | undefined>>): ManifestLimits {
  try {
    return sizeLimitsFromEnv(env);
  } catch (err) {
    if (!(err instanceof SizeLimitConfigError)) throw err;
    throw new ManifestError([{ file: '(environment)', line: 0, message: err.message }]);
  }
}
