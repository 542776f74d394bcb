import { describe, expect, it } from 'vitest';
import { parseFast } from '../../src/manifests/fast-parse.js';
import { parseManifestText, parseWithPositions } from '../../src/manifests/parse.js';
import type { ParseResult } from '../../src/manifests/parse.js';

/** The result as plain data . */
const plain = (r: ParseResult): unknown => ({
  manifests: r.manifests.map((m) => ({ object: m.object, source: m.source, annotationLines: { ...m.annotationLines } })),
  issues: r.issues,
});
const fast = (text: string): boolean => parseFast(text, 'f.yaml', () => true) !== undefined;

const cm = (body: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    x: "1"\n${body}`;

describe('parseManifestText fast path', () => {
  it.each<[string, string, boolean]>([
    ['plain multi-document YAML', `${cm('data:\n  k: v\n')}---\n# c\n${cm('')}`, true],
    ['core-schema scalars (yes stays a string, 0o17 is 15, 0777 is 777, .inf, ~)', cm('data:\n  a: yes\n  b: 0o17\n  c: 0777\n  d: .inf\n  e: ~\n  f: 1_000\n  g: 0x1F\n  h: 1e3\n  i: "true"\n  j: on\n  "<<": k\n'), true],
    ['block scalars', cm('data:\n  s: |\n    line 1\n     line 2\n  t: >-\n    folded\n    text\n'), true],
    ['JSON', '{"apiVersion": "v1", "kind": "ConfigMap",\n "metadata": {"name": "a", "labels": {"x": "1"}}}', true],
    ['flow-style annotations (their key lines are left to the yaml path)', '{"apiVersion": "v1", "kind": "ConfigMap",\n "metadata": {"name": "a", "annotations": {"x": "1"}}}', false],
    ['a directive', `%YAML 1.1\n---\n${cm('data:\n  a: yes\n')}`, false],
    ['an anchor and alias', cm('data:\n  a: &x v\n  b: *x\n'), false],
    ['a null key', cm('data:\n  null: v\n'), false],
    ['a collection key', cm('data:\n  [a, b]: v\n'), false],
    ['an explicit key', cm('data:\n  ? k\n  : v\n'), false],
    ['a quoted scalar over two lines', cm('data:\n  a: "one\n    two"\n'), false],
    ['a quoted scalar less indented on its next line (yaml refuses it)', cm('data:\n  a: "one\n two"\n'), false],
    ['a List', 'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n', false],
    ['a top-level array', '[{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}]', false],
    ['duplicate keys', 'apiVersion: v1\nkind: Pod\nkind: Job\n', false],
    ['malformed YAML', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a: b\n', false],
  ])('should read %s exactly as the yaml path does', (_name, text, takesFastPath) => {
    expect(fast(text)).toBe(takesFastPath);
    expect(plain(parseManifestText(text, 'f.yaml'))).toEqual(plain(parseWithPositions(text, 'f.yaml')));
  });

  it('should leave a document that fails validation to the yaml path, which names its line', () => {
    const text = `${cm('')}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n  annotations:\n    argocd.argoproj.io/sync-wave: 1\n`;
    expect(parseFast(text, 'f.yaml', (v) => (v['kind'] as string) !== 'Pod')).toBeUndefined();
    expect(parseManifestText(text, 'f.yaml').issues).toEqual([{ file: 'f.yaml', line: 13, message: expect.stringMatching(/sync-wave must be a string/) as unknown }]);
  });

  it('should give each object and each annotation key its line', () => {
    const text = `${cm('')}---\n${cm('spec:\n  template:\n    metadata:\n      annotations:\n        y: "2"\n')}---\n# c\n\n${cm('')}`;
    const manifests = parseFast(text, 'f.yaml', () => true);
    expect(manifests?.map((m) => [m.source.line, m.annotationLines])).toEqual([
      [1, { x: 6 }],
      [8, { x: 13 }],
      [22, { x: 27 }],
    ]);
    expect(plain(parseManifestText(text, 'f.yaml'))).toEqual(plain(parseWithPositions(text, 'f.yaml')));
  });
});
