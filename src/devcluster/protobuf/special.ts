/**
 * The Go types whose JSON is not their protobuf fields (they have their own MarshalJSON):
 * meta/v1 Time and MicroTime (RFC 3339 strings), Duration (Go's duration string), resource.Quantity
 * (its string), intstr.IntOrString (a number or a string), and runtime.RawExtension / meta/v1
 * FieldsV1 (raw JSON bytes). Field numbers come from the generated tables, by proto name.
 */
import { decodeUtf8, wireOf } from './scalars.js';
import type { MessageDef } from './tables.js';
import { malformed } from './wire.js';
import type { RawField } from './wire.js';

type Fields = ReadonlyMap<number, readonly RawField[]>;

/** The last occurrence of a field, by proto name, checked against its wire type. */
function last(msg: MessageDef, fields: Fields, protoName: string): RawField | undefined {
  const def = msg.fields.find((f) => f.json === protoName);
  if (!def || typeof def.type === 'number') throw malformed(`${msg.name} has no scalar field ${protoName}`);
  const occurrences = fields.get(def.number);
  const f = occurrences?.[occurrences.length - 1];
  if (f && f.wire !== wireOf(def.type)) throw malformed(`wrong wire type ${f.wire} for ${msg.name}.${protoName}`);
  return f;
}

function bigintOf(f: RawField | undefined, bits: 32 | 64): bigint {
  return typeof f?.value === 'bigint' ? BigInt.asIntN(bits, f.value) : 0n;
}

function bytesOf(f: RawField | undefined): Uint8Array | undefined {
  return f && typeof f.value !== 'bigint' ? f.value : undefined;
}

const NANOS = 1_000_000_000n;
/** Unix seconds of Go's zero time.Time (January 1, year 1, UTC): metav1.Time writes it as null. */
const GO_ZERO_SECONDS = -62135596800n;
/** Unix seconds of 0000-01-01 and 9999-12-31T23:59:59, the years RFC 3339 can write. */
const MIN_SECONDS = -62167219200n;
const MAX_SECONDS = 253402300799n;

function timeJson(msg: MessageDef, fields: Fields, micro: boolean): string | null {
  if (fields.size === 0) return null;
  let seconds = bigintOf(last(msg, fields, 'seconds'), 64);
  let nanos = bigintOf(last(msg, fields, 'nanos'), 32);
  // time.Unix(sec, nsec) normalises nsec into [0, 1e9)
  if (nanos < 0n || nanos >= NANOS) {
    seconds += nanos / NANOS;
    nanos %= NANOS;
    if (nanos < 0n) {
      nanos += NANOS;
      seconds -= 1n;
    }
  }
  if (seconds === GO_ZERO_SECONDS && nanos === 0n) return null;
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) throw malformed(`${msg.name} out of range: ${seconds}s`);
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return micro ? `${base}.${(nanos / 1000n).toString().padStart(6, '0')}Z` : `${base}Z`;
}

/** `v / 10^prec` as ".123" without trailing zeros (Go's time.fmtFrac), and the integer part. */
function fmtFrac(v: bigint, prec: number): [string, bigint] {
  let digits = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const d = v % 10n;
    print ||= d !== 0n;
    if (print) digits = d.toString() + digits;
    v /= 10n;
  }
  return [print ? `.${digits}` : '', v];
}

/** Go's time.Duration.String(): `1h2m3.5s`, `1.5ms`, `0s`. */
export function goDuration(d: bigint): string {
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u === 0n) return '0s';
  if (u < NANOS) {
    const [prec, unit] = u < 1000n ? [0, 'ns'] : u < 1_000_000n ? [3, 'µs'] : [6, 'ms'];
    const [frac, whole] = fmtFrac(u, prec);
    out = `${whole}${frac}${unit}`;
  } else {
    const [frac, secs] = fmtFrac(u, 9);
    out = `${secs % 60n}${frac}s`;
    u = secs / 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

function rawJson(msg: MessageDef, fields: Fields): unknown {
  const only = msg.fields[0];
  const bytes = bytesOf(only ? last(msg, fields, only.json) : undefined);
  if (!bytes || bytes.length === 0) return null;
  try {
    return JSON.parse(decodeUtf8(bytes)) as unknown;
  } catch (err) {
    throw malformed(`${msg.name} does not hold JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function intOrString(msg: MessageDef, fields: Fields): number | string {
  const type = bigintOf(last(msg, fields, 'type'), 64);
  if (type === 0n) return Number(bigintOf(last(msg, fields, 'intVal'), 32));
  if (type === 1n) return decodeUtf8(bytesOf(last(msg, fields, 'strVal')) ?? new Uint8Array(0));
  throw malformed(`impossible IntOrString.Type ${type}`);
}

/** The JSON of a special message (not `list`/`map`, which hold other messages). */
export function specialJson(msg: MessageDef, fields: Fields): unknown {
  switch (msg.special) {
    case 'time':
      return timeJson(msg, fields, false);
    case 'microtime':
      return timeJson(msg, fields, true);
    case 'duration':
      return goDuration(bigintOf(last(msg, fields, 'duration'), 64));
    case 'quantity': {
      const s = bytesOf(last(msg, fields, 'string'));
      return s ? decodeUtf8(s) : '0';
    }
    case 'intorstring':
      return intOrString(msg, fields);
    case 'rawjson':
      return rawJson(msg, fields);
    default:
      throw malformed(`${msg.name} cannot be decoded on its own`);
  }
}
