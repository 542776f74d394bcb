/**
 * The protobuf fixtures written by scripts/gen-kube-proto-fixtures (Go, k8s.io/api's own Marshal):
 * NAME.pb is what kubectl would send, NAME.json the JSON Go writes for the object decoded from it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

export interface Fixture {
  name: string;
  pb: Uint8Array;
  json: Record<string, unknown>;
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.pb'))
    .map((f) => f.slice(0, -3))
    .sort();
}

export function fixture(name: string): Fixture {
  const pb = new Uint8Array(readFileSync(join(FIXTURES, `${name}.pb`)));
  const json = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Record<string, unknown>;
  return { name, pb, json };
}

/** Go's JSON without the object members that are null (null and absent mean the same to the API server). */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== null) Object.defineProperty(out, k, { value: withoutNulls(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** A deterministic pseudo-random generator (mulberry32) for the fuzz tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
