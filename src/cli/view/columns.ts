/**
 * A table that fits a terminal width: columns are left out (in their drop order) while the table
 * is too wide at its comfortable widths, then the widest columns shrink one column at a time down
 * to their minimum, and cells are cut with `…`. At an unlimited width it is exactly
 * {@link ../table.js renderTable}: columns separated by two spaces, the last one unpadded.
 */
import { displayWidth, padEnd, truncate } from './text.js';

export interface Column {
  title: string;
  /** The title once the table must narrow. @defaultValue title */
  short?: string;
  /** The narrowest it shrinks to (or its natural width, when smaller). @defaultValue 1 */
  min?: number;
  /** Left out, lowest first, while the table is too wide at comfortable widths. @defaultValue never */
  dropOrder?: number;
  /** Enough to read it: whether columns are left out is decided at most at this width. @defaultValue its natural width */
  comfortable?: number;
}

export interface ColumnLayout {
  /** Indices of the columns shown, in order. */
  shown: number[];
  titles: string[];
  widths: number[];
}

const GAP = 2;

function naturalWidths(titles: readonly string[], shown: readonly number[], rows: readonly (readonly string[])[]): number[] {
  return shown.map((c, i) => Math.max(displayWidth(titles[i] ?? ''), ...rows.map((r) => displayWidth(r[c] ?? ''))));
}

const total = (widths: readonly number[]): number => widths.reduce((a, b) => a + b, 0) + GAP * Math.max(0, widths.length - 1);

/** Which columns to show at what width so that rows fit `width` (Infinity: natural widths). */
export function fitColumns(columns: readonly Column[], rows: readonly (readonly string[])[], width: number): ColumnLayout {
  let shown = columns.map((_, i) => i);
  const drops = columns
    .map((c, i) => ({ i, order: c.dropOrder }))
    .filter((d): d is { i: number; order: number } => d.order !== undefined)
    .sort((a, b) => a.order - b.order);
  const full = (): string[] => shown.map((c) => columns[c]?.title ?? '');
  const comfortable = (): number[] => naturalWidths(full(), shown, rows).map((w, i) => Math.min(w, columns[shown[i] ?? 0]?.comfortable ?? Infinity));
  while (total(comfortable()) > width) {
    const next = drops.shift();
    if (!next) break;
    shown = shown.filter((c) => c !== next.i);
  }
  if (total(naturalWidths(full(), shown, rows)) <= width) return { shown, titles: full(), widths: naturalWidths(full(), shown, rows) };
  const titles = shown.map((c) => columns[c]?.short ?? columns[c]?.title ?? '');
  const widths = naturalWidths(titles, shown, rows);
  // A title is never cut: a column shrinks to its minimum or its title, whichever is wider.
  const mins = widths.map((w, i) => Math.min(w, Math.max(columns[shown[i] ?? 0]?.min ?? 1, displayWidth(titles[i] ?? ''))));
  let excess = total(widths) - width;
  while (excess > 0) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > (mins[i] ?? 1) && (widest < 0 || w > (widths[widest] ?? 0))) widest = i;
    });
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 1) - 1;
    excess--;
  }
  return { shown, titles, widths };
}

/** One line of the table: the shown cells cut and padded to their widths. */
export function tableLine(cells: readonly string[], layout: ColumnLayout, picked = true): string {
  const values = picked ? layout.shown.map((c) => cells[c] ?? '') : cells;
  return values
    .map((v, i) => {
      const w = layout.widths[i] ?? 0;
      const cut = truncate(v, w);
      return i === values.length - 1 ? cut : padEnd(cut, w);
    })
    .join(' '.repeat(GAP))
    .trimEnd();
}
