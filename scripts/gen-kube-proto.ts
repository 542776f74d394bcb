/**
 * Generates src/devcluster/protobuf/kube-proto.generated.ts, the tables the dev cluster uses to
 * decode Kubernetes protobuf request bodies (what kubectl's `create namespace|secret|deployment|job…`
 * generators send), from Kubernetes' own sources:
 *  - every `generated.proto` of k8s.io/api and the apimachinery ones (meta/v1, resource, intstr,
 *    runtime, runtime/schema): field numbers, wire types, repeated, maps, message references;
 *  - the Go struct tags of the same packages (`json:"replicas,omitempty" protobuf:"…,name=replicas"`):
 *    JSON names, omitempty/omitzero, `json:",inline"`, pointer or not;
 *  - each package's register.go: the group name and the kinds it serves.
 * The modules are the ones controlplane/go.mod pins, found with `go mod download -json`.
 *
 * Usage: npx tsx scripts/gen-kube-proto.ts [--check]   (npm run gen:kube-proto)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { GenerateError, parseGoSource, parseProto } from './gen-kube-proto-parse.js';
import type { GoField, GoTypes, ProtoField, ProtoFile, ProtoMessage } from './gen-kube-proto-parse.js';
import { F_INLINE, F_MAP, F_OMITEMPTY, F_OMITZERO, F_POINTER, F_REPEATED } from '../src/devcluster/protobuf/schema.js';

const ROOT = resolve(import.meta.dirname, '..');
const CONTROLPLANE = join(ROOT, 'controlplane');
const OUT = join(ROOT, 'src', 'devcluster', 'protobuf', 'kube-proto.generated.ts');
const APIMACHINERY_PROTOS = ['pkg/apis/meta/v1', 'pkg/api/resource', 'pkg/util/intstr', 'pkg/runtime', 'pkg/runtime/schema'];
const SCALARS = new Set(['double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes']);

/** Go types with hand-written JSON (MarshalJSON) whose protobuf form the decoder turns into that JSON. */
const SPECIAL: Readonly<Record<string, string>> = {
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time': 'time',
  'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime': 'microtime',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Duration': 'duration',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Timestamp': 'plain',
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1': 'rawjson',
  'k8s.io.apimachinery.pkg.api.resource.Quantity': 'quantity',
  'k8s.io.apimachinery.pkg.api.resource.QuantityValue': 'quantity',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': 'intorstring',
  'k8s.io.apimachinery.pkg.runtime.RawExtension': 'rawjson',
  'k8s.io.apimachinery.pkg.runtime.Unknown': 'envelope',
};


interface Module {
  path: string;
  version: string;
  dir: string;
}

function goModule(path: string): Module {
  const out = execFileSync('go', ['mod', 'download', '-json', path], { cwd: CONTROLPLANE, encoding: 'utf8' });
  const info = JSON.parse(out) as { Path?: string; Version?: string; Dir?: string; Error?: string };
  if (info.Error || !info.Dir || !info.Version) throw new GenerateError(`go mod download ${path}: ${info.Error ?? 'no Dir'}`);
  return { path, version: info.Version, dir: info.Dir };
}

function findProtos(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === 'generated.proto') out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

interface Loaded {
  file: ProtoFile;
  importPath: string;
  goDir: string;
}

function loadProtos(api: Module, machinery: Module): Loaded[] {
  const paths = [...findProtos(api.dir), ...APIMACHINERY_PROTOS.map((p) => join(machinery.dir, p, 'generated.proto'))];
  return paths.map((p) => {
    const mod = p.startsWith(api.dir) ? api : machinery;
    const file = parseProto(relative(mod.dir, p), readFileSync(p, 'utf8'));
    if (!file.goPackage.startsWith(`${mod.path}/`)) throw new GenerateError(`${p}: go_package ${file.goPackage} is outside ${mod.path}`);
    return { file, importPath: `${mod.path}/${relative(mod.dir, p)}`, goDir: join(mod.dir, file.goPackage.slice(mod.path.length + 1)) };
  });
}

function goTypesOf(dir: string, cache: Map<string, GoTypes>): GoTypes {
  const hit = cache.get(dir);
  if (hit) return hit;
  const types: GoTypes = { structs: new Map(), collections: new Map(), defined: new Map() };
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.go') || name.endsWith('_test.go') || name.endsWith('.pb.go') || name.startsWith('zz_generated') || name.includes('swagger_doc')) continue;
    parseGoSource(join(dir, name), readFileSync(join(dir, name), 'utf8'), types);
  }
  cache.set(dir, types);
  return types;
}

