/**
 * The requests of the `ClusterClient` methods, built from discovery's answer and the caller's
 * options (pure): URL paths, query parameters, bodies, content types and what each request says
 * it does. Also the small object rewrites around them (namespace, kind, finalizers).
 */
import type { KubeObject } from '../manifests/index.js';
import { collectionPath, describeTarget, objectPath } from './discovery.js';
import type { RequestDescription } from './errors.js';
import type { ApiRequest } from './transport.js';
import type { ApiResourceInfo, ApplyOptions, CreateOptions, DeleteOptions, LogOptions, MergePatchOptions, ReplaceOptions, Selectors } from './types.js';

/** Items per page of a list. */
export const LIST_PAGE_SIZE = 500;

/** One object (or its subresource) as discovery located it. */
export interface ObjectTarget {
  info: ApiResourceInfo;
  /** `undefined` for a cluster-scoped kind. */
  namespace: string | undefined;
  path: string;
  describe(verb: string): RequestDescription;
}

/** The namespace a request uses: the one asked for, else `fallback`; none for a cluster-scoped kind. */
export function effectiveNamespace(info: ApiResourceInfo, requested: string | undefined, fallback: string): string | undefined {
  return info.namespaced ? requested || fallback : undefined;
}

export function objectTarget(info: ApiResourceInfo, namespace: string | undefined, name: string, subresource?: string): ObjectTarget {
  const suffix = subresource ? `/${subresource}` : '';
  return {
    info,
    namespace,
    path: objectPath(info, namespace, name) + suffix,
    describe: (verb) => ({ verb, target: describeTarget(info, namespace, name) + suffix }),
  };
}

/** A copy with `metadata.namespace` set for a namespaced kind and removed for a cluster-scoped one. */
export function inNamespace(object: KubeObject, namespace: string | undefined): KubeObject {
  const { namespace: _ignored, ...metadata } = object.metadata;
  return { ...object, metadata: namespace ? { ...metadata, namespace } : metadata };
}

/** An answer as a `KubeObject`: apiVersion and kind filled in when the server left them out. */
export function withKind(obj: unknown, apiVersion: string, kind: string): KubeObject {
  const o = obj as KubeObject;
  return { ...o, apiVersion: o.apiVersion ?? apiVersion, kind: o.kind ?? kind, metadata: o.metadata ?? {} };
}

/** Whether every label of `wanted` is on `live` (adopting an object we did not create is refused). */
export function labelsMatch(live: KubeObject, wanted: KubeObject): boolean {
  const liveLabels = live.metadata.labels ?? {};
  return Object.entries(wanted.metadata.labels ?? {}).every(([k, v]) => liveLabels[k] === v);
}

export function hasFinalizer(object: KubeObject, finalizer: string): boolean {
  return (object.metadata.finalizers ?? []).includes(finalizer);
}

/** A copy without `finalizer` (all else, resourceVersion included, kept: the update is conditional). */
export function withoutFinalizer(object: KubeObject, finalizer: string): KubeObject {
  return { ...object, metadata: { ...object.metadata, finalizers: (object.metadata.finalizers ?? []).filter((f) => f !== finalizer) } };
}

export function getRequest(target: ObjectTarget, signal?: AbortSignal): ApiRequest {
  return { method: 'GET', path: target.path, describe: target.describe('get'), signal };
}

/** One page of a list; `continueToken` from the previous page. */
export function listPageRequest(
  info: ApiResourceInfo,
  namespace: string | undefined,
  selectors: Selectors,
  continueToken: string | undefined,
  signal?: AbortSignal,
): ApiRequest {
  return {
    method: 'GET',
    path: collectionPath(info, namespace),
    query: { labelSelector: selectors.labelSelector, fieldSelector: selectors.fieldSelector, limit: LIST_PAGE_SIZE, continue: continueToken },
    describe: { verb: 'list', target: describeTarget(info, namespace) },
    signal,
  };
}

