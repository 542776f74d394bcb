import { MAX_NESTING, excessiveNesting } from './nesting.js';
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Node, YAMLMap } from 'yaml';
import type { ManifestIssue } from './errors.js';
import { isHook, isSkip } from './hooks.js';
import { parseFast } from './fast-parse.js';
import type { KubeObject, Manifest } from './types.js';

/** The result of parsing one file: every object found and every problem, never only the first. */
export interface ParseResult {
  manifests: Manifest[];
  issues: ManifestIssue[];
}

/** Documents with more aliases than this are refused (a "billion laughs" guard). */
const MAX_ALIAS_COUNT = 100;

/**
 * Parse the text of one manifest file: multi-document YAML, or JSON (which YAML 1.2 reads too).
 * Empty documents are skipped, `List` objects (any object whose `items` is an array, as
 * apimachinery's `IsList`) are flattened, and every object remembers its file and line.
 * A top-level JSON/YAML array is read as a list of objects.
 */
export function parseManifestText(text: string, file: string): ParseResult {
  const deep = excessiveNesting(text);
  if (deep) return { manifests: [], issues: [{ file, line: deep.line, message: `invalid YAML: [ ] or { } nested more than ${MAX_NESTING} levels deep; not read` }] };
  const fast = parseFast(text, file, isValidObject);
  return fast ? { manifests: fast, issues: [] } : parseWithPositions(text, file);
}

/** A document the fast path may keep: one {@link collectObject} would keep without an issue. */
function isValidObject(value: Record<string, unknown>): boolean {
  if (validateShape(value).length > 0) return false;
  const { metadata } = value as unknown as KubeObject;
  const annotations = metadata.annotations ?? {};
  return Boolean(metadata.name) || isHook(annotations) || isSkip(annotations);
}

/** The `yaml` package's Document API: slower, with every node's position (the path of every file with a problem). */
export function parseWithPositions(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const lineOf = (offset: number | undefined): number =>
    offset === undefined ? 1 : lineCounter.linePos(offset).line;
  const manifests: Manifest[] = [];
  const issues: ManifestIssue[] = [];

  // The nesting guard ran in parseManifestText, before any parser saw the text.
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const docList = Array.isArray(docs) ? docs : [docs];
  for (const doc of docList) {
    const err = doc.errors[0];
    if (err) {
      // Later errors of a document usually follow from the first: report that one.
      const line = err.linePos?.[0]?.line ?? lineOf(err.pos[0]);
      issues.push({ file, line, message: `invalid YAML: ${firstLine(err.message).replace(/ at line \d+, column \d+:?$/, '')}` });
      continue;
    }
    const contents = doc.contents;
    if (contents === null) continue; // an empty document, as between two `---`
    if (isScalar(contents) && (contents.value === null || contents.value === undefined)) continue;

    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      issues.push({ file, line: lineOf(contents.range?.[0]), message: `invalid YAML: ${errorText(err)}` });
      continue;
    }
    if (isSeq(contents) && Array.isArray(value)) {
      contents.items.forEach((item, i) => {
        collectObject(value[i], item as Node, file, lineOf, manifests, issues);
      });
      continue;
    }
    collectObject(value, contents as Node, file, lineOf, manifests, issues);
  }
  return { manifests, issues };
}

function collectObject(
  value: unknown,
  node: Node,
  file: string,
  lineOf: (offset: number | undefined) => number,
  out: Manifest[],
  issues: ManifestIssue[],
): void {
  const line = lineOf(node.range?.[0]);
  if (!isPlainObject(value) || !isMap(node)) {
    issues.push({ file, line, message: 'document is not an object (expected a Kubernetes object with apiVersion and kind)' });
    return;
  }
  const items = value['items'];
  if (Array.isArray(items)) {
    // A List (v1/List, ConfigMapList, ...): flatten its items, each with its own line.
    const itemsNode = mapValue(node, 'items');
    items.forEach((item, i) => {
      const itemNode = isSeq(itemsNode) ? (itemsNode.items[i] as Node | undefined) : undefined;
      collectObject(item, itemNode ?? node, file, lineOf, out, issues);
    });
    return;
  }
  const problems = validateShape(value);
  if (problems.length > 0) {
    for (const p of problems) issues.push({ file, line: p.path ? lineAt(node, p.path, lineOf) ?? line : line, message: p.message });
    return;
  }
  const object = value as KubeObject;
  const annotations = object.metadata.annotations ?? {};
  if (!object.metadata.name && !isHook(annotations) && !isSkip(annotations)) {
    // §7: only hooks are named from generateName; a plain resource without a name cannot be synced.
    const hint = object.metadata.generateName ? ' (generateName is only honoured for hooks, docs/semantics.md §7)' : '';
    issues.push({ file, line, message: `${object.kind} has no metadata.name${hint}` });
    return;
  }
  out.push({ object, source: { file, line }, annotationLines: annotationLines(node, lineOf) });
}