/** A Go struct's tagged fields, following `type X otherpkg.Y` to the struct it is defined as. */
function structOf(name: string, go: GoTypes, modules: Module[], cache: Map<string, GoTypes>): GoField[] | undefined {
  const own = go.structs.get(name);
  if (own) return own;
  const def = go.defined.get(name);
  const mod = def ? modules.find((m) => def.importPath.startsWith(`${m.path}/`)) : undefined;
  if (!def || !mod) return undefined;
  const other = goTypesOf(join(mod.dir, def.importPath.slice(mod.path.length + 1)), cache);
  return structOf(def.name, other, modules, cache);
}

type FieldRow = [number, string, string | number, number] | [number, string, string | number, number, string];

function typeRef(field: ProtoField, pkg: string, index: Map<string, number>, where: string): string | number {
  if (SCALARS.has(field.type)) return field.type;
  const full = field.type.startsWith('.') ? field.type.slice(1) : `${pkg}.${field.type}`;
  const i = index.get(full);
  if (i === undefined) throw new GenerateError(`${where}: unknown type ${field.type}`);
  return i;
}

function jsonOf(go: GoField): { name: string; flags: number } | undefined {
  const json = go.json ?? { name: '', options: [] };
  if (json.name === '-') return undefined;
  let flags = go.goType.startsWith('*') ? F_POINTER : 0;
  if (json.options.includes('omitempty')) flags |= F_OMITEMPTY;
  if (json.options.includes('omitzero')) flags |= F_OMITZERO;
  if (go.embedded && json.name === '') return { name: '', flags: flags | F_INLINE };
  return { name: json.name || go.goName, flags };
}

function fieldRows(msg: ProtoMessage, pkg: string, protoNames: boolean, goFields: GoField[] | undefined, index: Map<string, number>): FieldRow[] {
  const where = msg.fullName;
  if (!protoNames && !goFields && msg.fields.length > 0) throw new GenerateError(`${where}: no Go struct with protobuf tags`);
  for (const g of goFields ?? []) {
    const p = msg.fields.find((f) => f.number === g.protoNumber);
    if (!p || (g.protoName !== undefined && p.name !== g.protoName)) throw new GenerateError(`${where}: Go field ${g.goName} (${g.protoName ?? ''}=${g.protoNumber}) is not in the proto`);
  }
  const rows: FieldRow[] = [];
  for (const f of msg.fields) {
    let name = f.name;
    let flags = 0;
    if (goFields) {
      const g = goFields.find((x) => x.protoNumber === f.number);
      if (!g) throw new GenerateError(`${where}.${f.name}: no Go field has protobuf number ${f.number}`);
      const json = jsonOf(g);
      if (!json) continue;
      ({ name, flags } = json);
    }
    if (f.label === 'repeated') flags |= F_REPEATED;
    const type = typeRef(f, pkg, index, `${where}.${f.name}`);
    if (flags & F_INLINE && (typeof type !== 'number' || f.label !== 'optional')) throw new GenerateError(`${where}.${f.name}: inline field is not a message`);
    if (f.label === 'map') {
      if (!f.keyType || !SCALARS.has(f.keyType)) throw new GenerateError(`${where}.${f.name}: unsupported map key ${f.keyType ?? ''}`);
      rows.push([f.number, name, type, flags | F_MAP, f.keyType]);
    } else {
      rows.push([f.number, name, type, flags]);
    }
  }
  return rows;
}

