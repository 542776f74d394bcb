import { InvalidArgumentError } from 'commander';

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
