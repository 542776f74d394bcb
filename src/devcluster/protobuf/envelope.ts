/**
 * The Kubernetes protobuf envelope (k8s.io/apimachinery/pkg/runtime/serializer/protobuf): the magic
 * bytes `k8s\0`, then a `runtime.Unknown` { typeMeta { apiVersion, kind }, raw, contentEncoding,
 * contentType } whose `raw` is the object's own protobuf message.
 */
import { fieldNumber } from './tables.js';
import type { MessageDef, ProtoIndex } from './tables.js';
import { decodeUtf8 } from './scalars.js';
import { messageJson } from './to-json.js';
import { malformed, newBudget, ProtobufError, scanMessage, WIRE_LEN } from './wire.js';
import type { Budget, RawField } from './wire.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
export const PROTOBUF_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);
const UNKNOWN = 'k8s.io.apimachinery.pkg.runtime.Unknown';

/** Whether a Content-Type header names the Kubernetes protobuf media type. */
export function isProtobufMediaType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === PROTOBUF_MEDIA_TYPE;
}

/** What the request's URL says the object is, for a typeMeta that leaves it out (as the API server does). */
export interface ObjectDefaults {
  apiVersion: string;
  kind: string;
}

function lengthDelimited(unknown: MessageDef, fields: ReadonlyMap<number, RawField[]>, protoName: string): Uint8Array | undefined {
  const occurrences = fields.get(fieldNumber(unknown, protoName));
  const f = occurrences?.[occurrences.length - 1];
  if (!f) return undefined;
  if (f.wire !== WIRE_LEN || typeof f.value === 'bigint') throw malformed(`wrong wire type ${f.wire} for runtime.Unknown ${protoName}`);
  return f.value;
}

function typeMetaOf(index: ProtoIndex, unknown: MessageDef, bytes: Uint8Array | undefined, budget: Budget): { apiVersion: string; kind: string } {
  const def = unknown.fields.find((f) => f.json === 'typeMeta');
  if (!def || typeof def.type !== 'number') throw malformed('runtime.Unknown has no typeMeta message');
  const meta = bytes ? messageJson({ index, budget }, index.message(def.type), bytes, 1) : {};
  const get = (key: string): string => {
    const v = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>)[key] : undefined;
    return typeof v === 'string' ? v : '';
  };
  return { apiVersion: get('apiVersion'), kind: get('kind') };
}

/**
 * A protobuf request body → the JSON object a JSON client would have sent (apiVersion and kind
 * first). Throws `ProtobufError` for a body that is not a Kubernetes protobuf object.
 */
export function decodeEnvelope(index: ProtoIndex, body: Uint8Array, defaults: ObjectDefaults, budget: Budget = newBudget()): Record<string, unknown> {
  if (body.length < PROTOBUF_MAGIC.length || PROTOBUF_MAGIC.some((b, i) => body[i] !== b)) {
    throw malformed('the protobuf body does not start with the Kubernetes magic bytes "k8s\\x00"');
  }
  const unknown = index.byName(UNKNOWN);
  if (!unknown) throw malformed(`no ${UNKNOWN} in the protobuf tables`);
  const fields = scanMessage(body.subarray(PROTOBUF_MAGIC.length), budget);
  const encoding = lengthDelimited(unknown, fields, 'contentEncoding');
  if (encoding && encoding.length > 0) throw new ProtobufError('unsupported', `unsupported protobuf contentEncoding "${decodeUtf8(encoding)}"`);
  const innerType = lengthDelimited(unknown, fields, 'contentType');
  const inner = innerType ? decodeUtf8(innerType) : '';
  if (inner !== '' && !isProtobufMediaType(inner)) throw new ProtobufError('unsupported', `unsupported contentType "${inner}" inside the protobuf envelope`);
  const meta = typeMetaOf(index, unknown, lengthDelimited(unknown, fields, 'typeMeta'), budget);
  const apiVersion = meta.apiVersion || defaults.apiVersion;
  const kind = meta.kind || defaults.kind;
  const msg = index.kind(apiVersion, kind);
  if (!msg) {
    const versions = Object.values(index.tables.modules).join(', ');
    throw new ProtobufError('unknownKind', `no kind "${kind}" is registered for version "${apiVersion}" in the protobuf tables (generated from Kubernetes ${versions})`);
  }
  const obj = messageJson({ index, budget }, msg, lengthDelimited(unknown, fields, 'raw') ?? new Uint8Array(0), 1);
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw malformed(`${msg.name} did not decode to an object`);
  return { apiVersion, kind, ...obj };
}
