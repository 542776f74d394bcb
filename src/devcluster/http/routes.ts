/** URL → route: discovery, OpenAPI, health, or a resource request (group, version, namespace, plural, name, subresource). */

export interface ResourceRoute {
  kind: 'resource';
  group: string;
  version: string;
  /** Set when the URL has `/namespaces/<ns>/<plural>`. */
  namespace?: string;
  plural: string;
  name?: string;
  subresource?: string;
  /** The legacy `/watch/` path prefix was used. */
  watchPrefix: boolean;
}

export type Route =
  | { kind: 'health'; check: string }
  | { kind: 'version' }
  | { kind: 'api' }
  | { kind: 'apis' }
  | { kind: 'group'; group: string }
  | { kind: 'groupVersion'; group: string; version: string }
  | { kind: 'openapiRoot' }
  | { kind: 'openapiGroupVersion'; group: string; version: string }
  | ResourceRoute
  | { kind: 'unknown' };

function resourceRoute(group: string, version: string, rest: string[]): Route {
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  if (rest.length === 0) return { kind: 'unknown' };
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
    const [, namespace, plural, name, subresource, ...extra] = rest;
    if (extra.length > 0 || !namespace || !plural) return { kind: 'unknown' };
    return { kind: 'resource', group, version, namespace, plural, name, subresource, watchPrefix };
  }
  const [plural, name, subresource, ...extra] = rest;
  if (extra.length > 0 || !plural) return { kind: 'unknown' };
  return { kind: 'resource', group, version, plural, name, subresource, watchPrefix };
}

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter((p) => p.length > 0).map(decodeURIComponent);
  const [first, second, third, ...rest] = parts;
  if (parts.length === 1 && (first === 'healthz' || first === 'readyz' || first === 'livez')) return { kind: 'health', check: first };
  if ((first === 'healthz' || first === 'readyz' || first === 'livez') && parts.length === 2) return { kind: 'health', check: `${first}/${second ?? ''}` };
  if (first === 'version' && parts.length === 1) return { kind: 'version' };
  if (first === 'openapi' && second === 'v3') {
    if (parts.length === 2) return { kind: 'openapiRoot' };
    if (third === 'api' && rest.length === 1) return { kind: 'openapiGroupVersion', group: '', version: rest[0] ?? '' };
    if (third === 'apis' && rest.length === 2) return { kind: 'openapiGroupVersion', group: rest[0] ?? '', version: rest[1] ?? '' };
    return { kind: 'unknown' };
  }
  if (first === 'api') {
    if (parts.length === 1) return { kind: 'api' };
    if (parts.length === 2) return { kind: 'groupVersion', group: '', version: second ?? '' };
    return resourceRoute('', second ?? '', parts.slice(2));
  }
  if (first === 'apis') {
    if (parts.length === 1) return { kind: 'apis' };
    if (parts.length === 2) return { kind: 'group', group: second ?? '' };
    if (parts.length === 3) return { kind: 'groupVersion', group: second ?? '', version: third ?? '' };
    return resourceRoute(second ?? '', third ?? '', parts.slice(3));
  }
  return { kind: 'unknown' };
}
