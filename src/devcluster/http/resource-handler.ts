/** Requests on a resource: list, watch, get, create, update, patch, delete, deletecollection, `status` and `pods/log`. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../manifests/index.js';
import type { PropagationPolicy } from '../../cluster/types.js';
import type { ObjectApi, Target } from '../api/object-api.js';
import { groupResource } from '../api/object-api.js';
import { parsePatchBody, patchTypeOf } from '../api/patch-object.js';
import type { ResourceRegistry } from '../api/resource-registry.js';
import { apiVersionOf } from '../api/resource-types.js';
import type { ResourceType } from '../api/resource-types.js';
import { parseFieldSelector, parseLabelSelector } from '../api/selectors.js';
import type { AuditVerb } from '../audit.js';
import { badRequest, invalid, methodNotAllowed, notFound, resourceNotFound } from '../errors.js';
import { isRecord } from '../json.js';
import { decodeProtobufBody, isProtobufMediaType, unsupportedMediaType } from '../protobuf/index.js';
import type { PodRun } from '../../podruntime/pod-run.js';
import { dropUnknownFields, strictDecodingError, typedPatchError, unknownFields } from '../validation/unknown-fields.js';
import { objectJson } from './json-cache.js';
import { selectLog, sendLog } from './pod-logs.js';
import { readBody, readBodyBytes, sendJson } from './respond.js';
import type { ResourceRoute } from './routes.js';
import { renderTable, wantsTable } from './table.js';
import type { WatchHub } from './watch-hub.js';

export interface ResourceHandlerDeps {
  api: ObjectApi;
  registry: ResourceRegistry;
  watches: WatchHub;
  podRun: (namespace: string, name: string) => PodRun | undefined;
  /** Called once per mutating request with what was done. */
  audit: (entry: { verb: AuditVerb; type: ResourceType; namespace?: string; name?: string; subresource?: string; fieldManager?: string }) => void;
}

const POLICIES: readonly PropagationPolicy[] = ['Foreground', 'Background', 'Orphan'];

function dryRunOf(params: URLSearchParams): boolean {
  const values = params.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw invalid({ group: 'meta.k8s.io', kind: 'CreateOptions', name: '' }, [{ type: 'NotSupported', field: 'dryRun', value: v, supported: ['All'] }]);
  return values.length > 0;
}

