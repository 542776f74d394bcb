/**
 * Low-level readers of annotation values, exactly as gitops-engine reads them.
 */

/**
 * §2.2 `GetAnnotationCSVs`: split on commas, trim each item, drop empty items and duplicates,
 * keep first-seen order. Matching of the items is case-sensitive and left to the caller.
 */
export function parseCsv(value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  const out: string[] = [];
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (item !== '' && !out.includes(item)) out.push(item);
  }
  return out;
}

const INT_PATTERN = /^[+-]?[0-9]+$/;

/**
 * §2.7 Go `strconv.Atoi`: an optional sign and decimal digits, nothing else (no spaces, no
 * underscores, no decimals). Go accepts the full int64 range; we accept the integers JavaScript
 * represents exactly (±2^53-1) and treat larger ones as not parsing.
 */
export function parseGoInt(text: string): number | undefined {
  if (!INT_PATTERN.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? (n === 0 ? 0 : n) : undefined;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_PATTERN = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/**
 * A duration as Go and kubectl write it: `90s`, `10m`, `1h30m`, `500ms`; a bare integer means
 * seconds. Returns milliseconds, or undefined when the text is not a positive duration.
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000 || undefined;
  if (!DURATION_PATTERN.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(DURATION_PART)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? 0);
  }
  return total > 0 ? Math.round(total) : undefined;
}

/** Render milliseconds the way {@link parseDuration} reads them: `1h30m`, `45s`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
