import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART } from './helm.js';

/** A `values.yaml` key and whether a helm-docs `# --` comment documents it. */
interface ValueKey {
  readonly path: string;
  readonly line: number;
  readonly documented: boolean;
  /** Its value is a nested mapping (children follow on more-indented lines). */
  readonly isMap: boolean;
}

/**
 * Read the keys of a values.yaml by indentation (two spaces a level), with the comment block
 * directly above each key. List items (`- …`) are values, not keys.
 */
function valueKeys(text: string): ValueKey[] {
  const lines = text.split('\n');
  const stack: { indent: number; name: string }[] = [];
  const keys: ValueKey[] = [];
  lines.forEach((line, index) => {
    const match = /^( *)([A-Za-z][\w-]*):(.*)$/.exec(line);
    if (!match) return;
    const indent = match[1]?.length ?? 0;
    while (stack.length > 0 && (stack.at(-1)?.indent ?? 0) >= indent) stack.pop();
    const path = [...stack.map((s) => s.name), match[2] ?? ''].join('.');
    stack.push({ indent, name: match[2] ?? '' });
    const comments: string[] = [];
    for (let i = index - 1; i >= 0; i -= 1) {
      const above = lines[i] ?? '';
      if (!above.trim().startsWith('#') || above.indexOf('#') !== indent) break;
      comments.unshift(above.trim());
    }
    const next = lines.slice(index + 1).find((l) => l.trim() !== '' && !l.trim().startsWith('#')) ?? '';
    const nextIndent = next.length - next.trimStart().length;
    const isMap = (match[3] ?? '').trim() === '' && nextIndent > indent && !next.trim().startsWith('-');
    keys.push({ path, line: index + 1, documented: comments.some((c) => c.startsWith('# -- ')), isMap });
  });
  return keys;
}

interface SchemaNode {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: boolean | SchemaNode;
  readonly required?: readonly string[];
  readonly description?: string;
}

/** The schema node of a dotted values path, or undefined when the schema does not describe it. */
function schemaAt(schema: SchemaNode, path: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = schema;
  for (const part of path.split('.')) {
    if (!node) return undefined;
    const child: SchemaNode | undefined = node.properties?.[part];
    if (child) node = child;
    else if (typeof node.additionalProperties === 'object') node = node.additionalProperties;
    else return undefined;
  }
  return node;
}

let valuesText = '';
let keys: ValueKey[] = [];
let schema: SchemaNode;

beforeAll(async () => {
  valuesText = await readFile(join(CHART, 'values.yaml'), 'utf8');
  keys = valueKeys(valuesText);
  schema = JSON.parse(await readFile(join(CHART, 'values.schema.json'), 'utf8')) as SchemaNode;
});

describe('when reading values.yaml (helm-docs style, STYLE.md item 12)', () => {
  it('should find the keys of nested values', () => {
    expect(keys.map((k) => k.path)).toEqual(
      expect.arrayContaining(['image.repository', 'api.livenessProbe.periodSeconds', 'redis.persistence.size']),
    );
  });

  it('should document every value with a `# --` comment, on the value or on a whole mapping', () => {
    const covered = new Set(keys.filter((k) => k.documented).map((k) => k.path));
    const undocumented = keys.filter(
      (k) => !k.isMap && !k.documented && ![...covered].some((c) => k.path.startsWith(`${c}.`)),
    );
    expect(undocumented.map((k) => `${k.path} (line ${k.line})`)).toEqual([]);
  });

  it('should describe every value in values.schema.json and reject unknown keys', () => {
    const missing = keys.filter((k) => schemaAt(schema, k.path) === undefined).map((k) => k.path);
    expect(missing).toEqual([]);
    expect(schema.additionalProperties).toBe(false);
    for (const key of keys.filter((k) => k.isMap)) {
      const node = schemaAt(schema, key.path);
      // A mapping the schema spells out must not accept typos beneath it.
      if (node?.properties) expect(node.additionalProperties, key.path).toBe(false);
    }
  });

  it('should give every required schema key a default in values.yaml', () => {
    const values: unknown = parse(valuesText);
    const walk = (node: SchemaNode, value: unknown, path: string): string[] =>
      (node.required ?? []).flatMap((name) => {
        const here = path === '' ? name : `${path}.${name}`;
        if (typeof value !== 'object' || value === null || !(name in value)) return [here];
        const child = node.properties?.[name];
        return child ? walk(child, (value as Record<string, unknown>)[name], here) : [];
      });
    expect(walk(schema, values, '')).toEqual([]);
  });
});

describe('when reading the chart README', () => {
  it('should list every documented value in its values table', async () => {
    const readme = await readFile(join(CHART, 'README.md'), 'utf8');
    const missing = keys.filter((k) => k.documented && !readme.includes(`| \`${k.path}\` |`)).map((k) => k.path);
    expect(missing).toEqual([]);
  });
});
