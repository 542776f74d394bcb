import { describe, expect, it } from 'vitest';
import { MAX_NESTING, excessiveNesting, parseManifestText } from '../../src/manifests/index.js';

describe('excessiveNesting', () => {
  it('should find flow nesting past the limit, with its line', () => {
    expect(excessiveNesting('a: 1\nb: ' + '['.repeat(1000) + ']'.repeat(1000))).toEqual({ line: 2, depth: MAX_NESTING + 1 });
    expect(excessiveNesting('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000))).toEqual({ line: 1, depth: MAX_NESTING + 1 });
  });

  it('should let ordinary manifests through: balanced brackets, brackets in quotes and comments, deep enough flow', () => {
    const ok = [
      'args: ["[[[[", \'{{{{\', "a\\"[["]  # [[[[[[[[',
      'script: |\n  if [ -f x ]; then echo "${arr[@]}"; fi\n  [[ -n "$a" ]] && echo {ok}',
      'x: ' + '['.repeat(MAX_NESTING) + ']'.repeat(MAX_NESTING),
      "note: it's [fine",
    ];
    for (const text of ok) expect(excessiveNesting(text), text).toBeUndefined();
  });

  it('should make parseManifestText refuse such a file, naming file and line, without parsing it', () => {
    const result = parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: ' + '['.repeat(1000) + ']'.repeat(1000) + '}', 'deep.yaml');
    expect(result.manifests).toEqual([]);
    expect(result.issues).toEqual([{ file: 'deep.yaml', line: 4, message: `invalid YAML: [ ] or { } nested more than ${MAX_NESTING} levels deep; not read` }]);
  });
});
