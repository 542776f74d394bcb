/**
 * The fast path of manifest parsing: js-yaml (several times faster than the `yaml` package's
 * Document API, which keeps a node with positions for every value) for files made only of plain
 * Kubernetes objects. Anything it cannot answer for exactly as the `yaml` path would, it leaves to
 * that path (`undefined`), which then reads the file again with full positions, so every error
 * keeps its line:
 * - a YAML error of any kind, directives (`%YAML 1.1` switches `yaml` to YAML 1.1 booleans),
 *   anchors/aliases (the alias limit is `yaml`'s), explicit `?` keys and collection keys;
 * - a quoted or plain scalar over more than one line (js-yaml is laxer about their indentation);
 * - a document that is not a mapping, a List, a key `null` (`yaml` reads a `null`/`~` key as ``),
 *   a key over 1,024 characters (`yaml` refuses such implicit keys);
 * - any document that fails validation (the messages and lines come from the `yaml` path).
 * Plain scalars resolve through the `yaml` package's own YAML 1.2 core-schema tags, so `yes`
 * stays a string, `0o17` is 15, `<<` is an ordinary key: the values are the ones `yaml` gives.
 * The line of each object is the line its first key is on, and the line of each annotation key is
 * followed through js-yaml's node events; when those do not account for every annotation key
 * (flow-style annotations, `{...}`, which js-yaml reads through an extra node), the `yaml` path
 * reads the file.
 * Pure.
 */
import jsyaml from 'js-yaml';
import { Schema, isScalar } from 'yaml';
import type { ScalarTag } from 'yaml';
import type { KubeObject, Manifest } from './types.js';

