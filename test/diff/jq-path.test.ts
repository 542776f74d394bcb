/** The jq path subset of `ignoreDifferences.jqPathExpressions` (src/diff/jq-path.ts, docs/semantics.md §9.12). */
import { describe, expect, it } from 'vitest';
import { compareObjects, evaluateJqPath, parseJqPath } from '../../src/diff/index.js';
import type { KubeObject } from '../../src/manifests/index.js';

const pod = {
  metadata: { annotations: { 'example.com/x': '1', other: '2' } },
  spec: {
    initContainers: [{ name: 'injected-init-container', image: 'a' }, { name: 'mine', image: 'b' }],
    containers: [{ name: 'web', image: 'nginx', env: [{ name: 'A', value: '1' }] }],
  },
};

function paths(expression: string): string[][] {
  const parsed = parseJqPath(expression);
  if ('error' in parsed) throw new Error(parsed.error);
  return evaluateJqPath(parsed, pod);
}

describe('jq path expressions', () => {
  it('should name fields by dotted, quoted and bracketed paths, indexes and iteration', () => {
    expect(paths('.spec.containers[0].image')).toEqual([['spec', 'containers', '0', 'image']]);
    expect(paths('.metadata.annotations."example.com/x"')).toEqual([['metadata', 'annotations', 'example.com/x']]);
    expect(paths('.metadata.annotations["other"]')).toEqual([['metadata', 'annotations', 'other']]);
    expect(paths('.spec.initContainers[].image')).toEqual([['spec', 'initContainers', '0', 'image'], ['spec', 'initContainers', '1', 'image']]);
    expect(paths('.spec.missing.field')).toEqual([]);
  });

  it('should filter with select(path == literal), != and a bare path, as Argo CD’s documented examples do', () => {
    expect(paths('.spec.initContainers[] | select(.name == "injected-init-container")')).toEqual([['spec', 'initContainers', '0']]);
    expect(paths('.spec.initContainers[] | select(.name != "injected-init-container") | .image')).toEqual([['spec', 'initContainers', '1', 'image']]);
    expect(paths('.spec.containers[] | select(.env) | .env[] | select(.name == "A") | .value')).toEqual([['spec', 'containers', '0', 'env', '0', 'value']]);
  });

  it('should refuse what is outside the subset, saying why', () => {
    expect(parseJqPath('.spec.containers | map(.image)')).toEqual({ error: expect.stringContaining('"map(.image)"') });
    expect(parseJqPath('.a[1:2]')).toEqual({ error: expect.stringContaining('[1:2] is not an index') });
    expect(parseJqPath('.a[] | select(.x > 1)')).toEqual({ error: 'select(.x > 1) compares with something other than == or !=' });
  });

  it('should leave the named fields out of a comparison', () => {
    const desired: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { initContainers: [{ name: 'injected-init-container', image: 'old' }] } };
    const live: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { initContainers: [{ name: 'injected-init-container', image: 'new' }] } };
    expect(compareObjects(desired, live).modified).toBe(true);
    expect(compareObjects(desired, live, { ignore: [{ kind: 'Pod', jqPathExpressions: ['.spec.initContainers[] | select(.name == "injected-init-container") | .image'] }] }).modified).toBe(false);
  });
});
