/**
 * Just enough YAML for the application form, without a library: `toYaml` writes a stored manifest
 * (plain JSON data) as block YAML the API reads back unchanged, and `fieldLines` finds the line of
 * each key in the text being edited, so a validation error (`spec.source.repoURL`,
 * `spec.syncPolicy.syncOptions[1]`) can point at its line. Parsing stays on the server.
 */

const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n|~)$/i;
/** Words a plain scalar may hold: no leading digit or indicator, no `: `, no ` #`. */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@+=,()-]*(?:[ :][A-Za-z0-9_./@+=,()-]+)*$/;

/** A string as a plain scalar when that reads back as the same string, else double-quoted (JSON escapes are YAML's). */
export function scalar(value) {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = String(value);
  return PLAIN.test(text) && !RESERVED.test(text) ? text : JSON.stringify(text);
}

const isEmpty = (v) => (Array.isArray(v) ? v.length === 0 : v !== null && typeof v === 'object' && Object.keys(v).length === 0);
const isBlock = (v) => v !== null && typeof v === 'object' && !isEmpty(v);
const inline = (v) => (isEmpty(v) ? (Array.isArray(v) ? '[]' : '{}') : scalar(v));

function lines(value, indent) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (!isBlock(item)) return [`${pad}- ${inline(item)}`];
      const inner = lines(item, indent + 2);
      return [`${pad}- ${inner[0].slice(indent + 2)}`, ...inner.slice(1)];
    });
  }
  return Object.entries(value).flatMap(([key, v]) => (isBlock(v) ? [`${pad}${scalar(key)}:`, ...lines(v, indent + 2)] : [`${pad}${scalar(key)}: ${inline(v)}`]));
}

/** Block YAML for an object (keys in their order); ends with a newline. */
export function toYaml(value) {
  return isBlock(value) ? `${lines(value, 0).join('\n')}\n` : `${inline(value)}\n`;
}

const KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"-][^:#]*?|-[^\s:#][^:#]*?)\s*:(?:\s|$)/;

function unquote(key) {
  if (key.startsWith('"')) {
    try {
      return JSON.parse(key);
    } catch {
      return key.slice(1, -1);
    }
  }
  return key.startsWith("'") ? key.slice(1, -1).replaceAll("''", "'") : key;
}

/**
 * Each field path of block YAML text → its 1-based line: `metadata.name`, `spec.syncPolicy.syncOptions[0]`,
 * annotation keys with dots in them as written. Flow collections (`{ … }`) are not looked into.
 * @returns Map<string, number>
 */
export function fieldLines(text) {
  const found = new Map();
  const stack = [];
  const counters = new Map();
  const record = (path, line) => {
    if (!found.has(path)) found.set(path, line);
  };
  const join = (parent, key) => (parent ? `${parent}.${key}` : key);
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const body = raw.replace(/\t/g, ' ');
    const trimmed = body.trim();
    if (!trimmed || trimmed.startsWith('#') || trimmed === '---') return;
    let indent = body.length - body.trimStart().length;
    let rest = body.trimStart();
    while (rest === '-' || rest.startsWith('- ')) {
      while (stack.length && (stack.at(-1).indent > indent || (stack.at(-1).indent === indent && stack.at(-1).item))) stack.pop();
      const parent = stack.at(-1)?.path ?? '';
      const index = counters.get(parent) ?? 0;
      counters.set(parent, index + 1);
      const path = `${parent}[${index}]`;
      record(path, line);
      stack.push({ indent, path, item: true });
      const after = rest.slice(1);
      indent += 1 + (after.length - after.trimStart().length);
      rest = after.trimStart();
    }
    const key = KEY.exec(rest);
    if (!key) return;
    while (stack.length && stack.at(-1).indent >= indent) stack.pop();
    const path = join(stack.at(-1)?.path ?? '', unquote(key[1].trim()));
    record(path, line);
    stack.push({ indent, path, item: false });
  });
  return found;
}

/** The line of `field`, or of its nearest parent written in the text: `{ line, exact }`, or undefined. */
export function lineOf(lines, field) {
  let path = field;
  for (;;) {
    if (lines.has(path)) return { line: lines.get(path), exact: path === field };
    const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    if (cut <= 0) return undefined;
    path = path.slice(0, cut);
  }
}
