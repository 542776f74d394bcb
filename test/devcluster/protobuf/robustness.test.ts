/**
 * Hostile and unusual protobuf bodies: every failure is a ProtobufError (a 400 or 415), never a
 * crash, and the budgets on fields and nesting hold. Real encodings come from the Go fixtures; the
 * adversarial ones are built with the small encoder below.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, kubeProto, newBudget, PROTOBUF_MAGIC, ProtobufError } from '../../../src/devcluster/protobuf/index.js';
import type { ProtoIndex } from '../../../src/devcluster/protobuf/index.js';
import { goDuration } from '../../../src/devcluster/protobuf/special.js';
import { fixture, fixtureNames, FIXTURES, prng } from './fixtures.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let index: ProtoIndex;

beforeAll(async () => {
  index = await kubeProto();
});

function varint(n: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function field(num: number, wire: number, payload: number[] | Uint8Array | bigint): number[] {
  const tag = varint((num << 3) | wire);
  if (typeof payload === 'bigint') return [...tag, ...varint(payload)];
  return [...tag, ...varint(payload.length), ...payload];
}

const text = (s: string): number[] => [...Buffer.from(s, 'utf8')];

function envelope(apiVersion: string, kind: string, raw: number[] | Uint8Array): Uint8Array {
  const typeMeta = [...field(1, 2, text(apiVersion)), ...field(2, 2, text(kind))];
  const head = [...PROTOBUF_MAGIC, ...field(1, 2, typeMeta), ...varint((2 << 3) | 2), ...varint(raw.length)];
  const out = new Uint8Array(head.length + raw.length);
  out.set(head);
  out.set(raw, head.length);
  return out;
}

function fieldNo(message: string, json: string): number {
  const f = index.byName(message)?.fields.find((x) => x.json === json);
  if (!f) throw new Error(`no ${message}.${json}`);
  return f.number;
}

function outcome(body: Uint8Array, budget = newBudget()): 'ok' | string {
  try {
    decodeEnvelope(index, body, { apiVersion: 'v1', kind: 'Pod' }, budget);
    return 'ok';
  } catch (err) {
    if (err instanceof ProtobufError) return err.kind;
    throw err;
  }
}

describe('when a body is cut short or corrupted', () => {
  it('should fail with a ProtobufError at every truncation of every fixture', () => {
    for (const name of fixtureNames()) {
      const { pb } = fixture(name);
      for (let n = 0; n < pb.length; n++) expect(['ok', 'malformed', 'unknownKind', 'unsupported']).toContain(outcome(pb.subarray(0, n)));
    }
  });

  it('should never throw anything but a ProtobufError for random byte flips', () => {
    const random = prng(20250314);
    const names = fixtureNames();
    for (let i = 0; i < 3000; i++) {
      const { pb } = fixture(names[i % names.length] ?? 'pod');
      const body = Uint8Array.from(pb);
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) body[4 + Math.floor(random() * (body.length - 4))] = Math.floor(random() * 256);
      outcome(body);
    }
  });

  it('should refuse a body without the magic bytes, an unknown kind and another encoding', () => {
    expect(outcome(Uint8Array.from(text('{"kind":"Pod"}')))).toBe('malformed');
    const ns = fixture('namespace').pb;
    const renamed = Uint8Array.from(Buffer.from(Buffer.from(ns).toString('latin1').replace('Namespace', 'Namesp4ce'), 'latin1'));
    expect(() => decodeEnvelope(index, renamed, { apiVersion: 'v1', kind: 'Namespace' })).toThrow(/no kind "Namesp4ce" is registered for version "v1"/);
    const gzipped = Uint8Array.from([...envelope('v1', 'ConfigMap', []), ...field(3, 2, text('gzip'))]);
    expect(outcome(gzipped)).toBe('unsupported');
    expect(outcome(envelope('example.com/v1', 'Widget', []))).toBe('unknownKind');
  });

  it('should refuse a field on the wrong wire type', () => {
    const name = fieldNo('k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'name');
    const body = envelope('v1', 'ConfigMap', field(1, 2, field(name, 0, 7n)));
    expect(() => decodeEnvelope(index, body, { apiVersion: '', kind: '' })).toThrow(/wrong wire type 0/);
  });
});

describe('when a body is large or deep', () => {
  it('should stop at the field budget', () => {
    // 600 000 unknown fields (field 99, varint 0) in 1.8 MB, under the 3 MiB body limit
    const one = field(99, 0, 0n);
    const filler = new Uint8Array(600_000 * one.length).map((_, i) => one[i % one.length] ?? 0);
    expect(outcome(envelope('v1', 'ConfigMap', filler))).toBe('malformed');
    expect(outcome(envelope('v1', 'ConfigMap', filler.subarray(0, 3000)))).toBe('ok');
    expect(outcome(fixture('pod').pb, newBudget(20))).toBe('malformed');
    expect(() => decodeEnvelope(index, fixture('pod').pb, { apiVersion: '', kind: '' }, newBudget(100_000, 3))).toThrow(/nested deeper than 3/);
  });

  it('should read 64-bit varints, negative int32s and packed repeated scalars', () => {
    const requirement = 'k8s.io.api.batch.v1.PodFailurePolicyOnExitCodesRequirement';
    const values = fieldNo(requirement, 'values');
    const op = fieldNo(requirement, 'operator');
    const rule = (req: number[]): number[] => field(fieldNo('k8s.io.api.batch.v1.PodFailurePolicyRule', 'onExitCodes'), 2, req);
    const policy = (req: number[]): number[] => field(fieldNo('k8s.io.api.batch.v1.PodFailurePolicy', 'rules'), 2, rule(req));
    const job = (req: number[]): Uint8Array => envelope('batch/v1', 'Job', field(fieldNo('k8s.io.api.batch.v1.Job', 'spec'), 2, field(fieldNo('k8s.io.api.batch.v1.JobSpec', 'podFailurePolicy'), 2, policy(req))));
    const unpacked = job([...field(op, 2, text('In')), ...field(values, 0, 1n), ...field(values, 0, -2n), ...field(values, 0, 2n ** 40n + 3n)]);
    const packed = job([...field(op, 2, text('In')), ...field(values, 2, [...varint(1), ...varint(-2n), ...varint(2n ** 40n + 3n)])]);
    const expected = { spec: { podFailurePolicy: { rules: [{ onExitCodes: { operator: 'In', values: [1, -2, 3] } }] } } };
    expect(decodeEnvelope(index, unpacked, { apiVersion: '', kind: '' })).toMatchObject(expected);
    expect(decodeEnvelope(index, packed, { apiVersion: '', kind: '' })).toMatchObject(expected);
  });
});

describe('when a meta/v1 Duration is written', () => {
  it('should match Go\'s time.Duration.String()', () => {
    const rows = JSON.parse(readFileSync(join(FIXTURES, 'durations.json'), 'utf8')) as { nanos: string; string: string }[];
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(goDuration(BigInt(row.nanos)), row.nanos).toBe(row.string);
  });
});
