/**
 * Kubernetes `Status` errors, worded as the API server words them
 * (`k8s.io/apimachinery/pkg/api/errors`, `pkg/util/validation/field`).
 */
import { renderValue } from './json.js';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The JSON body of every error answer. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  /** Absent on some 500s, as the real API server sends them (StatusReasonUnknown). */
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** An API request that fails; rendered as a `Status` body with `code`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toStatus(): StatusBody {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** Names a resource in messages: `jobs.batch`, or `pods` in the core group. */
export interface GroupResource {
  group: string;
  resource: string;
}

export function formatGroupResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export function notFound(gr: GroupResource, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${formatGroupResource(gr)} "${name}" not found`, {
    name,
    group: gr.group || undefined,
    kind: gr.resource,
  });
}

export function namespaceNotFound(namespace: string): ApiError {
  return notFound({ group: '', resource: 'namespaces' }, namespace);
}

export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${formatGroupResource(gr)} "${name}" already exists`, {
    name,
    group: gr.group || undefined,
    kind: gr.resource,
  });
}

export function conflict(gr: GroupResource, name: string, why: string): ApiError {
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${formatGroupResource(gr)} "${name}": ${why}`, {
    name,
    group: gr.group || undefined,
    kind: gr.resource,
  });
}

export const MODIFIED_CONFLICT = 'the object has been modified; please apply your changes to the latest version and try again';

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function forbidden(gr: GroupResource, name: string, why: string): ApiError {
  const what = name ? `${formatGroupResource(gr)} "${name}"` : formatGroupResource(gr);
  return new ApiError(403, 'Forbidden', `${what} is forbidden: ${why}`, {
    ...(name ? { name } : {}),
    group: gr.group || undefined,
    kind: gr.resource,
  });
}

export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function unsupportedMediaType(contentType: string, accepted: readonly string[]): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    { causes: [{ reason: 'UnexpectedServerResponse', message: `unsupported content type "${contentType}"` }] },
  );
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function internalError(message: string, cause?: unknown): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ reason: 'UnexpectedServerResponse', message }] }, { cause });
}

/** A body that does not decode into its Go type (create, update, patch). */
export function cannotBeHandled(kind: string, version: string, why: string): ApiError {
  return new ApiError(400, 'BadRequest', `${kind} in version "${version}" cannot be handled as a ${kind}: ${why}`);
}

/** Server-side apply of an object that does not convert into its Go type: a 500 without a reason, as kube-apiserver answers. */
export function applyConversionError(object: string, groupVersion: string, kind: string, why: string): ApiError {
  const gvk = `${groupVersion.includes('/') ? groupVersion : `/${groupVersion}`}, Kind=${kind}`;
  return new ApiError(500, '', `failed to convert new object (${object}; ${gvk}) to proper version: unable to convert unstructured object to ${gvk}: ${why}`);
}

/** Server-side apply of a field the schema does not declare: kube-apiserver's 500 InternalError, whatever `fieldValidation` says. */
export function typedPatchFailure(object: string, groupVersion: string, kind: string, field: string): ApiError {
  const gvk = `${groupVersion.includes('/') ? groupVersion : `/${groupVersion}`}, Kind=${kind}`;
  return new ApiError(500, 'InternalError', `failed to create typed patch object (${object}; ${gvk}): .${field}: field not declared in schema`);
}

export function resourceNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** The kinds of `field.Error` (`pkg/util/validation/field/errors.go`). */
export type FieldErrorType = 'Required' | 'Invalid' | 'NotSupported' | 'Forbidden' | 'Duplicate' | 'TooLong';

/** One validation failure, as `field.Error`. */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  value?: unknown;
  detail?: string;
  /** For NotSupported: the accepted values. */
  supported?: readonly string[];
}

const CAUSE_REASON: Record<FieldErrorType, string> = {
  Required: 'FieldValueRequired',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden',
  Duplicate: 'FieldValueDuplicate',
  TooLong: 'FieldValueTooLong',
};

/** `field.Error.ErrorBody()`: the message without the field path. */
export function fieldErrorBody(err: FieldError): string {
  switch (err.type) {
    case 'Required':
      return `Required value${err.detail ? `: ${err.detail}` : ''}`;
    case 'Invalid':
      return `Invalid value: ${renderValue(err.value)}${err.detail ? `: ${err.detail}` : ''}`;
    case 'NotSupported': {
      const list = (err.supported ?? []).map((s) => JSON.stringify(s)).join(', ');
      return `Unsupported value: ${renderValue(err.value)}${list ? `: supported values: ${list}` : ''}`;
    }
    case 'Forbidden':
      return `Forbidden${err.detail ? `: ${err.detail}` : ''}`;
    case 'Duplicate':
      return `Duplicate value: ${renderValue(err.value)}`;
    case 'TooLong':
      return `Too long: ${err.detail ?? 'value is too long'}`;
  }
}

export function formatFieldError(err: FieldError): string {
  return `${err.field}: ${fieldErrorBody(err)}`;
}

/** 422 Invalid: `Job.batch "x" is invalid: [a: ..., b: ...]` with one cause per field error. */
export function invalid(target: { group: string; kind: string; name: string }, errors: readonly FieldError[]): ApiError {
  const qualified = target.group ? `${target.kind}.${target.group}` : target.kind;
  const list = errors.map(formatFieldError);
  const joined = list.length === 1 ? (list[0] ?? '') : `[${list.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${qualified} "${target.name}" is invalid: ${joined}`, {
    name: target.name,
    group: target.group || undefined,
    kind: target.kind,
    causes: errors.map((e) => ({ reason: CAUSE_REASON[e.type], message: fieldErrorBody(e), field: e.field })),
  });
}

/** A failure of the dev cluster itself (bad options, a server that cannot start). */
export class DevClusterError extends Error {
  override readonly name = 'DevClusterError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
