/**
 * A Kubernetes protobuf message → the JSON the Go API server would write for the same Go value.
 * gogo proto2 writes non-pointer fields always (even zero) and pointer fields only when set, so:
 * a pointer on the wire is kept even when zero (a Job's `backoffLimit: 0`), a non-pointer zero scalar
 * with `omitempty` is dropped, empty lists and maps are dropped, nulls are dropped from objects
 * (null and absent are the same to the API server), and `json:",inline"` structs merge into their parent.
 */
import { isZeroScalar, packable, scalarValue, wireOf, zeroScalar } from './scalars.js';
import { specialJson } from './special.js';
import { F_INLINE, F_MAP, F_OMITEMPTY, F_OMITZERO, F_POINTER, F_REPEATED } from './tables.js';
import type { FieldDef, MessageDef, ProtoIndex, ScalarType } from './tables.js';
import { concat, malformed, scanMessage, spend, unpack, WIRE_LEN } from './wire.js';
import type { Budget, RawField } from './wire.js';

export interface DecodeContext {
  index: ProtoIndex;
  budget: Budget;
}

const EMPTY = new Uint8Array(0);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Like `obj[key] = value`, also for keys such as `__proto__` (as JSON.parse does). */
function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The JSON of one message from its bytes; `depth` counts enclosing messages. */
export function messageJson(ctx: DecodeContext, msg: MessageDef, bytes: Uint8Array, depth: number): unknown {
  if (depth > ctx.budget.maxDepth) throw malformed(`protobuf messages nested deeper than ${ctx.budget.maxDepth}`);
  spend(ctx.budget);
  const fields = scanMessage(bytes, ctx.budget);
  switch (msg.special) {
    case '':
    case 'envelope':
      return plainJson(ctx, msg, fields, depth);
    case 'list': {
      const def = msg.fields[0];
      const items = def ? repeatedJson(ctx, msg, def, fields.get(def.number) ?? [], depth) : [];
      return items.length > 0 ? items : null;
    }
    case 'map': {
      const def = msg.fields[0];
      const map = def ? mapJson(ctx, msg, def, fields.get(def.number) ?? [], depth) : {};
      return Object.keys(map).length > 0 ? map : null;
    }
    default:
      return specialJson(msg, fields);
  }
}

function plainJson(ctx: DecodeContext, msg: MessageDef, fields: ReadonlyMap<number, RawField[]>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const def of msg.fields) {
    const occurrences = fields.get(def.number);
    const value = occurrences ? presentJson(ctx, msg, def, occurrences, depth) : absentJson(ctx, def, depth);
    if (value === undefined || value === null) continue;
    if (def.flags & F_INLINE) {
      if (isObject(value)) for (const [k, v] of Object.entries(value)) setKey(out, k, v);
    } else {
      setKey(out, def.json, value);
    }
  }
  return out;
}

function where(msg: MessageDef, def: FieldDef): string {
  return `${msg.name} field ${def.number} (${def.json || 'inline'})`;
}

/** One value of a field's type: a scalar, or a message from its bytes. */
function elementJson(ctx: DecodeContext, type: ScalarType | number, f: RawField, place: string, depth: number): unknown {
  if (typeof type !== 'number') return scalarValue(type, f, place);
  if (f.wire !== WIRE_LEN || typeof f.value === 'bigint') throw malformed(`wrong wire type ${f.wire} for ${place}`);
  return messageJson(ctx, ctx.index.message(type), f.value, depth + 1);
}

function repeatedJson(ctx: DecodeContext, msg: MessageDef, def: FieldDef, occurrences: readonly RawField[], depth: number): unknown[] {
  const out: unknown[] = [];
  const place = where(msg, def);
  for (const f of occurrences) {
    if (typeof def.type !== 'number' && packable(def.type) && f.wire === WIRE_LEN && typeof f.value !== 'bigint') {
      for (const item of unpack(f.value, wireOf(def.type), ctx.budget)) out.push(scalarValue(def.type, item, place));
    } else {
      out.push(elementJson(ctx, def.type, f, place, depth));
    }
  }
  return out;
}

function mapJson(ctx: DecodeContext, msg: MessageDef, def: FieldDef, occurrences: readonly RawField[], depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const place = where(msg, def);
  for (const entry of occurrences) {
    if (entry.wire !== WIRE_LEN || typeof entry.value === 'bigint') throw malformed(`wrong wire type ${entry.wire} for ${place}`);
    if (depth + 1 > ctx.budget.maxDepth) throw malformed(`protobuf messages nested deeper than ${ctx.budget.maxDepth}`);
    // A map entry is a message { key = 1; value = 2; }
    const kv = scanMessage(entry.value, ctx.budget);
    const keys = kv.get(1);
    const values = kv.get(2);
    const keyField = keys?.[keys.length - 1];
    const key = keyField ? scalarValue(def.keyType ?? 'string', keyField, `${place} key`) : zeroScalar(def.keyType ?? 'string');
    let value: unknown;
    if (typeof def.type === 'number') {
      value = messageJson(ctx, ctx.index.message(def.type), lengthDelimited(values ?? [], `${place} value`), depth + 2);
    } else {
      const v = values?.[values.length - 1];
      value = v ? scalarValue(def.type, v, `${place} value`) : zeroScalar(def.type);
    }
    setKey(out, String(key), value);
  }
  return out;
}

/** The bytes of a message field's occurrences: several merge, as their concatenation does. */
function lengthDelimited(occurrences: readonly RawField[], place: string): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of occurrences) {
    if (f.wire !== WIRE_LEN || typeof f.value === 'bigint') throw malformed(`wrong wire type ${f.wire} for ${place}`);
    parts.push(f.value);
  }
  return concat(parts);
}

/** A field that is on the wire. */
function presentJson(ctx: DecodeContext, msg: MessageDef, def: FieldDef, occurrences: readonly RawField[], depth: number): unknown {
  if (def.flags & F_MAP) {
    const map = mapJson(ctx, msg, def, occurrences, depth);
    return Object.keys(map).length > 0 ? map : undefined;
  }
  if (def.flags & F_REPEATED) {
    const items = repeatedJson(ctx, msg, def, occurrences, depth);
    return items.length > 0 ? items : undefined;
  }
  const place = where(msg, def);
  if (typeof def.type !== 'number') {
    const last = occurrences[occurrences.length - 1];
    const value = last ? scalarValue(def.type, last, place) : undefined;
    return !(def.flags & F_POINTER) && def.flags & F_OMITEMPTY && isZeroScalar(value) ? undefined : value;
  }
  const sub = ctx.index.message(def.type);
  const value = messageJson(ctx, sub, lengthDelimited(occurrences, place), depth + 1);
  if (def.flags & F_OMITZERO && !(def.flags & F_POINTER) && isZeroMessage(ctx, sub, value, depth)) return undefined;
  return value;
}

/** A field that is not on the wire: Go has its zero value, and writes it unless omitted. */
function absentJson(ctx: DecodeContext, def: FieldDef, depth: number): unknown {
  if (def.flags & (F_MAP | F_REPEATED | F_POINTER)) return undefined;
  if (typeof def.type !== 'number') return def.flags & F_OMITEMPTY ? undefined : zeroScalar(def.type);
  if (def.flags & F_OMITZERO) return undefined;
  return messageJson(ctx, ctx.index.message(def.type), EMPTY, depth + 1);
}

function isZeroMessage(ctx: DecodeContext, msg: MessageDef, value: unknown, depth: number): boolean {
  if (value === null) return true;
  return JSON.stringify(value) === JSON.stringify(messageJson(ctx, msg, EMPTY, depth + 1));
}
