/**
 * RFC 7807 problem details: the one error type routes throw, and the one express error handler
 * that turns every error into `application/problem+json`.
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';

/** One field at fault: `spec.destination.namespace`, `revision`, … */
export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemOptions {
  /** A short slug: the problem type becomes `urn:hookrunner:problem:<slug>`. @defaultValue 'about:blank' */
  type?: string;
  /** @defaultValue the HTTP status text */
  title?: string;
  errors?: FieldError[];
  /** Extension members (e.g. `runningOperation`). */
  extensions?: Record<string, unknown>;
  /** Extra response headers (e.g. `WWW-Authenticate`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An error with an HTTP status, rendered as problem details. */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  readonly type: string;
  readonly title: string;
  readonly errors: FieldError[] | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly detail: string,
    options: ProblemOptions = {},
  ) {
    super(detail, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.type = options.type ? `urn:hookrunner:problem:${options.type}` : 'about:blank';
    this.title = options.title ?? STATUS_CODES[status] ?? 'Error';
    this.errors = options.errors;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

/** 400 with the fields at fault; `detail` is the first of them. */
export function validationProblem(errors: FieldError[], options: { status?: number; title?: string } = {}): HttpProblem {
  const first = errors[0];
  const detail = first ? `${first.field} ${first.message}` + (errors.length > 1 ? ` (and ${errors.length - 1} more)` : '') : 'invalid request';
  return new HttpProblem(options.status ?? 400, detail, { type: 'validation', title: options.title ?? 'Invalid request', errors });
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** 404 for every path no route took. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpProblem(404, `no route for ${req.method} ${req.path}`, { type: 'no-route' }));
};

interface BodyParserError {
  type?: string;
  status?: number;
  code?: string;
  expose?: boolean;
  limit?: number;
}

/** Map an error to a problem: HttpProblem as is, body-parser errors by their status, anything else 500. */
export function toProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  const parser = err as BodyParserError | undefined;
  if (parser && typeof parser.status === 'number' && typeof parser.type === 'string') {
    if (parser.type === 'entity.too.large') return new HttpProblem(413, `request body larger than ${parser.limit ?? 'the limit'} bytes`, { type: 'too-large', cause: err });
    if (parser.type === 'entity.parse.failed') return new HttpProblem(400, 'request body is not valid JSON', { type: 'validation', cause: err });
    if (parser.type === 'encoding.unsupported' || parser.type === 'charset.unsupported') return new HttpProblem(415, (err as Error).message, { cause: err });
    if (parser.status >= 400 && parser.status < 500) return new HttpProblem(parser.status, (err as Error).message, { cause: err });
  }
  // A body that does not decode as its Content-Encoding says (zlib's Z_DATA_ERROR, body-parser's 400 without a type).
  if (parser && typeof parser.status === 'number' && parser.status >= 400 && parser.status < 500) {
    const message = typeof parser.code === 'string' && parser.code.startsWith('Z_') ? `the body does not decode as its Content-Encoding says: ${(err as Error).message}` : (err as Error).message;
    return new HttpProblem(parser.status, message, { type: 'validation', cause: err });
  }
  return new HttpProblem(500, 'internal error; see the server log for this request id', { type: 'internal', cause: err });
}

/** The one error handler: problem+json out, 5xx logged with the request id (never the body or headers). */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const problem = toProblem(err);
    const requestId = res.locals['requestId'] as string | undefined;
    if (problem.status >= 500) {
      logger.error({ reqId: requestId, err: serializeError(err), path: req.path, method: req.method }, 'request failed');
    }
    const body: ProblemBody = {
      ...problem.extensions,
      type: problem.type,
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
      instance: req.originalUrl.split('?')[0] ?? req.path,
      ...(requestId ? { requestId } : {}),
      ...(problem.errors ? { errors: problem.errors } : {}),
    };
    res.status(problem.status).set(problem.headers).type('application/problem+json').send(JSON.stringify(body));
  };
}

function serializeError(err: unknown): { name: string; message: string; stack?: string } {
  if (err instanceof Error) return { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  return { name: 'Error', message: String(err) };
}