/** `apps/v1` → kind → message index, from each package's register.go. */
function kindsOf(loaded: Loaded[], index: Map<string, number>): { kinds: Record<string, Record<string, number>>; metaKinds: Record<string, number> } {
  const kinds: Record<string, Record<string, number>> = {};
  let metaKinds: Record<string, number> = {};
  for (const { file, goDir } of loaded) {
    const register = join(goDir, 'register.go');
    const isMeta = file.pkg === 'k8s.io.apimachinery.pkg.apis.meta.v1';
    if (!existsSync(register) || (!isMeta && !file.pkg.startsWith('k8s.io.api.'))) continue;
    const text = readFileSync(register, 'utf8');
    const served: Record<string, number> = {};
    for (const m of text.matchAll(/&(\w+)\{\}/g)) {
      const i = index.get(`${file.pkg}.${m[1] ?? ''}`);
      if (i !== undefined) served[m[1] ?? ''] = i;
    }
    if (isMeta) {
      metaKinds = served;
      continue;
    }
    const group = /const GroupName = "([^"]*)"/.exec(text);
    const version = /SchemeGroupVersion = schema\.GroupVersion\{Group: GroupName, Version: "(\w+)"\}/.exec(text);
    if (!group || !version) throw new GenerateError(`${register}: no GroupName or SchemeGroupVersion`);
    const apiVersion = group[1] ? `${group[1]}/${version[1] ?? ''}` : (version[1] ?? '');
    if (Object.keys(served).length > 0) kinds[apiVersion] = served;
  }
  return { kinds, metaKinds };
}

function render(api: Module, machinery: Module, messages: { msg: ProtoMessage; special: string; rows: FieldRow[] }[], kinds: ReturnType<typeof kindsOf>): string {
  const lines = [
    '// Code generated by scripts/gen-kube-proto.ts (npm run gen:kube-proto). DO NOT EDIT.',
    `// Source: ${api.path} ${api.version} and ${machinery.path} ${machinery.version} (as pinned by controlplane/go.mod):`,
    '// every generated.proto of k8s.io/api plus apimachinery meta/v1, resource, intstr, runtime, runtime/schema,',
    '// with JSON names, omitempty and pointer-ness from the Go struct tags and kinds from register.go.',
    '// Rows: [message, special, fields]; fields: [number, json name, scalar type or message index, flags, map key type].',
    "import type { KubeProtoTables } from './schema.js';",
    '',
    'export const KUBE_PROTO: KubeProtoTables = {',
    `  modules: ${JSON.stringify({ [api.path]: api.version, [machinery.path]: machinery.version })},`,
    `  kinds: ${JSON.stringify(kinds.kinds)},`,
    `  metaKinds: ${JSON.stringify(kinds.metaKinds)},`,
    '  messages: [',
    ...messages.map(({ msg, special, rows }) => `    ${JSON.stringify([msg.fullName, special, rows])},`),
    '  ],',
    '};',
    '',
  ];
  return lines.join('\n');
}

function generate(): string {
  const api = goModule('k8s.io/api');
  const machinery = goModule('k8s.io/apimachinery');
  const loaded = loadProtos(api, machinery);
  const known = new Set(loaded.map((l) => l.importPath));
  for (const { file } of loaded) {
    for (const imp of file.imports) if (!known.has(imp)) throw new GenerateError(`${file.path}: import ${imp} is not among the parsed files`);
  }
  const all = loaded.flatMap((l) => l.file.messages.map((msg) => ({ msg, loaded: l }))).sort((a, b) => (a.msg.fullName < b.msg.fullName ? -1 : 1));
  const index = new Map(all.map((m, i) => [m.msg.fullName, i]));
  if (index.size !== all.length) throw new GenerateError('duplicate message names');
  const cache = new Map<string, GoTypes>();
  const messages = all.map(({ msg, loaded: l }) => {
    const go = goTypesOf(l.goDir, cache);
    const special = SPECIAL[msg.fullName] ?? go.collections.get(msg.name) ?? '';
    if (special === 'list' || special === 'map') {
      const only = msg.fields[0];
      if (msg.fields.length !== 1 || !only || (special === 'list' ? only.label !== 'repeated' : only.label !== 'map')) throw new GenerateError(`${msg.fullName}: Go ${special} type with an unexpected message shape`);
    }
    // Special messages keep their proto field names: the decoder reads them by those names.
    const rows = fieldRows(msg, l.file.pkg, special !== '', special ? undefined : structOf(msg.name, go, [api, machinery], cache), index);
    return { msg, special: special === 'plain' ? '' : special, rows };
  });
  return render(api, machinery, messages, kindsOf(loaded, index));
}

function main(): void {
  const text = generate();
  if (process.argv.includes('--check')) {
    const current = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
    if (current !== text) {
      console.error(`${relative(ROOT, OUT)} is out of date: run npm run gen:kube-proto`);
      process.exit(1);
    }
    console.log(`${relative(ROOT, OUT)} is up to date`);
    return;
  }
  writeFileSync(OUT, text);
  console.log(`wrote ${relative(ROOT, OUT)} (${text.length} bytes)`);
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
