import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../manifests/index.js';

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
