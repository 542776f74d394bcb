/**
 * Text for the terminal: what hook output and messages may contain made safe to print on one
 * line (no escape sequences a hook could use to move the cursor), widths as a terminal counts
 * them, and truncation with `…` so a line never wraps.
 */

// CSI (ESC [ … final), OSC (ESC ] … BEL or ST), other two-character escapes, and C1 CSI.
// eslint-disable-next-line no-control-regex -- matching escape sequences is the point
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\u009b[0-?]*[ -/]*[@-~]/g;
// What remains of C0 and C1 control characters (tabs become a space first).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
// Zero-width: combining marks, joiners, variation selectors.
const ZERO_WIDTH = /^(?:\p{M}|\u200b|\u200c|\u200d|\ufe0e|\ufe0f)+$/u;
// Two columns: East Asian wide and full-width characters, emoji presentation.
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]|\p{Emoji_Presentation}/u;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** One printable line: escape sequences and control characters removed, line breaks and tabs as spaces. */
export function oneLine(text: string): string {
  return printable(text.replace(/\s*\r?\n\s*/g, ' ')).trim();
}

/** A line as printed: escape sequences removed, tabs as spaces, other control characters removed. */
export function printable(text: string): string {
  return text.replace(ESCAPES, '').replace(/\t/g, '    ').replace(CONTROLS, '');
}

function graphemeWidth(g: string): number {
  if (ZERO_WIDTH.test(g)) return 0;
  return WIDE.test(g) ? 2 : 1;
}

/** Columns a printable string takes on a terminal. */
export function displayWidth(text: string): number {
  // ASCII, the common case, without segmenting.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let width = 0;
  for (const { segment } of segmenter.segment(text)) width += graphemeWidth(segment);
  return width;
}

/** `text` cut to `width` columns, ending in `…` when it was cut. */
export function truncate(text: string, width: number): string {
  if (!Number.isFinite(width) || displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = graphemeWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/** `text` padded with spaces to `width` columns (never cut). */
export function padEnd(text: string, width: number): string {
  const missing = width - displayWidth(text);
  return missing > 0 ? text + ' '.repeat(missing) : text;
}

export type Style = 'dim' | 'fail';

/** SGR sequences per style; each closes only what it opened. */
const SGR: Readonly<Record<Style, readonly [string, string]>> = {
  dim: ['\x1b[2m', '\x1b[22m'],
  fail: ['\x1b[31m', '\x1b[39m'],
};

/** `text` in `style` when colour is on, else as is. */
export function paint(text: string, style: Style | undefined, color: boolean): string {
  if (!color || !style || text === '') return text;
  const [open, close] = SGR[style];
  return `${open}${text}${close}`;
}
