import { describe, expect, it } from 'vitest';
import { nameProblems, parseQuantity, qualifiedNameProblems } from '../../../src/devcluster/validation/names.js';

describe('when parsing quantities', () => {
  it.each([
    ['128Mi', 128 * 2 ** 20],
    ['0.5', 0.5],
    ['500m', 0.5],
    ['1e3', 1000],
    ['2Gi', 2 * 2 ** 30],
    ['+1k', 1000],
    ['.5', 0.5],
  ])('%s = %d', (text, value) => {
    expect(parseQuantity(text)).toEqual({ value });
  });

  it.each([
    ['invalid-value', "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ['1Qi', "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ['1.2.3', 'unable to parse numeric part of quantity'],
    ['1Mk', "unable to parse quantity's suffix"],
    [' 1', "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
  ])('should refuse %j: %s', (text, error) => {
    expect(parseQuantity(text)).toEqual({ error });
  });
});

describe('when checking names', () => {
  it.each([
    ['my-app', 'dns1123Label', 0],
    ['my.app', 'dns1123Label', 1],
    ['my.app', 'dns1123Subdomain', 0],
    ['1abc', 'dns1035Label', 1],
    ['a'.repeat(64), 'dns1123Label', 1],
  ] as const)('%s as %s has %d problems', (name, rule, count) => {
    expect(nameProblems(name, rule)).toHaveLength(count);
  });

  it('should check label keys with a prefix', () => {
    expect(qualifiedNameProblems('app.kubernetes.io/name')).toEqual([]);
    expect(qualifiedNameProblems('Bad_Prefix/name')).toHaveLength(1);
    expect(qualifiedNameProblems('/x')).toEqual(['prefix part must be non-empty']);
  });
});