interface ShapeProblem {
  message: string;
  path?: string[];
}

/** What a document must have to be an object at all; name rules come later, once hooks are known. */
function validateShape(obj: Record<string, unknown>): ShapeProblem[] {
  const problems: ShapeProblem[] = [];
  const apiVersion = obj['apiVersion'];
  const kind = obj['kind'];
  if (typeof apiVersion !== 'string' || apiVersion.trim() === '') {
    problems.push({ message: `document has no apiVersion${kindHint(kind)}`, ...(apiVersion === undefined ? {} : { path: ['apiVersion'] }) });
  }
  if (typeof kind !== 'string' || kind.trim() === '') {
    problems.push({ message: 'document has no kind', ...(kind === undefined ? {} : { path: ['kind'] }) });
  }
  const metadata = obj['metadata'];
  if (metadata === undefined || metadata === null) {
    obj['metadata'] = {};
    return problems;
  }
  if (!isPlainObject(metadata)) {
    problems.push({ message: 'metadata must be an object', path: ['metadata'] });
    return problems;
  }
  for (const field of ['name', 'generateName', 'namespace'] as const) {
    const v = metadata[field];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      problems.push({ message: `metadata.${field} must be a string`, path: ['metadata', field] });
    }
    if (v === null) delete metadata[field];
  }
  for (const field of ['labels', 'annotations'] as const) {
    const map = metadata[field];
    if (map === undefined || map === null) {
      if (map === null) delete metadata[field];
      continue;
    }
    if (!isPlainObject(map)) {
      problems.push({ message: `metadata.${field} must be a map of strings`, path: ['metadata', field] });
      continue;
    }
    for (const [key, v] of Object.entries(map)) {
      if (typeof v !== 'string') {
        problems.push({
          message: `metadata.${field}.${key} must be a string, got ${v === null ? 'null' : typeof v} (quote the value: "${String(v)}")`,
          path: ['metadata', field, key],
        });
      }
    }
  }
  return problems;
}

function kindHint(kind: unknown): string {
  return typeof kind === 'string' && kind !== '' ? ` (kind ${kind})` : '';
}

function annotationLines(node: YAMLMap, lineOf: (offset: number | undefined) => number): Record<string, number> {
  const out: Record<string, number> = {};
  const annotations = mapValue(mapValue(node, 'metadata'), 'annotations');
  if (!isMap(annotations)) return out;
  for (const pair of annotations.items) {
    if (isScalar(pair.key) && typeof pair.key.value === 'string') {
      out[pair.key.value] = lineOf(pair.key.range?.[0]);
    }
  }
  return out;
}

function lineAt(node: Node, path: string[], lineOf: (offset: number | undefined) => number): number | undefined {
  let current: unknown = node;
  for (let i = 0; i < path.length; i++) {
    if (!isMap(current)) return undefined;
    const pair = current.items.find((p) => isScalar(p.key) && p.key.value === path[i]);
    if (!pair) return undefined;
    if (i === path.length - 1) return lineOf((pair.key as Node).range?.[0]);
    current = pair.value;
  }
  return undefined;
}

function mapValue(node: unknown, key: string): unknown {
  if (!isMap(node)) return undefined;
  return node.items.find((p) => isScalar(p.key) && p.key.value === key)?.value;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
