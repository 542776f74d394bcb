/**
 * Glob matching as Argo CD does it: `gobwas/glob` (`util/glob`) for repos and destinations and
 * Go's `filepath.Match` for group/kind lists. `*` matches any run of characters except the
 * separators, `**` any run at all, `?` one non-separator, `[abc]`/`[!abc]`/`[^abc]` a class,
 * `{a,b}` alternatives (gobwas only), `\` escapes. A pattern that does not compile matches nothing.
 */

const cache = new Map<string, RegExp | null>();
const MAX_CACHE = 1000;

const escapeRe = (c: string): string => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const escapeClass = (c: string): string => c.replace(/[\]\\^-]/g, '\\$&');

function compile(pattern: string, separators: string, braces: boolean): RegExp | null {
  const notSep = separators ? `[^${escapeClass(separators)}]` : '[\\s\\S]';
  let out = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return null;
      out += escapeRe(next);
      i++;
    } else if (c === '*') {
      if (pattern[i + 1] === '*' && braces) {
        out += '[\\s\\S]*';
        i++;
      } else out += `${notSep}*`;
    } else if (c === '?') out += notSep;
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return null;
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      if (body === '') return null;
      const cls = body.replace(/[\]\\^]/g, '\\$&').replace(/[{}()|/]/g, '\\$&');
      out += negate ? `(?![${cls}])${notSep}` : `[${cls}]`;
      i = end;
    } else if (braces && c === '{') {
      depth++;
      out += '(?:';
    } else if (braces && c === '}' && depth > 0) {
      depth--;
      out += ')';
    } else if (braces && c === ',' && depth > 0) out += '|';
    else out += escapeRe(c);
  }
  if (depth !== 0) return null;
  try {
    return new RegExp(`^${out}$`, 'u');
  } catch {
    return null;
  }
}

function cached(pattern: string, separators: string, braces: boolean): RegExp | null {
  const key = `${braces ? 'g' : 'f'}${separators}\u0000${pattern}`;
  let re = cache.get(key);
  if (re === undefined) {
    re = compile(pattern, separators, braces);
    if (cache.size >= MAX_CACHE) cache.clear();
    cache.set(key, re);
  }
  return re;
}

/** `gobwas/glob` matching (Argo CD's `glob.Match(pattern, text, separators...)`). */
export function globMatch(pattern: string, text: string, separators = ''): boolean {
  return cached(pattern, separators, true)?.test(text) ?? false;
}

/** Go's `filepath.Match` (separator `/`; no braces, no `**`). */
export function pathMatch(pattern: string, text: string): boolean {
  return cached(pattern, '/', false)?.test(text) ?? false;
}

/** Whether a pattern compiles (for validating project documents). */
export function isValidGlob(pattern: string): boolean {
  return cached(pattern, '/', true) !== null;
}

export const isDenyPattern = (pattern: string): boolean => pattern.startsWith('!');

/** Argo CD's `globMatch(pattern, val, allowNegation=true, separators...)`: `!p` matches what `p` does not; `*` matches everything. */
export function argoGlobMatch(pattern: string, value: string, separators = ''): boolean {
  if (isDenyPattern(pattern)) return !globMatch(pattern.slice(1), value, separators);
  if (pattern === '*') return true;
  return globMatch(pattern, value, separators);
}
