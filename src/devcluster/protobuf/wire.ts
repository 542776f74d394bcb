/**
 * The protobuf wire format, just enough to read Kubernetes objects: varints (64-bit, as BigInt),
 * fixed32/fixed64, length-delimited values and packed repeated scalars. Every read is bounds-checked
 * and every message counts against a `Budget`, so a hostile body fails with a `ProtobufError`.
 */

export type ProtobufErrorKind = 'malformed' | 'unknownKind' | 'unsupported';

/** A body that cannot be decoded: `malformed` and `unknownKind` are 400s, `unsupported` a 415. */
export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
  constructor(
    readonly kind: ProtobufErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export function malformed(message: string): ProtobufError {
  return new ProtobufError('malformed', message);
}

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** What one body may cost: fields (and values) decoded, and message nesting. */
export interface Budget {
  fieldsLeft: number;
  readonly maxDepth: number;
}

export const MAX_FIELDS = 500_000;
export const MAX_DEPTH = 64;

export function newBudget(maxFields = MAX_FIELDS, maxDepth = MAX_DEPTH): Budget {
  return { fieldsLeft: maxFields, maxDepth };
}

export function spend(budget: Budget, count = 1): void {
  budget.fieldsLeft -= count;
  if (budget.fieldsLeft < 0) throw malformed('too many fields in the protobuf body');
}

/** One occurrence of a field: a varint as BigInt, anything else as its bytes. */
export interface RawField {
  wire: number;
  value: bigint | Uint8Array;
}

export class WireReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw malformed('unexpected end of data in a varint');
      const b = this.buf[this.pos++] ?? 0;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw malformed('varint longer than 10 bytes');
  }

  /** A varint that must fit in 31 bits (tags and lengths). */
  smallVarint(what: string): number {
    const v = this.varint();
    if (v > 0x7fffffffn) throw malformed(`${what} out of range`);
    return Number(v);
  }

  bytes(length: number): Uint8Array {
    if (length > this.buf.length - this.pos) throw malformed('unexpected end of data: a length runs past the end of its message');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }
}

/** A message's fields by number, each with its occurrences in wire order. */
export function scanMessage(buf: Uint8Array, budget: Budget): Map<number, RawField[]> {
  const fields = new Map<number, RawField[]>();
  const r = new WireReader(buf);
  while (!r.done) {
    spend(budget);
    const tag = r.varint();
    const number = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (number === 0 || tag >> 3n > 0x1fffffffn) throw malformed(`illegal field number in tag ${tag}`);
    let value: bigint | Uint8Array;
    if (wire === WIRE_VARINT) value = r.varint();
    else if (wire === WIRE_I64) value = r.bytes(8);
    else if (wire === WIRE_I32) value = r.bytes(4);
    else if (wire === WIRE_LEN) value = r.bytes(r.smallVarint('length'));
    else throw malformed(`unsupported wire type ${wire} for field ${number}`);
    const list = fields.get(number);
    if (list) list.push({ wire, value });
    else fields.set(number, [{ wire, value }]);
  }
  return fields;
}

/** The elements of a packed repeated field of `wire` type. */
export function unpack(bytes: Uint8Array, wire: number, budget: Budget): RawField[] {
  const out: RawField[] = [];
  const r = new WireReader(bytes);
  while (!r.done) {
    spend(budget);
    if (wire === WIRE_VARINT) out.push({ wire, value: r.varint() });
    else out.push({ wire, value: r.bytes(wire === WIRE_I64 ? 8 : 4) });
  }
  return out;
}

/** The bytes of several occurrences of one message field, concatenated: protobuf merges them. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
