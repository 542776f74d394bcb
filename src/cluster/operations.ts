/**
 * The request-and-answer methods of the `ClusterClient`, one function each, over a transport and
 * discovery passed in (`OperationContext`): check the arguments (`validate.ts`), locate the kind,
 * build the request (`requests.ts`), send it, and read the answer or the failure (`outcomes.ts`).
 */
import type { KubeObject } from '../manifests/index.js';
import { sleep } from '../util/index.js';
import type { Logger } from '../util/index.js';
import type { Discovery } from './discovery.js';
import { describeTarget } from './discovery.js';
import { isNotFound } from './errors.js';
import { adoption, deleteFailureOutcome, finalizerFailure, finalizerRetryDelay, mayAdopt } from './outcomes.js';
import {
  applyRequest,
  createRequest,
  deleteRequest,
  effectiveNamespace,
  getRequest,
  hasFinalizer,
  listPageRequest,
  mergePatchRequest,
  objectTarget,
  podLogsRequest,
  readListPage,
  removeFinalizerRequest,
  replaceRequest,
  withKind,
} from './requests.js';
import type { ObjectTarget } from './requests.js';
import type { Transport } from './transport.js';
import type { ApplyOptions, CollectionRef, CreateOptions, DeleteOptions, DeleteOutcome, LogOptions, MergePatchOptions, ObjectRef, ReplaceOptions, Selectors } from './types.js';
import { checkCollectionRef, checkObject, checkPatch, checkPodLogs, checkRef } from './validate.js';

export interface OperationContext {
  transport: Pick<Transport, 'request' | 'requestJson'>;
  discovery: Pick<Discovery, 'require'>;
  /** Namespace for refs and objects of namespaced kinds that name none. */
  namespace: string;
  /** Field manager of apply and create when the call names none. */
  fieldManager: string;
  logger: Logger;
}

/** Where `ref` (or its subresource) lives; a kind the server does not serve is a NotFound. */
export async function locate(ctx: OperationContext, ref: ObjectRef, subresource?: string): Promise<ObjectTarget> {
  const info = await ctx.discovery.require(ref.apiVersion, ref.kind);
  return objectTarget(info, effectiveNamespace(info, ref.namespace, ctx.namespace), ref.name, subresource);
}

/** `undefined` when the object, or its kind, does not exist. */
export async function getObject(ctx: OperationContext, ref: ObjectRef, signal?: AbortSignal): Promise<KubeObject | undefined> {
  checkRef(ref, 'get');
  try {
    const target = await locate(ctx, ref);
    return withKind(await ctx.transport.requestJson(getRequest(target, signal)), ref.apiVersion, ref.kind);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Every page; the resourceVersion is the first page's. Without a namespace: all namespaces. */
export async function listObjects(
  ctx: OperationContext,
  ref: CollectionRef,
  selectors: Selectors = {},
  signal?: AbortSignal,
): Promise<{ items: KubeObject[]; resourceVersion: string }> {
  checkCollectionRef(ref, 'list');
  const info = await ctx.discovery.require(ref.apiVersion, ref.kind);
  const items: KubeObject[] = [];
  let resourceVersion = '';
  let continueToken: string | undefined;
  do {
    const page = readListPage(await ctx.transport.requestJson(listPageRequest(info, ref.namespace, selectors, continueToken, signal)));
    if (!resourceVersion) resourceVersion = page.resourceVersion;
    for (const item of page.items) items.push(withKind(item, ref.apiVersion, ref.kind));
    continueToken = page.continueToken;
  } while (continueToken);
  return { items, resourceVersion };
}

/** With `adoptOnConflict`, AlreadyExists returns the existing object when it carries our labels. */
export async function createObject(ctx: OperationContext, object: KubeObject, options: CreateOptions = {}): Promise<KubeObject> {
  checkObject(object, 'create', options.adoptOnConflict === true);
  const info = await ctx.discovery.require(object.apiVersion, object.kind);
  const namespace = effectiveNamespace(info, object.metadata.namespace, ctx.namespace);
  const request = createRequest(info, namespace, object, options, ctx.fieldManager);
  for (let attempt = 1; ; attempt++) {
    try {
      return withKind(await ctx.transport.requestJson(request), object.apiVersion, object.kind);
    } catch (err) {
      if (!mayAdopt(err, options)) throw err;
      const existing = await getObject(ctx, { apiVersion: object.apiVersion, kind: object.kind, namespace, name: object.metadata.name ?? '' });
      const next = adoption(existing, object, attempt);
      if (next === 'fail') throw err;
      if (next === 'adopt' && existing) {
        ctx.logger.debug('create met AlreadyExists; adopted the existing object', { target: describeTarget(info, namespace, object.metadata.name) });
        return existing;
      }
    }
  }
}

export async function applyObject(ctx: OperationContext, object: KubeObject, options: ApplyOptions = {}): Promise<KubeObject> {
  checkObject(object, 'apply', true);
  const target = await locate(ctx, { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name ?? '', namespace: object.metadata.namespace });
  const result = await ctx.transport.requestJson(applyRequest(target, object, options, ctx.fieldManager));
  return withKind(result, object.apiVersion, object.kind);
}

export async function replaceObject(ctx: OperationContext, object: KubeObject, options: ReplaceOptions = {}): Promise<KubeObject> {
  checkObject(object, 'replace', true);
  const target = await locate(ctx, { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name ?? '', namespace: object.metadata.namespace });
  return withKind(await ctx.transport.requestJson(replaceRequest(target, object, options, ctx.fieldManager)), object.apiVersion, object.kind);
}

export async function deleteObject(ctx: OperationContext, ref: ObjectRef, options: DeleteOptions = {}): Promise<DeleteOutcome> {
  checkRef(ref, 'delete');
  let target: ObjectTarget;
  try {
    target = await locate(ctx, ref);
  } catch (err) {
    if (isNotFound(err)) return 'notFound';
    throw err;
  }
  try {
    await ctx.transport.request(deleteRequest(target, options));
    return 'deleted';
  } catch (err) {
    const outcome = deleteFailureOutcome(err, options);
    if (outcome === undefined) throw err;
    return outcome;
  }
}

/** Read, drop the finalizer, update; a Conflict re-reads and tries again. NotFound counts as done. */
export async function removeFinalizer(ctx: OperationContext, ref: ObjectRef, finalizer: string): Promise<void> {
  checkRef(ref, 'removeFinalizer');
  for (let attempt = 0; ; attempt++) {
    const live = await getObject(ctx, ref);
    if (!live || !hasFinalizer(live, finalizer)) return;
    const target = await locate(ctx, ref);
    try {
      await ctx.transport.request(removeFinalizerRequest(target, live, finalizer));
      return;
    } catch (err) {
      const next = finalizerFailure(err, attempt);
      if (next === 'done') return;
      if (next === 'fail') throw err;
      await sleep(finalizerRetryDelay(attempt));
    }
  }
}

export async function mergePatchObject(ctx: OperationContext, ref: ObjectRef, patch: Record<string, unknown>, options: MergePatchOptions = {}): Promise<KubeObject> {
  checkRef(ref, 'mergePatch');
  checkPatch(patch, 'mergePatch');
  const target = await locate(ctx, ref, options.subresource);
  return withKind(await ctx.transport.requestJson(mergePatchRequest(target, patch, options)), ref.apiVersion, ref.kind);
}

export async function readPodLogs(ctx: OperationContext, namespace: string, pod: string, options: LogOptions = {}): Promise<string> {
  checkPodLogs(namespace, pod, options);
  const { text } = await ctx.transport.request(podLogsRequest(namespace, pod, options));
  return text;
}
