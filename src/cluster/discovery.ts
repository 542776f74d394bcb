/**
 * Discovery (`/api/v1`, `/apis/<group>/<version>`) with a cache per apiVersion, and the URL paths
 * built from it.
 */
import { splitApiVersion } from '../manifests/index.js';
import { isNotFound, KubeApiError } from './errors.js';
import type { Transport } from './transport.js';
import type { ApiResourceInfo, ListableResources } from './types.js';

export interface Discovery {
  /** `undefined` when the server does not serve the kind. */
  resourceInfo(apiVersion: string, kind: string): Promise<ApiResourceInfo | undefined>;
  /** Like `resourceInfo`, but a kind the server does not serve is a `NotFound` `KubeApiError`. */
  require(apiVersion: string, kind: string): Promise<ApiResourceInfo>;
  /** Every kind that can be listed, at its group's preferred version (as `kubectl api-resources`). */
  listable(): Promise<ListableResources>;
  invalidate(): void;
}


/** One entry of an `APIResourceList` (a resource or a subresource such as `jobs/status`). */
export interface ResourceListEntry {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

/** The entries of an `APIResourceList` body; malformed entries are skipped. */
export function parseResourceList(body: unknown): ResourceListEntry[] {
  const resources = (body as { resources?: unknown } | null)?.resources;
  if (!Array.isArray(resources)) return [];
  return resources.flatMap((r: unknown) => {
    const e = r as Partial<Record<string, unknown>> | null;
    if (!e || typeof e['name'] !== 'string' || typeof e['kind'] !== 'string') return [];
    const verbs = Array.isArray(e['verbs']) ? e['verbs'].filter((v): v is string => typeof v === 'string') : [];
    return [{ name: e['name'], kind: e['kind'], namespaced: e['namespaced'] === true, verbs }];
  });
}

/** The preferred group versions of an `APIGroupList` body (`apps/v1`, …); malformed groups are skipped. */
export function preferredGroupVersions(body: unknown): string[] {
  const groups = (body as { groups?: unknown } | null)?.groups;
  if (!Array.isArray(groups)) return [];
  return groups.flatMap((g: unknown) => {
    const gv = (g as { preferredVersion?: { groupVersion?: unknown } } | null)?.preferredVersion?.groupVersion;
    return typeof gv === 'string' && gv.includes('/') ? [gv] : [];
  });
}

/** The main (not sub-) resources of one group version that support `list`. */
export function listableEntries(apiVersion: string, entries: readonly ResourceListEntry[]): ApiResourceInfo[] {
  const { group, version } = splitApiVersion(apiVersion);
  return entries
    .filter((e) => !e.name.includes('/') && e.verbs.includes('list'))
    .map((e) => ({ group, version, kind: e.kind, resource: e.name, namespaced: e.namespaced, ...(e.verbs.includes('watch') ? {} : { watchable: false }) }));
}

/** `no matches for kind "Widget" in version "example.com/v1"`, as kubectl words it. */
export function noKindMatch(apiVersion: string, kind: string): KubeApiError {
  const { group } = splitApiVersion(apiVersion);
  return new KubeApiError(
    { code: 404, reason: 'NotFound', message: `no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)}`, details: { group, kind } },
    { request: { verb: 'discover', target: `${kind}.${apiVersion}` } },
  );
}

/** `/api/v1` for the core group, `/apis/<group>/<version>` for the others. */
export function discoveryPath(apiVersion: string): string {
  const { group, version } = splitApiVersion(apiVersion);
  return group === '' ? `/api/${encodeURIComponent(version)}` : `/apis/${encodeURIComponent(group)}/${encodeURIComponent(version)}`;
}

/** The main resource of `kind` in a resource list; subresources (`jobs/status`) share the kind but have a slash. */
export function findResource(entries: readonly ResourceListEntry[] | undefined, apiVersion: string, kind: string): ApiResourceInfo | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  const found = entries?.find((r) => r.kind === kind && !r.name.includes('/'));
  return found ? { group, version, kind, resource: found.name, namespaced: found.namespaced } : undefined;
}

/** Discovery over `transport`, one cached answer per apiVersion (until `invalidate`); failures are not cached. */
export function createDiscovery(transport: Pick<Transport, 'requestJson'>): Discovery {
  const cache = new Map<string, Promise<ResourceListEntry[] | undefined>>();

  function load(apiVersion: string): Promise<ResourceListEntry[] | undefined> {
    let entry = cache.get(apiVersion);
    if (!entry) {
      entry = transport
        .requestJson({ method: 'GET', path: discoveryPath(apiVersion), describe: { verb: 'discover', target: apiVersion } })
        .then(parseResourceList, (err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
      // A failure is not cached: the next call asks again.
      entry.catch(() => cache.delete(apiVersion));
      cache.set(apiVersion, entry);
    }
    return entry;
  }

  async function resourceInfo(apiVersion: string, kind: string): Promise<ApiResourceInfo | undefined> {
    return findResource(await load(apiVersion), apiVersion, kind);
  }

  async function listable(): Promise<ListableResources> {
    const groups = await transport.requestJson({ method: 'GET', path: '/apis', describe: { verb: 'discover', target: 'API groups' } });
    const groupVersions = ['v1', ...preferredGroupVersions(groups)];
    const lists = await Promise.allSettled(groupVersions.map((gv) => load(gv)));
    const resources: ApiResourceInfo[] = [];
    const unavailable: string[] = [];
    lists.forEach((list, i) => {
      const gv = groupVersions[i] as string;
      if (list.status === 'fulfilled') resources.push(...listableEntries(gv, list.value ?? []));
      else unavailable.push(gv);
    });
    return { resources, unavailable };
  }

  return {
    resourceInfo,
    async require(apiVersion, kind) {
      const info = await resourceInfo(apiVersion, kind);
      if (!info) throw noKindMatch(apiVersion, kind);
      return info;
    },
    listable,
    invalidate() {
      cache.clear();
    },
  };
}

/** The collection path of a resource, in a namespace when it is namespaced and one is given. */
export function collectionPath(info: ApiResourceInfo, namespace: string | undefined): string {
  const root = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${info.resource}`;
}

export function objectPath(info: ApiResourceInfo, namespace: string | undefined, name: string): string {
  return `${collectionPath(info, namespace)}/${encodeURIComponent(name)}`;
}

/** `jobs.batch app/pre-job`, the way kubectl names objects in messages. */
export function describeTarget(info: ApiResourceInfo, namespace: string | undefined, name?: string): string {
  const resource = info.group === '' ? info.resource : `${info.resource}.${info.group}`;
  const ns = info.namespaced && namespace ? `${namespace}/` : '';
  return name === undefined ? `${resource}${info.namespaced && namespace ? ` in ${namespace}` : ''}` : `${resource} ${ns}${name}`;
}
