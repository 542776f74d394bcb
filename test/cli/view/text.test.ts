/** Text for the terminal: widths as a terminal counts them, cuts with …, nothing a hook could use to move the cursor. */
import { describe, expect, it } from 'vitest';
import { displayWidth, oneLine, padEnd, paint, printable, truncate } from '../../../src/cli/view/text.js';

describe('displayWidth and truncate', () => {
  it('should count wide characters twice and combining marks not at all', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('日本')).toBe(4);
    expect(displayWidth('✅ ok')).toBe(5);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('…')).toBe(1);
  });

  it('should cut to the width with … and leave what fits alone', () => {
    expect(truncate('health-check-pre-job', 10)).toBe('health-ch…');
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('日本語のテキスト', 7)).toBe('日本語…');
    expect(displayWidth(truncate('日本語のテキスト', 7))).toBeLessThanOrEqual(7);
    expect(truncate('anything', 0)).toBe('');
    expect(truncate('anything', Infinity)).toBe('anything');
    expect(padEnd('日本', 6)).toBe('日本  ');
  });
});

describe('printable and oneLine', () => {
  it('should drop escape sequences and control characters, and keep the text', () => {
    expect(printable('\x1b[31mred\x1b[0m \x1b]0;title\x07done\x1b[2J\x1b[H')).toBe('red done');
    expect(printable('a\tb\rc\x07')).toBe('a    bc');
    expect(oneLine('  first\n  second\r\nthird  ')).toBe('first second third');
  });

  it('should paint only with colour', () => {
    expect(paint('x', 'dim', true)).toBe('\x1b[2mx\x1b[22m');
    expect(paint('x', 'fail', true)).toBe('\x1b[31mx\x1b[39m');
    expect(paint('x', 'dim', false)).toBe('x');
    expect(paint('x', undefined, true)).toBe('x');
  });
});
