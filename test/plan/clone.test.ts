import { describe, expect, it } from 'vitest';
import { cloneObject } from '../../src/plan/clone.js';

describe('cloneObject', () => {
  it('should copy JSON-shaped values deeply, as structuredClone does', () => {
    const value = { a: 1, b: 'x', c: null, d: true, e: [1, { f: [2, 3] }], g: { h: { i: 'j' } }, u: undefined };
    const copy = cloneObject(value);
    expect(copy).toStrictEqual(structuredClone(value));
    expect(copy.e).not.toBe(value.e);
    expect(copy.g.h).not.toBe(value.g.h);
    copy.g.h.i = 'changed';
    expect(value.g.h.i).toBe('j');
  });

  it('should keep an own __proto__ key a key', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copy = cloneObject(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('should leave what is not JSON-shaped to structuredClone: dates, cycles, shared parts', () => {
    const date = new Date(0);
    expect(cloneObject({ date }).date).toEqual(date);
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    const copy = cloneObject(cyclic);
    expect(copy['self']).toBe(copy);
    expect(copy).not.toBe(cyclic);
  });
});
