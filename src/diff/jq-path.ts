/**
 * The jq path expressions of Argo CD's `ignoreDifferences.jqPathExpressions` that name fields — a
 * bounded subset, evaluated here without a jq runtime (docs/semantics.md §9.12):
 * `.spec.replicas`, `.metadata.annotations."example.com/x"`, `.a["b"]`, `.items[0]`, `.items[]`,
 * and `| select(<path> == <literal>)` / `!=` / a bare `select(<path>)`, chained with `|`. Anything
 * else is refused with a message (the caller warns and leaves the expression out). Pure.
 */

type Step = { field: string } | { index: number } | { each: true };
type Segment = { path: Step[] } | { select: { path: Step[]; op?: '==' | '!='; value?: unknown } };

/** A parsed expression, or why it is not in the subset. */
export type JqPath = { segments: Segment[] } | { error: string };

const MAX_EXPRESSION = 1000;

/** Read `.a.b[0]["c"][]` from `text` at `at`; returns the steps and the position after them. */
function readPath(text: string, at: number): { steps: Step[]; end: number } | { error: string } {
  const steps: Step[] = [];
  let i = at;
  if (text[i] !== '.') return { error: `expected a path starting with "." at ${i + 1}` };
  i++;
  for (;;) {
    const c = text[i];
    if (c === undefined || c === ' ' || c === '|' || c === ')' || c === '=' || c === '!') break;
    if (c === '.') {
      i++;
      continue;
    }
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) return { error: 'an unterminated string' };
      steps.push({ field: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (c === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) return { error: 'an unterminated [' };
      const inner = text.slice(i + 1, end).trim();
      if (inner === '') steps.push({ each: true });
      else if (/^\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^"[^"]*"$/.test(inner)) steps.push({ field: inner.slice(1, -1) });
      else return { error: `[${inner}] is not an index, [] or ["name"]` };
      i = end + 1;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!m) return { error: `unexpected "${c}" at ${i + 1}` };
    steps.push({ field: m[0] });
    i += m[0].length;
  }
  return { steps, end: i };
}

function readLiteral(text: string): { value: unknown } | { error: string } {
  const t = text.trim();
  if (/^"[^"]*"$/.test(t) || /^-?\d+(\.\d+)?$/.test(t) || t === 'true' || t === 'false' || t === 'null') return { value: JSON.parse(t) as unknown };
  return { error: `${t} is not a string, number, true, false or null` };
}

function readSelect(inner: string): Segment | { error: string } {
  const path = readPath(inner, 0);
  if ('error' in path) return path;
  const rest = inner.slice(path.end).trim();
  if (rest === '') return { select: { path: path.steps } };
  const op = rest.startsWith('==') ? '==' : rest.startsWith('!=') ? '!=' : undefined;
  if (!op) return { error: `select(${inner}) compares with something other than == or !=` };
  const literal = readLiteral(rest.slice(2));
  if ('error' in literal) return literal;
  return { select: { path: path.steps, op, value: literal.value } };
}

/** Parse one expression of the subset. */
export function parseJqPath(expression: string): JqPath {
  if (expression.length > MAX_EXPRESSION) return { error: `longer than ${MAX_EXPRESSION} characters` };
  const segments: Segment[] = [];
  for (const part of expression.split('|').map((p) => p.trim())) {
    const select = /^select\((.*)\)$/.exec(part);
    if (select) {
      const parsed = readSelect((select[1] ?? '').trim());
      if ('error' in parsed) return parsed;
      segments.push(parsed);
      continue;
    }
    const path = readPath(part, 0);
    if ('error' in path) return { error: `${path.error} in "${part}" (supported: field paths, [], [n], select(path == literal))` };
    if (path.end !== part.length) return { error: `"${part.slice(path.end)}" is not supported (supported: field paths, [], [n], select(path == literal))` };
    segments.push({ path: path.steps });
  }
  return { segments };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Follow `steps` from each of `paths` in `doc`; only paths that exist are kept. */
function follow(doc: unknown, paths: string[][], steps: readonly Step[]): string[][] {
  let current = paths.map((p) => ({ path: p, value: valueAt(doc, p) }));
  for (const step of steps) {
    const next: { path: string[]; value: unknown }[] = [];
    for (const { path, value } of current) {
      if ('field' in step) {
        if (isRecord(value) && step.field in value) next.push({ path: [...path, step.field], value: value[step.field] });
      } else if ('index' in step) {
        if (Array.isArray(value) && step.index < value.length) next.push({ path: [...path, String(step.index)], value: value[step.index] });
      } else if (Array.isArray(value)) {
        value.forEach((item, i) => next.push({ path: [...path, String(i)], value: item }));
      } else if (isRecord(value)) {
        for (const [k, v] of Object.entries(value)) next.push({ path: [...path, k], value: v });
      }
    }
    current = next;
  }
  return current.map((c) => c.path);
}

function valueAt(doc: unknown, path: readonly string[]): unknown {
  let value = doc;
  for (const token of path) value = Array.isArray(value) ? value[Number(token)] : isRecord(value) ? value[token] : undefined;
  return value;
}

/** The token paths an expression of the subset names in `doc` (those that exist). */
export function evaluateJqPath(parsed: { segments: Segment[] }, doc: unknown): string[][] {
  let paths: string[][] = [[]];
  for (const segment of parsed.segments) {
    if ('path' in segment) {
      paths = follow(doc, paths, segment.path);
      continue;
    }
    const { path, op, value } = segment.select;
    paths = paths.filter((p) => {
      const [target] = follow(doc, [p], path);
      const found = target === undefined ? undefined : valueAt(doc, target);
      if (!op) return found !== undefined && found !== null && found !== false;
      const same = JSON.stringify(found) === JSON.stringify(value);
      return op === '==' ? same : !same;
    });
  }
  return paths;
}
