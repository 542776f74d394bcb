/**
 * A guard run before any YAML or JSON text is parsed: deeply nested flow collections (`[[[[…`,
 * `{{{{…`) make the YAML parser's error path compile huge regular expressions — 1,000 levels in 2 KB
 * took `serve` out of memory — and deep JSON overflows the stack of whatever walks the value. No
 * Kubernetes manifest nests anywhere near {@link MAX_NESTING} levels. Pure; one pass over the text.
 */

/** Flow collections nested deeper than this are refused. */
export const MAX_NESTING = 64;

/**
 * The first place where `[`/`{` nesting goes past `max`, outside quoted strings and comments
 * (1-based line), or undefined. Block nesting by indentation is left to the parser, which is fine
 * with it.
 */
export function excessiveNesting(text: string, max = MAX_NESTING): { line: number; depth: number } | undefined {
  // No flow collection at all (most block-style YAML): nothing can nest; a native scan says so.
  if (text.indexOf('[') < 0 && text.indexOf('{') < 0) return undefined;
  let depth = 0;
  let line = 1;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      if (quote === undefined) continue;
    }
    if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = undefined;
      continue;
    }
    if (quote === "'") {
      if (c === "'") quote = undefined;
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      const end = text.indexOf('\n', i);
      if (end < 0) break;
      i = end - 1;
      continue;
    }
    if (c === '"' || (c === "'" && (i === 0 || /[\s[{,:]/.test(text[i - 1] ?? '')))) quote = c;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth > max) return { line, depth };
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}