/** Directives, anchors, aliases, explicit keys and collection keys anywhere (quoted or not: false alarms only cost speed). */
const UNUSUAL = /^%|(?:^|[\s,[{])[&*]|(?:^|[\s,[{])\?(?:\s|$)|[\]}][ \t]*:(?:\s|$)/m;
/** `yaml` refuses an implicit key longer than this. */
const MAX_KEY_LENGTH = 1024;

const CORE_TAGS: readonly ScalarTag[] = new Schema({ schema: 'core' }).tags.filter(
  (t): t is ScalarTag => t.default === true && 'test' in t && t.test instanceof RegExp,
);
const RESOLVE_OPTIONS = { intAsBigInt: false };
const fail = (message: string): never => {
  throw new Error(message);
};

/** Plain scalars resolved as `yaml`'s core schema resolves them (the first tag whose test matches). */
let matched: ScalarTag | undefined;
const corePlain = new jsyaml.Type('tag:hookrunner.io,2026:core-plain', {
  kind: 'scalar',
  resolve: (data: unknown): boolean => {
    if (typeof data !== 'string') return false;
    matched = CORE_TAGS.find((t) => t.test?.test(data));
    return matched !== undefined;
  },
  construct: (data: string): unknown => {
    const value: unknown = matched?.resolve(data, fail, RESOLVE_OPTIONS);
    // `null` resolves to a Scalar node holding null (the composer unwraps it).
    return isScalar(value) ? value.value : value;
  },
});
const SCHEMA = jsyaml.FAILSAFE_SCHEMA.extend({ implicit: [corePlain] });

/**
 * The objects of `text` with their lines, or undefined when the `yaml` path must read the file.
 * `validate` returns false for an object the full path would report on.
 */
export function parseFast(text: string, file: string, validate: (value: Record<string, unknown>) => boolean): Manifest[] | undefined {
  if (UNUSUAL.test(text)) return undefined;
  const reader = new PositionReader(text);
  let docs: unknown[];
  try {
    docs = jsyaml.loadAll(text, undefined, { schema: SCHEMA, listener: (event, state) => (event === 'open' ? reader.open(state) : reader.close(state)) });
  } catch {
    return undefined;
  }
  // js-yaml is laxer than `yaml` about the indentation of a quoted or plain scalar's next lines.
  if (reader.multiLine || reader.lines.length !== docs.length) return undefined;
  const out: Manifest[] = [];
  for (let i = 0; i < docs.length; i++) {
    const value = docs[i];
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) return undefined;
    const object = value as Record<string, unknown>;
    if (Array.isArray(object['items']) || !plainKeys(object, 0) || !validate(object)) return undefined;
    const annotationLines = reader.annotations[i] ?? {};
    if (!sameKeys(annotationLines, reader.annotationCounts[i] ?? 0, (object as Partial<KubeObject>).metadata?.annotations ?? {})) return undefined;
    out.push({ object: object as unknown as KubeObject, source: { file, line: reader.lines[i] as number }, annotationLines });
  }
  return out;
}

type ParserState = Parameters<NonNullable<jsyaml.LoadOptions['listener']>>[1];

/**
 * Follows js-yaml's node events: the line of each document's root node, the line of each key of
 * the root's `metadata.annotations` (keys and values alternate among a mapping's children), and
 * whether a quoted or plain scalar runs over several lines.
 */
class PositionReader {
  /** 1-based line of each document's root node. */
  readonly lines: number[] = [];
  /** Each document's annotation key lines, and how many annotation keys were seen (a key twice would be a mismatch). */
  readonly annotations: Record<string, number>[] = [];
  readonly annotationCounts: number[] = [];
  multiLine = false;
  private depth = 0;
  // By depth: where the open node started, how many children it has closed, the key it is the value of, its last key.
  private readonly openAt: number[] = [];
  private readonly openLine: number[] = [];
  private readonly children: number[] = [];
  private readonly keyOf: (string | undefined)[] = [];
  private readonly lastKey: (string | undefined)[] = [];
  private current: Record<string, number> = {};
  private count = 0;

  constructor(private readonly text: string) {}

  open(state: ParserState): void {
    const d = this.depth++;
    this.openAt[d] = state.position;
    this.openLine[d] = state.line;
    this.children[d] = 0;
    if (d === 0) {
      this.lines.push(state.line + 1);
      this.current = {};
      this.count = 0;
      this.keyOf[0] = undefined;
      return;
    }
    this.keyOf[d] = (this.children[d - 1] ?? 0) % 2 === 1 ? this.lastKey[d - 1] : undefined;
  }

  close(state: ParserState): void {
    const d = --this.depth;
    if (state.kind === 'scalar' && state.line !== this.openLine[d] && !this.multiLine) {
      this.multiLine = flowScalarOverLines(this.text, this.openAt[d] ?? 0, state.position);
    }
    if (d === 0) {
      this.annotations.push(this.current);
      this.annotationCounts.push(this.count);
      return;
    }
    const parent = d - 1;
    const index = this.children[parent] ?? 0;
    this.children[parent] = index + 1;
    if (index % 2 !== 0) return; // a value
    const key = String(state.result);
    this.lastKey[parent] = key;
    if (d === 3 && this.keyOf[2] === 'annotations' && this.keyOf[1] === 'metadata') {
      this.current[key] = (this.openLine[d] ?? 0) + 1;
      this.count++;
    }
  }
}

/** The annotation keys seen are exactly the object's (otherwise the yaml path reads the file). */
function sameKeys(lines: Record<string, number>, count: number, annotations: Record<string, string>): boolean {
  const keys = Object.keys(annotations);
  return keys.length === count && keys.every((k) => Object.hasOwn(lines, k));
}

/** Whether the scalar read from `from` to `to` is a quoted or plain one over more than one line (block scalars are fine). */
function flowScalarOverLines(text: string, from: number, to: number): boolean {
  const body = text.slice(from, to).trimStart();
  const first = body[0];
  if (first === '|' || first === '>') return false;
  return body.trimEnd().includes('\n');
}

/** No key the two parsers would read differently, at any depth. */
function plainKeys(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (depth > 100) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!plainKeys(item, depth + 1)) return false;
    return true;
  }
  for (const key of Object.keys(value)) {
    if (key === 'null' || key.length > MAX_KEY_LENGTH || key === '[object Object]') return false;
    if (!plainKeys((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}
