/**
 * The HTTP front of the dev cluster: request log, fault injection (before any processing),
 * bearer-token check, routing to discovery, OpenAPI, health and resources, and `Status` errors.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sleep } from '../../util/index.js';
import { apiVersionOf } from '../api/resource-types.js';
import type { AuditLog, AuditVerb } from '../audit.js';
import { ApiError, DevClusterError, internalError, resourceNotFound, unauthorized } from '../errors.js';
import type { FaultInjector } from '../faults.js';
import type { DevClusterLogger } from '../logger.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.js';
import { openApiGroupVersion, openApiRoot } from './openapi.js';
import { handleResource } from './resource-handler.js';
import type { ResourceHandlerDeps } from './resource-handler.js';
import { sendError, sendJson } from './respond.js';
import { parseRoute } from './routes.js';
import type { Route } from './routes.js';

/** One answered request, for debugging what a client (kubectl) sends. */
export interface RequestLogEntry {
  /** When the answer finished, ms since the epoch. */
  time: number;
  method: string;
  /** Path and query. */
  url: string;
  accept?: string;
  contentType?: string;
  userAgent?: string;
  code: number;
  durationMs: number;
}

export interface ApiServerOptions extends Omit<ResourceHandlerDeps, 'audit'> {
  host: string;
  port: number;
  token?: string;
  faults?: FaultInjector;
  auditLog: AuditLog;
  logger: DevClusterLogger;
  /** Requests kept in the request log. */
  requestLogSize: number;
}

const MUTATING: Record<string, AuditVerb> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

function isDiscovery(route: Route): boolean {
  return route.kind !== 'resource' && route.kind !== 'unknown';
}

interface AuditInfo {
  verb: AuditVerb;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  fieldManager?: string;
}

export class ApiServer {
  private readonly server: Server;
  private requestLog: RequestLogEntry[] = [];
  private address = '';

  constructor(private readonly options: ApiServerOptions) {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(new DevClusterError(`dev cluster cannot listen on ${this.options.host}:${this.options.port}: ${err.message}`, { cause: err }));
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        const port = (this.server.address() as AddressInfo).port;
        this.address = `${this.options.host}:${port}`;
        resolve(port);
      });
    });
  }

  requests(): RequestLogEntry[] {
    return this.requestLog.map((r) => ({ ...r }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private auditFromRoute(route: Route, method: string, url: URL): AuditInfo | undefined {
    const verb = MUTATING[method];
    if (!verb || route.kind !== 'resource') return undefined;
    const type = this.options.registry.byResource(route.group, route.version, route.plural);
    return {
      verb: verb === 'delete' && route.name === undefined ? 'deletecollection' : verb,
      apiVersion: type ? apiVersionOf(type) : route.group ? `${route.group}/${route.version}` : route.version,
      kind: type?.kind ?? route.plural,
      ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
      ...(route.name !== undefined ? { name: route.name } : {}),
      ...(route.subresource !== undefined ? { subresource: route.subresource } : {}),
      ...(url.searchParams.get('fieldManager') ? { fieldManager: url.searchParams.get('fieldManager') ?? '' } : {}),
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://dev-cluster');
    const route = parseRoute(url.pathname);
    let audit: AuditInfo | undefined;
    let logged = false;
    const done = (): void => {
      if (logged) return;
      logged = true;
      const code = res.statusCode;
      this.requestLog.push({
        time: Date.now(),
        method,
        url: `${url.pathname}${url.search}`,
        ...(req.headers.accept ? { accept: req.headers.accept } : {}),
        ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
        ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
        code,
        durationMs: Date.now() - started,
      });
      if (this.requestLog.length > this.options.requestLogSize * 1.25) this.requestLog = this.requestLog.slice(-this.options.requestLogSize);
      if (audit) this.options.auditLog.record({ time: Date.now(), ...audit, code, source: 'api' });
      this.options.logger.debug({ method, url: `${url.pathname}${url.search}`, code, ms: Date.now() - started }, 'request');
    };
    res.once('finish', done);
    res.once('close', done);
    try {
      const fault = this.options.faults?.decide(isDiscovery(route));
      if (fault && fault.delayMs > 0) await sleep(fault.delayMs);
      if (fault?.error) {
        audit = this.auditFromRoute(route, method, url);
        req.resume();
        sendError(res, fault.error, fault.headers);
        return;
      }
      const token = this.options.token;
      if (token && route.kind !== 'health' && route.kind !== 'version' && req.headers.authorization !== `Bearer ${token}`) throw unauthorized();
      await this.route(route, req, res, url, (info) => {
        audit = {
          verb: info.verb,
          apiVersion: apiVersionOf(info.type),
          kind: info.type.kind,
          ...(info.namespace !== undefined ? { namespace: info.namespace } : {}),
          ...(info.name !== undefined ? { name: info.name } : {}),
          ...(info.subresource !== undefined ? { subresource: info.subresource } : {}),
          ...(info.fieldManager !== undefined ? { fieldManager: info.fieldManager } : {}),
        };
      });
    } catch (err) {
      if (err instanceof ApiError) {
        sendError(res, err);
        return;
      }
      this.options.logger.error({ err, method, url: url.pathname }, 'dev cluster request failed');
      sendError(res, internalError(err instanceof Error ? err.message : String(err), err));
    }
  }

  private async route(route: Route, req: IncomingMessage, res: ServerResponse, url: URL, audit: ResourceHandlerDeps['audit']): Promise<void> {
    const { registry } = this.options;
    const found = (doc: Record<string, unknown> | undefined): void => {
      if (!doc) throw resourceNotFound();
      sendJson(res, 200, doc);
    };
    if (route.kind !== 'resource' && req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    switch (route.kind) {
      case 'health':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
        return;
      case 'version':
        return found(versionInfo());
      case 'api':
        return found(apiVersions(this.address));
      case 'apis':
        return found(apiGroupList(registry));
      case 'group':
        return found(apiGroup(registry, route.group));
      case 'groupVersion':
        return found(apiResourceList(registry, route.group, route.version));
      case 'openapiRoot':
        return found(openApiRoot(registry));
      case 'openapiGroupVersion':
        return found(openApiGroupVersion(registry, route.group, route.version));
      case 'resource':
        return handleResource(route, req, res, url, { ...this.options, audit });
      case 'unknown':
        throw resourceNotFound();
    }
  }
}
