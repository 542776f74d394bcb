/**
 * Parsers for scripts/gen-kube-proto.ts: Kubernetes' `generated.proto` files (the proto2 subset
 * go-to-protobuf writes) and the struct tags of the Go types they were generated from.
 * Both are strict: anything outside the known subset stops the generator with file and line.
 */

export interface ProtoField {
  name: string;
  number: number;
  label: 'optional' | 'repeated' | 'map';
  /** Scalar name or message name as written (`string`, `ObjectMeta`, `.k8s.io.api.core.v1.PodSpec`). */
  type: string;
  /** Map key type (only for `map`). */
  keyType?: string;
}

export interface ProtoMessage {
  /** Fully qualified, without a leading dot: `k8s.io.api.core.v1.Pod`. */
  fullName: string;
  name: string;
  fields: ProtoField[];
}

export interface ProtoFile {
  path: string;
  pkg: string;
  goPackage: string;
  imports: string[];
  messages: ProtoMessage[];
}

export class GenerateError extends Error {
  override readonly name = 'GenerateError';
}

/** Comments removed, newlines kept so that line numbers stay right. */
function stripComments(text: string): string {
  // One pass, so that `/*` inside a line comment or a string does not open a block comment.
  return text.replace(/"(?:[^"\\\n]|\\.)*"|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (m) => (m.startsWith('"') ? m : m.replace(/[^\n]/g, '')));
}

const FIELD = /^(optional|repeated)\s+([.\w]+)\s+(\w+)\s*=\s*(\d+)\s*;$/;
const MAP_FIELD = /^map\s*<\s*(\w+)\s*,\s*([.\w]+)\s*>\s+(\w+)\s*=\s*(\d+)\s*;$/;

export function parseProto(path: string, text: string): ProtoFile {
  const file: ProtoFile = { path, pkg: '', goPackage: '', imports: [], messages: [] };
  let current: ProtoMessage | undefined;
  const lines = stripComments(text).split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const fail = (why: string): never => {
      throw new GenerateError(`${path}:${i + 1}: ${why}: ${line}`);
    };
    let m: RegExpExecArray | null;
    if (current) {
      if (line === '}') {
        file.messages.push(current);
        current = undefined;
      } else if ((m = FIELD.exec(line))) {
        current.fields.push({ label: m[1] as 'optional' | 'repeated', type: m[2] ?? '', name: m[3] ?? '', number: Number(m[4]) });
      } else if ((m = MAP_FIELD.exec(line))) {
        current.fields.push({ label: 'map', keyType: m[1] ?? '', type: m[2] ?? '', name: m[3] ?? '', number: Number(m[4]) });
      } else {
        fail('unsupported line in a message');
      }
    } else if (line === 'syntax = "proto2";') {
      // the only syntax go-to-protobuf writes
    } else if ((m = /^package\s+([\w.]+)\s*;$/.exec(line))) {
      file.pkg = m[1] ?? '';
    } else if ((m = /^import\s+"([^"]+)"\s*;$/.exec(line))) {
      file.imports.push(m[1] ?? '');
    } else if ((m = /^option\s+go_package\s*=\s*"([^"]+)"\s*;$/.exec(line))) {
      file.goPackage = m[1] ?? '';
    } else if ((m = /^message\s+(\w+)\s*\{$/.exec(line))) {
      if (!file.pkg) fail('message before package');
      current = { name: m[1] ?? '', fullName: `${file.pkg}.${m[1] ?? ''}`, fields: [] };
    } else {
      fail('unsupported top-level line');
    }
  });
  if (current) throw new GenerateError(`${path}: message ${current.name} is not closed`);
  if (!file.pkg || !file.goPackage) throw new GenerateError(`${path}: no package or go_package`);
  return file;
}

