import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManifestError, loadManifests, parseManifestText } from '../../src/manifests/index.js';

describe('parseManifestText', () => {
  it('should read multi-document YAML with the line of each object', () => {
    const text = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: a', '---', '# comment', 'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: b', ''].join('\n');
    const { manifests, issues } = parseManifestText(text, 'x.yaml');
    expect(issues).toEqual([]);
    expect(manifests.map((m) => [m.object.kind, m.source.line])).toEqual([
      ['ConfigMap', 1],
      ['Secret', 7],
    ]);
  });

  it('should skip empty documents', () => {
    const { manifests, issues } = parseManifestText('---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n', 'x.yaml');
    expect(issues).toEqual([]);
    expect(manifests).toHaveLength(1);
  });

  it('should flatten List kinds, each item with its own line', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: ConfigMap',
      '    metadata: {name: a}',
      '  - apiVersion: v1',
      '    kind: ConfigMap',
      '    metadata: {name: b}',
    ].join('\n');
    const { manifests } = parseManifestText(text, 'list.yaml');
    expect(manifests.map((m) => [m.object.metadata.name, m.source.line])).toEqual([
      ['a', 4],
      ['b', 7],
    ]);
  });

  it('should read JSON, including a top-level array', () => {
    const text = '[\n {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}},\n {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}\n]';
    const { manifests, issues } = parseManifestText(text, 'x.json');
    expect(issues).toEqual([]);
    expect(manifests.map((m) => [m.object.metadata.name, m.source.line])).toEqual([
      ['a', 2],
      ['b', 3],
    ]);
  });

  it('should record the line of each annotation key', () => {
    const text = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: a', '  annotations:', '    x: "1"', '    argocd.argoproj.io/sync-wave: abc'].join('\n');
    const { manifests } = parseManifestText(text, 'x.yaml');
    expect(manifests[0]?.annotationLines).toEqual({ x: 6, 'argocd.argoproj.io/sync-wave': 7 });
  });

  it.each<[string, string, { line: number; message: RegExp }]>([
    ['malformed YAML', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a: b\n', { line: 4, message: /^invalid YAML: Nested mappings are not allowed in compact mappings$/ }],
    ['an unclosed flow sequence', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a\n', { line: 5, message: /^invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a \]$/ }],
    ['bad indentation', 'apiVersion: v1\nkind: Pod\n  metadata: x\n', { line: 2, message: /^invalid YAML: / }],
    ['no kind', 'apiVersion: v1\nmetadata:\n  name: a\n', { line: 1, message: /^document has no kind$/ }],
    ['no apiVersion', 'kind: Pod\nmetadata:\n  name: a\n', { line: 1, message: /^document has no apiVersion \(kind Pod\)$/ }],
    ['a scalar document', 'just a string\n', { line: 1, message: /^document is not an object/ }],
    ['unquoted number annotation', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n    argocd.argoproj.io/sync-wave: 1\n', { line: 6, message: /sync-wave must be a string, got number \(quote the value: "1"\)/ }],
    ['duplicate keys', 'apiVersion: v1\nkind: Pod\nkind: Job\n', { line: 3, message: /^invalid YAML: Map keys must be unique/ }],
  ])('should report %s with its line', (_name, text, expected) => {
    const { manifests, issues } = parseManifestText(text, 'bad.yaml');
    expect(manifests).toEqual([]);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.file).toBe('bad.yaml');
    expect(issues[0]?.line).toBe(expected.line);
    expect(issues[0]?.message).toMatch(expected.message);
  });

  it('should keep the good documents of a file and report the bad one', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\nmetadata: {name: bad}\n';
    const { manifests, issues } = parseManifestText(text, 'mixed.yaml');
    expect(manifests).toHaveLength(1);
    expect(issues).toEqual([{ file: 'mixed.yaml', line: 5, message: 'document has no apiVersion' }, { file: 'mixed.yaml', line: 5, message: 'document has no kind' }]);
  });
});

