import { describe, expect, it } from 'vitest';
import { labelSelectorMatches, parseFieldSelector, parseLabelSelector } from '../../../src/devcluster/api/selectors.js';
import type { KubeObject } from '../../../src/manifests/index.js';

const obj = (labels: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels }, ...extra });

describe('when parsing label selectors', () => {
  it.each([
    ['a in (x, y),b', { a: 'y', b: '' }, true],
    ['a notin (x)', {}, true],
    ['n>3', { n: '4' }, true],
    ['n<3', { n: 'x' }, false],
    ['a!=x', {}, true],
    ['', { any: 'thing' }, true],
  ])('%s on %j → %s', (selector, labels, expected) => {
    expect(parseLabelSelector(selector).matches(obj(labels))).toBe(expected);
  });

  it.each(['a b', 'bad key!=1', 'n>x'])('should refuse %s with 400', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(expect.objectContaining({ code: 400, reason: 'BadRequest' }));
  });

  it('should match LabelSelector objects with matchExpressions', () => {
    expect(labelSelectorMatches({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'DoesNotExist' }, { key: 'c', operator: 'In', values: ['x'] }] }, { a: '1', c: 'x' })).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['x'] }] }, { c: 'x' })).toBe(false);
  });
});

describe('when parsing field selectors', () => {
  it('should support kind-specific fields like status.phase for Pods', () => {
    const s = parseFieldSelector('status.phase=Running,metadata.namespace!=other', 'Pod');
    expect(s.matches(obj({}, { status: { phase: 'Running' } }))).toBe(true);
    expect(s.matches(obj({}, { status: { phase: 'Pending' } }))).toBe(false);
    expect(() => parseFieldSelector('status.phase=Running', 'ConfigMap')).toThrow('field label not supported: status.phase');
  });
});
