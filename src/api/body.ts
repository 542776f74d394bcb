/** Request bodies given as JSON or YAML text: parsed into one plain object, or a 400/415 naming what is wrong. */
import express from 'express';
import type { Request, RequestHandler } from 'express';
import { parseAllDocuments } from 'yaml';
import { MAX_NESTING, excessiveNesting } from '../manifests/index.js';
import { HttpProblem } from './problem.js';

export const JSON_TYPES = ['application/json', 'application/*+json'];
export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'];

/** Read the body as text (JSON or YAML types only), at most `limitBytes`. */
export function textBody(limitBytes: number): RequestHandler {
  return express.text({ type: [...JSON_TYPES, ...YAML_TYPES], limit: limitBytes });
}

function isJsonType(contentType: string | undefined): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType ?? '');
}

/**
 * The parsed body: JSON for JSON content types, YAML (one document) otherwise.
 * @param options.required - whether an empty body is an error (else `{}` is returned)
 * @throws HttpProblem 415 for another content type, 400 for a syntax error or a non-object
 */
export function parseTextBody(input: { body: unknown; contentType: string | undefined; hasBody: boolean; required: boolean }): Record<string, unknown> {
  if (input.hasBody && typeof input.body !== 'string') {
    throw new HttpProblem(415, `send the body as application/json or application/yaml, not ${input.contentType ?? 'an unknown type'}`, { type: 'unsupported-media-type' });
  }
  const text = typeof input.body === 'string' ? input.body : '';
  if (text.trim() === '') {
    if (input.required) throw new HttpProblem(400, 'the request body is empty', { type: 'validation', errors: [{ field: '(body)', message: 'is required' }] });
    return {};
  }
  const deep = excessiveNesting(text);
  if (deep) throw new HttpProblem(400, `the body nests [ ] or { } more than ${MAX_NESTING} levels deep (line ${deep.line}); no manifest does`, { type: 'validation', errors: [{ field: '(body)', message: `nests more than ${MAX_NESTING} levels deep at line ${deep.line}` }] });
  let value: unknown;
  if (isJsonType(input.contentType)) {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new HttpProblem(400, `the body is not valid JSON: ${(err as Error).message}`, { type: 'validation', cause: err });
    }
  } else {
    const docs = parseAllDocuments(text, { prettyErrors: true }).filter((d) => d.contents !== null || d.errors.length > 0);
    if (docs.length > 1) throw new HttpProblem(400, `the body holds ${docs.length} YAML documents; send one`, { type: 'validation' });
    const doc = docs[0];
    const error = doc?.errors[0];
    if (error) {
      const line = error.linePos?.[0]?.line;
      throw new HttpProblem(400, `the body is not valid YAML${line ? ` (line ${line})` : ''}: ${error.message.split('\n')[0]}`, { type: 'validation', cause: error });
    }
    try {
      value = doc?.toJS({ maxAliasCount: 100 }) ?? {};
    } catch (err) {
      // e.g. "Excessive alias count indicates a resource exhaustion attack" (billion laughs)
      throw new HttpProblem(400, `the body is not acceptable YAML: ${(err as Error).message}`, { type: 'validation', cause: err });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpProblem(400, 'the body must be an object', { type: 'validation', errors: [{ field: '(body)', message: 'must be an object' }] });
  }
  return value as Record<string, unknown>;
}

/** Whether the request carries a body at all (whatever its type). */
export function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