export interface ListPage {
  items: unknown[];
  /** '' when the page names none. */
  resourceVersion: string;
  /** `undefined` on the last page. */
  continueToken: string | undefined;
}

export function readListPage(body: unknown): ListPage {
  const page = body as { items?: unknown[]; metadata?: { resourceVersion?: string; continue?: string } };
  return { items: page.items ?? [], resourceVersion: page.metadata?.resourceVersion ?? '', continueToken: page.metadata?.continue || undefined };
}

/** POST to the collection; `fieldManager` is the client's default. */
export function createRequest(info: ApiResourceInfo, namespace: string | undefined, object: KubeObject, options: CreateOptions, fieldManager: string): ApiRequest {
  return {
    method: 'POST',
    path: collectionPath(info, namespace),
    query: { fieldManager: options.fieldManager ?? fieldManager, dryRun: options.dryRun ? 'All' : undefined, fieldValidation: options.fieldValidation },
    body: inNamespace(object, namespace),
    describe: { verb: 'create', target: describeTarget(info, namespace, object.metadata.name ?? object.metadata.generateName) },
  };
}

/** Server-side apply: force unless told otherwise; `fieldManager` is the client's default. */
export function applyRequest(target: ObjectTarget, object: KubeObject, options: ApplyOptions, fieldManager: string): ApiRequest {
  return {
    method: 'PATCH',
    path: target.path,
    query: { fieldManager: options.fieldManager ?? fieldManager, force: options.force ?? true, dryRun: options.dryRun ? 'All' : undefined, fieldValidation: options.fieldValidation },
    body: inNamespace(object, target.namespace),
    contentType: 'application/apply-patch+yaml',
    describe: target.describe('apply'),
  };
}

/** `kubectl replace`: a PUT of the whole object. */
export function replaceRequest(target: ObjectTarget, object: KubeObject, options: ReplaceOptions, fieldManager: string): ApiRequest {
  return {
    method: 'PUT',
    path: target.path,
    query: { fieldManager: options.fieldManager ?? fieldManager, dryRun: options.dryRun ? 'All' : undefined, fieldValidation: options.fieldValidation },
    body: inNamespace(object, target.namespace),
    describe: target.describe('replace'),
  };
}

/** The `DeleteOptions` body: Background propagation unless told otherwise, a uid precondition when given. */
export function deleteOptionsBody(options: DeleteOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: options.propagationPolicy ?? 'Background' };
  if (options.gracePeriodSeconds !== undefined) body['gracePeriodSeconds'] = options.gracePeriodSeconds;
  if (options.uid !== undefined) body['preconditions'] = { uid: options.uid };
  return body;
}

export function deleteRequest(target: ObjectTarget, options: DeleteOptions): ApiRequest {
  return { method: 'DELETE', path: target.path, body: deleteOptionsBody(options), describe: target.describe('delete') };
}

/** A PUT of `live` without `finalizer`. */
export function removeFinalizerRequest(target: ObjectTarget, live: KubeObject, finalizer: string): ApiRequest {
  return { method: 'PUT', path: target.path, body: withoutFinalizer(live, finalizer), describe: target.describe('remove finalizer from') };
}

export function mergePatchRequest(target: ObjectTarget, patch: Record<string, unknown>, options: MergePatchOptions = {}): ApiRequest {
  return {
    method: 'PATCH',
    path: target.path,
    ...(options.fieldManager || options.fieldValidation ? { query: { fieldManager: options.fieldManager, fieldValidation: options.fieldValidation } } : {}),
    body: patch,
    contentType: 'application/merge-patch+json',
    describe: target.describe('patch'),
  };
}

export function podLogsRequest(namespace: string, pod: string, options: LogOptions): ApiRequest {
  return {
    method: 'GET',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
    query: { container: options.container, tailLines: options.tailLines, limitBytes: options.limitBytes, previous: options.previous ? 'true' : undefined },
    describe: { verb: 'read logs of', target: `pods ${namespace}/${pod}${options.container ? ` container ${options.container}` : ''}` },
  };
}
