/** An indexed, lazily loaded view of the generated decoding tables (see schema.ts). */
import type { KubeProtoTables, ScalarType, SpecialKind } from './schema.js';

export * from './schema.js';

export interface FieldDef {
  number: number;
  json: string;
  type: ScalarType | number;
  keyType: ScalarType | undefined;
  flags: number;
}

export interface MessageDef {
  index: number;
  name: string;
  special: SpecialKind;
  fields: readonly FieldDef[];
}

export class ProtoIndex {
  readonly messages: readonly MessageDef[];
  private readonly names: ReadonlyMap<string, MessageDef>;

  constructor(readonly tables: KubeProtoTables) {
    this.messages = tables.messages.map(([name, special, rows], index) => {
      const fields = rows.map((r): FieldDef => ({ number: r[0], json: r[1], type: r[2], flags: r[3], keyType: r[4] }));
      return { index, name, special, fields };
    });
    this.names = new Map(this.messages.map((m) => [m.name, m]));
  }

  message(index: number): MessageDef {
    const m = this.messages[index];
    if (!m) throw new RangeError(`no protobuf message #${index}`);
    return m;
  }

  byName(name: string): MessageDef | undefined {
    return this.names.get(name);
  }

  /**
   * The message of a kind served at an apiVersion. The meta/v1 kinds (DeleteOptions, …) are
   * registered in every group-version, custom resources' too.
   */
  kind(apiVersion: string, kind: string): MessageDef | undefined {
    const i = this.tables.kinds[apiVersion]?.[kind] ?? this.tables.metaKinds[kind];
    return i === undefined ? undefined : this.message(i);
  }
}

/** A special message's field number by its proto name. */
export function fieldNumber(msg: MessageDef, protoName: string): number {
  const f = msg.fields.find((x) => x.json === protoName);
  if (!f) throw new RangeError(`${msg.name} has no field ${protoName}`);
  return f.number;
}

let loaded: Promise<ProtoIndex> | undefined;

/** The generated tables, imported on first use (they are only needed for protobuf bodies). */
export function kubeProto(): Promise<ProtoIndex> {
  loaded ??= import('./kube-proto.generated.js').then((m) => new ProtoIndex(m.KUBE_PROTO));
  return loaded;
}
