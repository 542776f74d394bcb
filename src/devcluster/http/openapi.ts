/**
 * `/openapi/v3` as kubectl needs it (`kubectl create`, `explain` and client-side validation fetch it; see src/devcluster/README.md): a root listing each group-version,
 * and per group-version a document with, for each kind, a PATCH operation carrying an
 * `x-kubernetes-group-version-kind` object and a `fieldValidation` parameter — which tells
 * kubectl that the server validates fields itself.
 */
import { createHash } from 'node:crypto';
import type { ResourceRegistry } from '../api/resource-registry.js';

import type { ResourceType } from '../api/resource-types.js';
import { KUBERNETES_VERSION } from './discovery.js';

function prefix(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const QUERY = (name: string): Record<string, unknown> => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });

function operation(type: ResourceType, action: string, params: string[]): Record<string, unknown> {
  return {
    operationId: `${action}${type.namespaced ? 'Namespaced' : ''}${type.kind}`,
    parameters: params.map(QUERY),
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: type.group, version: type.version, kind: type.kind },
  };
}

function paths(type: ResourceType): Record<string, unknown> {
  const base = `/${prefix(type.group, type.version)}${type.namespaced ? '/namespaces/{namespace}' : ''}/${type.plural}`;
  const writeParams = ['dryRun', 'fieldManager', 'fieldValidation'];
  const out: Record<string, unknown> = {
    [base]: {
      get: operation(type, 'list', ['labelSelector', 'fieldSelector', 'watch', 'resourceVersion', 'timeoutSeconds']),
      post: operation(type, 'post', writeParams),
    },
    [`${base}/{name}`]: {
      get: operation(type, 'get', []),
      put: operation(type, 'put', writeParams),
      patch: operation(type, 'patch', [...writeParams, 'force']),
      delete: operation(type, 'delete', ['dryRun', 'gracePeriodSeconds', 'propagationPolicy']),
    },
  };
  if (type.statusSubresource) {
    out[`${base}/{name}/status`] = { get: operation(type, 'get', []), put: operation(type, 'put', writeParams), patch: operation(type, 'patch', [...writeParams, 'force']) };
  }
  return out;
}

/** The group-version document, or undefined when nothing is served there. */
export function openApiGroupVersion(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const types = registry.resourcesOf(group, version);
  if (types.length === 0) return undefined;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: KUBERNETES_VERSION.gitVersion },
    paths: Object.assign({}, ...types.map(paths)) as Record<string, unknown>,
    components: { schemas: {} },
  };
}

export function openApiHash(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
}

export function openApiRoot(registry: ResourceRegistry): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const gv of registry.groupVersions()) {
    const slash = gv.indexOf('/');
    const group = slash < 0 ? '' : gv.slice(0, slash);
    const version = slash < 0 ? gv : gv.slice(slash + 1);
    const doc = openApiGroupVersion(registry, group, version);
    if (doc) out[prefix(group, version)] = { serverRelativeURL: `/openapi/v3/${prefix(group, version)}?hash=${openApiHash(doc)}` };
  }
  return { paths: out };
}