function parseJsonBody(text: string, contentType: string | undefined): unknown {
  try {
    if ((contentType ?? '').includes('yaml')) return parseYaml(text) as unknown;
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`the body of the request could not be decoded: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

/**
 * A create, update or delete body: JSON or YAML, or Kubernetes protobuf (what kubectl's generator
 * commands send) decoded to the JSON a JSON client would have sent, so it takes the same path.
 * `kind` is what the URL implies, for an envelope that leaves it out.
 */
async function readObjectBody(req: IncomingMessage, type: ResourceType, kind: string): Promise<unknown> {
  const bytes = await readBodyBytes(req);
  const contentType = req.headers['content-type'];
  if (!isProtobufMediaType(contentType)) {
    const text = bytes.toString('utf8');
    if (kind === 'DeleteOptions') return text.trim() ? parseJsonBody(text, 'application/json') : undefined;
    return parseJsonBody(text, contentType);
  }
  if (bytes.length === 0 && kind === 'DeleteOptions') return undefined;
  // Custom resources are served in JSON and YAML only, as by the API server.
  if (!type.builtIn && kind !== 'DeleteOptions') throw unsupportedMediaType('', 'application/json, application/yaml');
  return decodeProtobufBody(bytes, { apiVersion: apiVersionOf(type), kind });
}

/**
 * `fieldValidation`: Strict refuses unknown fields (400); Warn answers with `Warning` headers and
 * Ignore says nothing, both dropping the unknown fields from the body, as the API server's decoder does.
 */
function checkFields(type: ResourceType, body: unknown, params: URLSearchParams, res: ServerResponse): void {
  const mode = params.get('fieldValidation') ?? 'Warn';
  if (mode === 'Strict') {
    const err = strictDecodingError(type, body);
    if (err) throw err;
    return;
  }
  if (mode !== 'Warn' && mode !== 'Ignore') throw badRequest(`fieldValidation: Unsupported value: "${mode}": supported values: "Ignore", "Warn", "Strict"`);
  if (mode === 'Warn') {
    const unknown = unknownFields(type, body);
    if (unknown.length > 0) res.setHeader('Warning', unknown.map((f) => `299 - "unknown field \\"${f}\\""`).join(', '));
  }
  dropUnknownFields(type, body);
}

function listJson(type: ResourceType, items: readonly KubeObject[], resourceVersion: string): string {
  const apiVersion = apiVersionOf(type);
  return `{"kind":"${type.kind}List","apiVersion":"${apiVersion}","metadata":{"resourceVersion":"${resourceVersion}"},"items":[${items.map((o) => objectJson(o, apiVersion)).join(',')}]}`;
}

function deleteOptions(body: unknown, params: URLSearchParams): { propagationPolicy?: PropagationPolicy; gracePeriodSeconds?: number; uid?: string; resourceVersion?: string; dryRun: boolean } {
  const b = isRecord(body) ? body : {};
  const pre = isRecord(b.preconditions) ? b.preconditions : {};
  let policy = (typeof b.propagationPolicy === 'string' ? b.propagationPolicy : undefined) ?? params.get('propagationPolicy') ?? undefined;
  const orphan = b.orphanDependents ?? (params.has('orphanDependents') ? params.get('orphanDependents') === 'true' : undefined);
  if (policy === undefined && orphan !== undefined) policy = orphan === true ? 'Orphan' : 'Background';
  if (policy !== undefined && !POLICIES.includes(policy as PropagationPolicy)) {
    throw invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions', name: '' }, [{ type: 'NotSupported', field: 'propagationPolicy', value: policy, supported: POLICIES }]);
  }
  const graceRaw = b.gracePeriodSeconds ?? params.get('gracePeriodSeconds') ?? undefined;
  const grace = graceRaw === undefined || graceRaw === null ? undefined : Number(graceRaw);
  if (grace !== undefined && (!Number.isInteger(grace) || grace < 0)) throw badRequest(`gracePeriodSeconds: invalid value ${JSON.stringify(graceRaw)}`);
  const dryRun = (Array.isArray(b.dryRun) && b.dryRun.includes('All')) || dryRunOf(params);
  return {
    ...(policy ? { propagationPolicy: policy as PropagationPolicy } : {}),
    ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
    ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
    ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}),
    dryRun,
  };
}

function successStatus(type: ResourceType, obj: KubeObject): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: obj.metadata.name, ...(type.group ? { group: type.group } : {}), kind: type.plural, uid: obj.metadata.uid },
  };
}

export async function handleResource(route: ResourceRoute, req: IncomingMessage, res: ServerResponse, url: URL, deps: ResourceHandlerDeps): Promise<void> {
  const type = deps.registry.byResource(route.group, route.version, route.plural);
  if (!type) throw resourceNotFound();
  if (route.namespace !== undefined && !type.namespaced) throw resourceNotFound();
  const sub = route.subresource;
  if (sub !== undefined && !(sub === 'status' && type.statusSubresource) && !(sub === 'log' && type.builtIn && type.kind === 'Pod' && type.group === '')) throw resourceNotFound();
  if (sub !== undefined && route.name === undefined) throw resourceNotFound();
  const params = url.searchParams;
  const method = req.method ?? 'GET';
  const target: Target = { type, namespace: type.namespaced ? (route.namespace ?? '') : '' };
  const namespace = type.namespaced ? route.namespace : undefined;
  const watch = route.watchPrefix || params.get('watch') === 'true' || params.get('watch') === '1';

  if (method === 'GET' && route.name === undefined) {
    const labels = parseLabelSelector(params.get('labelSelector'));
    const fields = parseFieldSelector(params.get('fieldSelector'), type.kind);
    if (watch) {
      const timeout = params.get('timeoutSeconds');
      deps.watches.start(
        {
          type,
          ...(namespace !== undefined ? { namespace } : {}),
          labels,
          fields,
          resourceVersion: params.get('resourceVersion') ?? '',
          ...(timeout ? { timeoutSeconds: Number(timeout) } : {}),
          allowBookmarks: params.get('allowWatchBookmarks') === 'true',
          sendInitialEvents: params.get('sendInitialEvents') === 'true',
        },
        res,
      );
      return;
    }
    const { items, resourceVersion } = deps.api.list(type, namespace, {
      labelSelector: params.get('labelSelector') ?? undefined,
      fieldSelector: params.get('fieldSelector') ?? undefined,
    });
    if (wantsTable(req.headers.accept)) sendJson(res, 200, renderTable(type, items, resourceVersion));
    else sendJson(res, 200, listJson(type, items, resourceVersion));
    return;
  }
  if (method === 'GET') {
    const name = route.name ?? '';
    if (sub === 'log') {
      const pod = deps.api.peek(target, name);
      if (!pod) throw notFound(groupResource(type), name);
      sendLog(req, res, selectLog(pod, deps.podRun(target.namespace, name), params), params);
      return;
    }
    const obj = deps.api.get(target, name);
    if (wantsTable(req.headers.accept)) sendJson(res, 200, renderTable(type, [obj], obj.metadata.resourceVersion ?? ''));
    else sendJson(res, 200, obj);
    return;
  }
  if (sub === 'log') throw methodNotAllowed();
  const fieldManager = params.get('fieldManager') ?? undefined;
  const subresource = sub === 'status' ? ('status' as const) : undefined;
  const audit = (verb: AuditVerb, name: string | undefined): void =>
    deps.audit({ verb, type, ...(namespace !== undefined ? { namespace } : {}), ...(name ? { name } : {}), ...(sub ? { subresource: sub } : {}), ...(fieldManager ? { fieldManager } : {}) });

  switch (method) {
    case 'POST': {
      if (route.name !== undefined) throw methodNotAllowed();
      if (type.namespaced && route.namespace === undefined) throw methodNotAllowed();
      audit('create', undefined);
      const body = await readObjectBody(req, type, type.kind);
      const bodyName = isRecord(body) && isRecord(body.metadata) && typeof body.metadata.name === 'string' ? body.metadata.name : undefined;
      audit('create', bodyName);
      checkFields(type, body, params, res);
      const created = deps.api.create(target, body, { dryRun: dryRunOf(params), ...(fieldManager ? { fieldManager } : { fieldManager: defaultManager(req) }) });
      audit('create', created.metadata.name);
      sendJson(res, 201, created);
      return;
    }
    case 'PUT': {
      const name = route.name;
      if (name === undefined) throw methodNotAllowed();
      audit('update', name);
      const body = await readObjectBody(req, type, type.kind);
      checkFields(type, body, params, res);
      sendJson(res, 200, deps.api.update(target, name, body, { dryRun: dryRunOf(params), fieldManager: fieldManager ?? defaultManager(req), ...(subresource ? { subresource } : {}) }));
      return;
    }
    case 'PATCH': {
      const name = route.name;
      if (name === undefined) throw methodNotAllowed();
      audit('patch', name);
      const patchType = patchTypeOf(req.headers['content-type'], type.builtIn);
      const body = parsePatchBody(patchType, await readBody(req));
      if (patchType === 'apply') {
        const err = typedPatchError(type, body, route.namespace, name);
        if (err) throw err;
      }
      // A merge patch names fields as an object does; strategic patches carry `$` directives, JSON patches are lists.
      if (patchType === 'apply' || (patchType === 'merge' && !subresource)) checkFields(type, body, params, res);
      const forceRaw = params.get('force');
      if (forceRaw !== null && forceRaw !== 'true' && forceRaw !== 'false') throw badRequest(`force: invalid value ${JSON.stringify(forceRaw)}`);
      const existed = deps.api.peek(target, name) !== undefined;
      const result = deps.api.patch(target, name, patchType, body, {
        dryRun: dryRunOf(params),
        ...(patchType === 'apply' ? (fieldManager ? { fieldManager } : {}) : { fieldManager: fieldManager ?? defaultManager(req) }),
        ...(forceRaw !== null ? { force: forceRaw === 'true' } : {}),
        ...(subresource ? { subresource } : {}),
      });
      sendJson(res, existed ? 200 : 201, result);
      return;
    }
    case 'DELETE': {
      const body = await readObjectBody(req, type, 'DeleteOptions');
      const opts = deleteOptions(body, params);
      const deleteArgs = {
        ...(opts.propagationPolicy ? { propagationPolicy: opts.propagationPolicy } : {}),
        ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
        preconditions: { ...(opts.uid ? { uid: opts.uid } : {}), ...(opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}) },
        dryRun: opts.dryRun,
      };
      if (route.name === undefined) {
        audit('deletecollection', undefined);
        const { items } = deps.api.list(type, namespace, { labelSelector: params.get('labelSelector') ?? undefined, fieldSelector: params.get('fieldSelector') ?? undefined });
        const deleted = [...items].map((o) => deps.api.delete({ type, namespace: o.metadata.namespace ?? '' }, o.metadata.name ?? '', deleteArgs).object);
        sendJson(res, 200, listJson(type, deleted, String(deps.api.store.currentRv())));
        return;
      }
      audit('delete', route.name);
      const result = deps.api.delete(target, route.name, deleteArgs);
      const podLike = type.group === '' && type.kind === 'Pod';
      sendJson(res, 200, result.state === 'removed' && !podLike ? successStatus(type, result.object) : result.object);
      return;
    }
    default:
      throw methodNotAllowed();
  }
}

/** The API server's default field manager: the client's user agent, up to the first `/`. */
function defaultManager(req: IncomingMessage): string {
  const agent = req.headers['user-agent'] ?? 'unknown';
  return agent.split('/')[0]?.trim() || 'unknown';
}
