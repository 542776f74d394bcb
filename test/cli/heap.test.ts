/** The long-lived roles' heap growth setting (src/cli/heap.ts): parsing, and a bad value refused before anything starts. */
import v8 from 'node:v8';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_HEAP_GROWING_PERCENT, configureHeapGrowth, heapGrowingPercent } from '../../src/cli/heap.js';
import { runCli } from '../helpers/cli.js';

describe('heapGrowingPercent', () => {
  it('should default to 20 and take a whole number from 0 to 400', () => {
    expect(heapGrowingPercent({})).toBe(DEFAULT_HEAP_GROWING_PERCENT);
    expect(DEFAULT_HEAP_GROWING_PERCENT).toBe(20);
    expect(heapGrowingPercent({ HOOKRUNNER_HEAP_GROWING_PERCENT: ' ' })).toBe(20);
    expect(heapGrowingPercent({ HOOKRUNNER_HEAP_GROWING_PERCENT: '0' })).toBe(0);
    expect(heapGrowingPercent({ HOOKRUNNER_HEAP_GROWING_PERCENT: '50' })).toBe(50);
    expect(heapGrowingPercent({ HOOKRUNNER_HEAP_GROWING_PERCENT: '400' })).toBe(400);
  });

  it('should name the variable and the value it refuses', () => {
    for (const bad of ['-5', '2.5', '5', '401', 'lots', '20%']) {
      const out = heapGrowingPercent({ HOOKRUNNER_HEAP_GROWING_PERCENT: bad });
      expect(out).toBe(`HOOKRUNNER_HEAP_GROWING_PERCENT must be 0 (V8's default) or a whole number from 10 to 400, got ${JSON.stringify(bad)}`);
    }
  });
});

describe('configureHeapGrowth', () => {
  it('should set V8\'s flag, unless 0 or a --heap-growing-percent node flag says otherwise', () => {
    const set = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => undefined);
    try {
      expect(configureHeapGrowth({}, [])).toBeUndefined();
      expect(set).toHaveBeenLastCalledWith('--heap-growing-percent=20');
      set.mockClear();
      expect(configureHeapGrowth({ HOOKRUNNER_HEAP_GROWING_PERCENT: '50' }, ['--cpu-prof', '--heap-growing-percent=35'])).toBeUndefined();
      expect(configureHeapGrowth({ HOOKRUNNER_HEAP_GROWING_PERCENT: '0' }, [])).toBeUndefined();
      expect(set).not.toHaveBeenCalled();
    } finally {
      set.mockRestore();
    }
  });
});

describe('hookrunner worker with a bad HOOKRUNNER_HEAP_GROWING_PERCENT', () => {
  it('should exit with 2 and say why, before it connects to anything', async () => {
    const run = await runCli(['worker'], { REDIS_URL: 'redis://127.0.0.1:1', HOOKRUNNER_HEAP_GROWING_PERCENT: 'lots' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('hookrunner worker: HOOKRUNNER_HEAP_GROWING_PERCENT must be 0 (V8\'s default) or a whole number from 10 to 400, got "lots"\n');
  });
});
