/** JSON patch (RFC 6902), `application/json-patch+json`: add, remove, replace, move, copy, test. */
import { ApiError, badRequest } from '../errors.js';
import { clone, deepEqual, isRecord } from '../json.js';

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`json patch: invalid pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function rejected(message: string): ApiError {
  return new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${message}`, {
    causes: [{ reason: 'FieldValueInvalid', message }],
  });
}

function resolveParent(doc: unknown, tokens: string[], pointer: string): { parent: unknown; last: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isRecord(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw rejected(`doc is missing path: ${JSON.stringify(pointer)}: missing value`);
  }
  return { parent: cur, last: tokens[tokens.length - 1] ?? '' };
}

function arrayIndex(list: unknown[], token: string, forAdd: boolean, pointer: string): number {
  if (forAdd && token === '-') return list.length;
  if (!/^\d+$/.test(token)) throw rejected(`invalid array index ${JSON.stringify(token)} in ${JSON.stringify(pointer)}`);
  const i = Number(token);
  if (i > list.length || (!forAdd && i === list.length)) throw rejected(`index out of bounds ${i} in ${JSON.stringify(pointer)}`);
  return i;
}

function getAt(doc: unknown, pointer: string): unknown {
  let cur = doc;
  for (const t of parsePointer(pointer)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isRecord(cur)) cur = Object.prototype.hasOwnProperty.call(cur, t) ? cur[t] : undefined;
    else return undefined;
  }
  return cur;
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return clone(value);
  const { parent, last } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, pointer), 0, clone(value));
  else if (isRecord(parent)) parent[last] = clone(value);
  else throw rejected(`doc is missing path: ${JSON.stringify(pointer)}`);
  return doc;
}

function remove(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  const { parent, last } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false, pointer), 1);
  else if (isRecord(parent) && Object.prototype.hasOwnProperty.call(parent, last)) delete parent[last];
  else throw rejected(`unable to remove nonexistent key: ${last}: missing value`);
  return doc;
}

/** Apply the operations to a copy of `target`. */
export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest('json patch: the patch must be a JSON array of operations');
  let doc = clone(target);
  for (const op of operations) {
    if (!isRecord(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw badRequest('json patch: every operation needs "op" and "path"');
    const path = op.path;
    switch (op.op) {
      case 'add':
        doc = add(doc, path, op.value);
        break;
      case 'remove':
        doc = remove(doc, path);
        break;
      case 'replace':
        if (getAt(doc, path) === undefined) throw rejected(`replace operation does not apply: doc is missing key: ${path}: missing value`);
        doc = add(remove(doc, path), path, op.value);
        break;
      case 'move':
      case 'copy': {
        if (typeof op.from !== 'string') throw badRequest(`json patch: "${op.op}" needs "from"`);
        const value = getAt(doc, op.from);
        if (value === undefined) throw rejected(`${op.op} operation does not apply: doc is missing from path: ${op.from}: missing value`);
        if (op.op === 'move') doc = remove(doc, op.from);
        doc = add(doc, path, value);
        break;
      }
      case 'test':
        if (!deepEqual(getAt(doc, path), op.value)) throw rejected(`testing value ${path} failed: test failed`);
        break;
      default:
        throw badRequest(`json patch: unexpected operation ${JSON.stringify(op.op)}`);
    }
  }
  return doc;
}