describe('loadManifests (Argo CD directory source)', () => {
  let dir: string;
  const cm = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-load-'));
    await writeFile(join(dir, 'b.yaml'), cm('b'));
    await writeFile(join(dir, 'a.yml'), cm('a'));
    await writeFile(join(dir, 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }));
    await writeFile(join(dir, 'README.md'), '# not a manifest');
    await writeFile(join(dir, 'values.txt'), cm('txt'));
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'd.yaml'), cm('d'));
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, '.git', 'e.yaml'), cm('e'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const names = async (opts: Parameters<typeof loadManifests>[1] = {}, paths = [dir]): Promise<string[]> =>
    (await loadManifests(paths, opts)).manifests.map((m) => m.object.metadata.name ?? '');

  it('should read .yaml, .yml and .json files of the folder in name order, not recursively', async () => {
    expect(await names()).toEqual(['a', 'b', 'c']);
  });

  it('should walk sub-folders with recurse, but not dot-folders', async () => {
    expect(await names({ recurse: true })).toEqual(['a', 'b', 'c', 'd']);
  });

  it('should apply include and exclude globs to paths relative to the folder', async () => {
    expect(await names({ recurse: true, include: ['*.yaml', 'sub/**'] })).toEqual(['b', 'd']);
    expect(await names({ recurse: true, exclude: ['sub/*', '*.json'] })).toEqual(['a', 'b']);
    expect(await names({ include: ['{a,c}.*'] })).toEqual(['a', 'c']);
  });

  it('should read a file named directly whatever its extension', async () => {
    expect(await names({}, [join(dir, 'values.txt'), join(dir, 'a.yml')])).toEqual(['txt', 'a']);
  });

  it('should warn about a folder without manifests', async () => {
    const empty = join(dir, 'sub', 'empty');
    await mkdir(empty);
    const result = await loadManifests([empty]);
    expect(result.manifests).toEqual([]);
    expect(result.warnings).toEqual([{ file: empty, line: 0, message: 'no .yaml, .yml or .json files found (--recurse reads sub-folders)' }]);
  });

  it('should report every missing path and bad file at once', async () => {
    await writeFile(join(dir, 'z.yaml'), 'kind: [\n');
    const err = await loadManifests([join(dir, 'nope'), dir]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManifestError);
    const issues = (err as ManifestError).issues;
    expect(issues.map((i) => [i.file, i.line])).toEqual([
      [join(dir, 'nope'), 0],
      [join(dir, 'z.yaml'), 2],
    ]);
    expect(issues[0]?.message).toBe('no such file or directory');
  });

  it('should name the file and line of bad documents deep in a large multi-document file', async () => {
    // 2,000 documents of 4 lines each; a bad value at document 1,500 and broken YAML at document 1,900.
    const docs: string[] = [];
    for (let i = 0; i < 2000; i++) {
      if (i === 1500) docs.push('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 42\n');
      else if (i === 1900) docs.push('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n');
      else docs.push(cm(`m-${i}`));
    }
    const big = join(dir, 'sub', 'big.yaml');
    await writeFile(big, docs.join('---\n'));
    const err = await loadManifests([join(dir, 'a.yml'), big]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManifestError);
    const issues = (err as ManifestError).issues;
    // Each document takes 5 lines with its `---`: document i starts at line 5i + 1. The unclosed
    // `[` is reported where the parser finds it unclosed, the next line (as for a small file above).
    expect(issues.map((i) => [i.file, i.line])).toEqual([
      [big, 1500 * 5 + 4],
      [big, 1900 * 5 + 4],
    ]);
    expect(issues[0]?.message).toBe('metadata.name must be a string');
    expect(issues[1]?.message).toMatch(/^invalid YAML: /);
    expect((err as ManifestError).message.split('\n')[0]).toBe(`${big}:${1500 * 5 + 4}: metadata.name must be a string`);
  });
});