/** One Go struct field that carries a `protobuf:` tag. */
export interface GoField {
  goName: string;
  goType: string;
  embedded: boolean;
  /** The `name=` of the protobuf tag: the proto field name (absent in a few tags). */
  protoName: string | undefined;
  protoNumber: number;
  /** The json tag: undefined when absent; name '' when only options (`json:",inline"`). */
  json?: { name: string; options: string[] };
}

export interface GoTypes {
  /** Struct name → its protobuf-tagged fields in declaration order. */
  structs: Map<string, GoField[]>;
  /** Named slice and map types: `type ExtraValue []string` → 'list'. */
  collections: Map<string, 'list' | 'map'>;
  /** Types defined as another package's struct: `type MatchCondition v1.MatchCondition`. */
  defined: Map<string, { importPath: string; name: string }>;
}

function parseTags(tags: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tags.matchAll(/(\w+):"([^"]*)"/g)) out.set(m[1] ?? '', m[2] ?? '');
  return out;
}

const FIELD_LINE = /^(?:(\w+)\s+)?(\S+)\s+`([^`]*)`\s*(?:\/\/.*)?$/;

function parseGoField(path: string, lineNo: number, line: string): GoField | undefined {
  const m = FIELD_LINE.exec(line);
  if (!m) {
    if (line.includes('protobuf:"')) throw new GenerateError(`${path}:${lineNo}: cannot read the field: ${line}`);
    return undefined;
  }
  const tags = parseTags(m[3] ?? '');
  const proto = tags.get('protobuf');
  if (proto === undefined || proto === '-') return undefined;
  const parts = proto.split(',');
  const nameOpt = parts.find((p) => p.startsWith('name='));
  const number = Number(parts[1]);
  if (!Number.isInteger(number) || number < 1) throw new GenerateError(`${path}:${lineNo}: unexpected protobuf tag "${proto}"`);
  const goType = m[2] ?? '';
  const embedded = m[1] === undefined;
  const goName = embedded ? (goType.replace(/^\*/, '').split('.').pop() ?? goType) : (m[1] ?? '');
  const jsonTag = tags.get('json');
  const field: GoField = { goName, goType, embedded, protoName: nameOpt?.slice('name='.length), protoNumber: number };
  if (jsonTag !== undefined) {
    const [name = '', ...options] = jsonTag.split(',');
    field.json = { name, options };
  }
  return field;
}

/** The protobuf-tagged structs and the named slice/map types of one Go source file. */
export function parseGoSource(path: string, text: string, into: GoTypes): void {
  const lines = text.split('\n');
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/^(?:import\s+|\t)(?:(\w+)\s+)?"([\w./-]+)"\s*$/gm)) {
    const importPath = m[2] ?? '';
    imports.set(m[1] ?? importPath.split('/').pop() ?? importPath, importPath);
  }
  let struct: { name: string; fields: GoField[] } | undefined;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\s+$/, '');
    if (struct) {
      if (line === '}') {
        if (struct.fields.length > 0) into.structs.set(struct.name, struct.fields);
        struct = undefined;
        return;
      }
      const trimmed = line.trim();
      if (trimmed.startsWith('//') || !trimmed) return;
      if (/\{\s*(\/\/.*)?$/.test(trimmed)) throw new GenerateError(`${path}:${i + 1}: nested struct in ${struct.name} is not supported`);
      const field = parseGoField(path, i + 1, trimmed);
      if (field) struct.fields.push(field);
      return;
    }
    let m = /^type\s+(\w+)\s+struct\s*\{$/.exec(line);
    if (m) {
      struct = { name: m[1] ?? '', fields: [] };
      return;
    }
    m = /^type\s+(\w+)\s+(\[\]|map\[)/.exec(line);
    if (m) into.collections.set(m[1] ?? '', m[2] === '[]' ? 'list' : 'map');
    m = /^type\s+(\w+)\s+(\w+)\.([A-Z]\w*)\s*$/.exec(line);
    const importPath = m ? imports.get(m[2] ?? '') : undefined;
    if (m && importPath) into.defined.set(m[1] ?? '', { importPath, name: m[3] ?? '' });
  });
}
