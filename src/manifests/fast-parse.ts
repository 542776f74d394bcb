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
 * The line of each object is the line its first key is on; the line of each annotation key is
 * computed on first read (a warning needs it), by parsing the file again with positions.
 * Pure.
 */
import jsyaml from 'js-yaml';
import { Schema, isScalar } from 'yaml';
import type { ScalarTag } from 'yaml';
import type { Manifest } from './types.js';

/** What the fast path needs from the full parser: the same file read with positions. */
export type FullParse = (text: string, file: string) => { manifests: Manifest[] };

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
export function parseFast(text: string, file: string, validate: (value: Record<string, unknown>) => boolean, full: FullParse): Manifest[] | undefined {
  if (UNUSUAL.test(text)) return undefined;
  const lines: number[] = [];
  // The position and line each open node started at, by depth.
  const openAt: number[] = [];
  const openLine: number[] = [];
  let depth = 0;
  let multiLine = false;
  let docs: unknown[];
  try {
    docs = jsyaml.loadAll(text, undefined, {
      schema: SCHEMA,
      listener: (event, state) => {
        if (event === 'open') {
          if (depth === 0) lines.push(state.line + 1);
          openAt[depth] = state.position;
          openLine[depth] = state.line;
          depth++;
          return;
        }
        depth--;
        if (state.kind === 'scalar' && state.line !== openLine[depth] && !multiLine) multiLine = flowScalarOverLines(text, openAt[depth] ?? 0, state.position);
      },
    });
  } catch {
    return undefined;
  }
  // js-yaml is laxer than `yaml` about the indentation of a quoted or plain scalar's next lines.
  if (multiLine || lines.length !== docs.length) return undefined;
  const out: Manifest[] = [];
  let positions: Manifest[] | undefined;
  for (let i = 0; i < docs.length; i++) {
    const value = docs[i];
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) return undefined;
    const object = value as Record<string, unknown>;
    if (Array.isArray(object['items']) || !plainKeys(object, 0) || !validate(object)) return undefined;
    const index = out.length;
    const manifest = { object, source: { file, line: lines[i] as number } } as unknown as Manifest;
    Object.defineProperty(manifest, 'annotationLines', {
      enumerable: true,
      configurable: true,
      get(this: Manifest): Record<string, number> {
        positions ??= full(text, file).manifests;
        const found = positions[index]?.annotationLines ?? {};
        Object.defineProperty(this, 'annotationLines', { value: found, enumerable: true, writable: true, configurable: true });
        return found;
      },
    });
    out.push(manifest);
  }
  return out;
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
