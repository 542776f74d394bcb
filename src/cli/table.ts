/**
 * Render rows as an aligned plain-text table, like kubectl: columns separated by at least two
 * spaces. No rows, no table: the empty string, not a header over nothing (callers say what is
 * missing, e.g. `No resources found`).
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** A cell for an empty value. */
export function cell(value: string | number | undefined | null): string {
  return value === undefined || value === null || value === '' ? '-' : String(value);
}
