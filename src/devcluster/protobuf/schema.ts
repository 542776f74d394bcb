/**
 * The shape of the generated decoding tables (kube-proto.generated.ts, written by
 * scripts/gen-kube-proto.ts from Kubernetes' generated.proto files and Go struct tags).
 */

export type ScalarType =
  | 'double'
  | 'float'
  | 'int32'
  | 'int64'
  | 'uint32'
  | 'uint64'
  | 'sint32'
  | 'sint64'
  | 'fixed32'
  | 'fixed64'
  | 'sfixed32'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

/**
 * Messages whose JSON is not their fields: Go types with their own MarshalJSON, Go slice/map types
 * wrapped in a message (`list`, `map`), and the `runtime.Unknown` envelope. Their field names are the
 * proto names.
 */
export type SpecialKind = '' | 'time' | 'microtime' | 'duration' | 'quantity' | 'intorstring' | 'rawjson' | 'list' | 'map' | 'envelope';

/** Field flags. */
export const F_REPEATED = 1;
export const F_MAP = 2;
/** A Go pointer: on the wire only when set, and then kept even when zero. */
export const F_POINTER = 4;
export const F_OMITEMPTY = 8;
/** An embedded Go struct without a JSON name: its fields are the parent's. */
export const F_INLINE = 16;
export const F_OMITZERO = 32;

/** [number, JSON name, scalar type or message index, flags, map key type] */
export type FieldRow = readonly [number, string, ScalarType | number, number] | readonly [number, string, ScalarType | number, number, ScalarType];
/** [fully qualified message name, special kind, fields] */
export type MessageRow = readonly [string, SpecialKind, readonly FieldRow[]];

export interface KubeProtoTables {
  /** Module path → version the tables were generated from. */
  modules: Readonly<Record<string, string>>;
  /** apiVersion (`v1`, `apps/v1`) → kind → message index. */
  kinds: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** meta/v1 kinds every group-version serves (DeleteOptions, …) → message index. */
  metaKinds: Readonly<Record<string, number>>;
  messages: readonly MessageRow[];
}
