/** Protobuf scalar values as Go's encoding/json writes the Go value they decode to. */
import type { ScalarType } from './tables.js';
import { malformed, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './wire.js';
import type { RawField } from './wire.js';

export type JsonScalar = string | number | boolean | null;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Go strings are bytes; encoding/json writes invalid UTF-8 as U+FFFD, as this decoder does. */
export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

export function wireOf(type: ScalarType): number {
  switch (type) {
    case 'string':
    case 'bytes':
      return WIRE_LEN;
    case 'double':
    case 'fixed64':
    case 'sfixed64':
      return WIRE_I64;
    case 'float':
    case 'fixed32':
    case 'sfixed32':
      return WIRE_I32;
    default:
      return WIRE_VARINT;
  }
}

function zigzag(v: bigint): bigint {
  return (v >> 1n) ^ -(v & 1n);
}

function finite(n: number): number {
  if (!Number.isFinite(n)) throw malformed(`unsupported floating point value ${n}`);
  return n;
}

function varintValue(type: ScalarType, v: bigint): number | boolean {
  switch (type) {
    case 'bool':
      return v !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, v));
    case 'uint32':
      return Number(BigInt.asUintN(32, v));
    case 'sint32':
      return Number(BigInt.asIntN(32, zigzag(v)));
    case 'sint64':
      return Number(BigInt.asIntN(64, zigzag(v)));
    case 'uint64':
      return Number(BigInt.asUintN(64, v));
    default:
      return Number(BigInt.asIntN(64, v));
  }
}

function fixedValue(type: ScalarType, b: Uint8Array): number {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (type) {
    case 'fixed32':
      return view.getUint32(0, true);
    case 'sfixed32':
      return view.getInt32(0, true);
    case 'float':
      return finite(view.getFloat32(0, true));
    case 'fixed64':
      return Number(view.getBigUint64(0, true));
    case 'sfixed64':
      return Number(view.getBigInt64(0, true));
    default:
      return finite(view.getFloat64(0, true));
  }
}

/** One scalar occurrence as JSON: numbers (int64 too), booleans, strings, and bytes as base64. */
export function scalarValue(type: ScalarType, f: RawField, where: string): string | number | boolean {
  if (f.wire !== wireOf(type)) throw malformed(`wrong wire type ${f.wire} for ${where}`);
  if (typeof f.value === 'bigint') return varintValue(type, f.value);
  if (type === 'string') return decodeUtf8(f.value);
  if (type === 'bytes') return Buffer.from(f.value.buffer, f.value.byteOffset, f.value.byteLength).toString('base64');
  return fixedValue(type, f.value);
}

/** The JSON of a Go zero value of the type (a nil []byte is null). */
export function zeroScalar(type: ScalarType): JsonScalar {
  if (type === 'string') return '';
  if (type === 'bytes') return null;
  if (type === 'bool') return false;
  return 0;
}

export function isZeroScalar(v: unknown): boolean {
  return v === '' || v === 0 || v === false || v === null;
}

/** Whether a repeated field of this type may come packed (one length-delimited run of values). */
export function packable(type: ScalarType): boolean {
  return type !== 'string' && type !== 'bytes';
}
