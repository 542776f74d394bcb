/**
 * `createClusterClient`: the `ClusterClient` port on a Kubernetes API server, through
 * `@kubernetes/client-node` 1.x (configuration, credentials, HTTP). See `transport.ts` for rate
 * limits, timeouts and retries, `watch.ts` and `wait-for.ts` for watching.
 */
import type { KubeObject } from '../manifests/index.js';
import { AbortedError, backoffDelay, sleep, silentLogger } from '../util/index.js';
import { loadClusterConfig } from './config.js';
import { collectionPath, createDiscovery, describeTarget, objectPath } from './discovery.js';
import { InvalidInputError, isAlreadyExists, isConflict, isNotFound } from './errors.js';
import type { ClusterClientOptions } from './options.js';
import { resolveOptions } from './options.js';
import { createRateLimiter } from './rate-limiter.js';
import { createTransport } from './transport.js';
import type { ApiRequest } from './transport.js';
import type {
  ApplyOptions,
  ClusterClient,
  CollectionRef,
  CreateOptions,
  DeleteOptions,
  LogOptions,
  ObjectRef,
  Selectors,
  WatchHandle,
} from './types.js';
import { waitForObject } from './wait-for.js';
import { startWatch } from './watch.js';

/** A `ClusterClient` that also says where it is connected. */
export interface KubeClusterClient extends ClusterClient {
  /** API server URL. */
  readonly server: string;
  /** Namespace used for refs and objects that name none. */
  readonly namespace: string;
  /** Where the configuration came from, e.g. `kubeconfig /home/u/.kube/config`. */
  readonly configSource: string;
}

const REMOVE_FINALIZER_ATTEMPTS = 10;
const ADOPT_ATTEMPTS = 3;

function checkObject(object: KubeObject, verb: string, needsName: boolean): void {
  if (object === null || typeof object !== 'object') throw new InvalidInputError(`${verb}: the object must be an object`, 'object');
  if (typeof object.apiVersion !== 'string' || object.apiVersion === '') throw new InvalidInputError(`${verb}: apiVersion is required`, 'apiVersion');
  if (typeof object.kind !== 'string' || object.kind === '') throw new InvalidInputError(`${verb}: kind is required`, 'kind');
  if (object.metadata === null || typeof object.metadata !== 'object') throw new InvalidInputError(`${verb}: metadata is required`, 'metadata');
  const name = object.metadata.name;
  if (needsName && (typeof name !== 'string' || name === '')) {
    throw new InvalidInputError(`${verb} ${object.kind}: metadata.name is required`, 'metadata.name');
  }
  if (!needsName && !name && !object.metadata.generateName) {
    throw new InvalidInputError(`${verb} ${object.kind}: metadata.name or metadata.generateName is required`, 'metadata.name');
  }
}

function checkRef(ref: ObjectRef, verb: string): void {
  for (const field of ['apiVersion', 'kind', 'name'] as const) {
    if (typeof ref[field] !== 'string' || ref[field] === '') throw new InvalidInputError(`${verb}: ref.${field} is required`, `ref.${field}`);
  }
}

/** Whether every label of `wanted` is on `live` (adopting an object we did not create is refused). */
function labelsMatch(live: KubeObject, wanted: KubeObject): boolean {
  const liveLabels = live.metadata.labels ?? {};
  return Object.entries(wanted.metadata.labels ?? {}).every(([k, v]) => liveLabels[k] === v);
}

/** A copy with `metadata.namespace` set for a namespaced kind and removed for a cluster-scoped one. */
function inNamespace(object: KubeObject, namespace: string | undefined): KubeObject {
  const { namespace: _ignored, ...metadata } = object.metadata;
  return { ...object, metadata: namespace ? { ...metadata, namespace } : metadata };
}

function withKind(obj: unknown, apiVersion: string, kind: string): KubeObject {
  const o = obj as KubeObject;
  return { ...o, apiVersion: o.apiVersion ?? apiVersion, kind: o.kind ?? kind, metadata: o.metadata ?? {} };
}

export function createClusterClient(options: ClusterClientOptions = {}): KubeClusterClient {
  const resolved = resolveOptions(options);
  const logger = options.logger ?? silentLogger;
  const config = loadClusterConfig(options);
  const rateLimiter = createRateLimiter({ qps: resolved.qps, burst: resolved.burst });
  const transport = createTransport({ kubeConfig: config.kubeConfig, server: config.server, options: resolved, rateLimiter, logger });
  const discovery = createDiscovery(transport);
  const watches = new Set<WatchHandle>();
  const waits = new Set<AbortController>();
  let closed = false;

  const namespaceOf = (namespace: string | undefined): string => namespace || config.namespace;

  async function target(ref: { apiVersion: string; kind: string; namespace?: string; name: string }, subresource?: string) {
    const info = await discovery.require(ref.apiVersion, ref.kind);
    const namespace = info.namespaced ? namespaceOf(ref.namespace) : undefined;
    return {
      info,
      namespace,
      path: objectPath(info, namespace, ref.name) + (subresource ? `/${subresource}` : ''),
      describe: (verb: string): ApiRequest['describe'] => ({ verb, target: describeTarget(info, namespace, ref.name) + (subresource ? `/${subresource}` : '') }),
    };
  }

  async function getObject(ref: ObjectRef, signal?: AbortSignal): Promise<KubeObject | undefined> {
    checkRef(ref, 'get');
    try {
      const t = await target(ref);
      return withKind(await transport.requestJson({ method: 'GET', path: t.path, describe: t.describe('get'), signal }), ref.apiVersion, ref.kind);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async function listObjects(ref: CollectionRef, selectors: Selectors = {}, signal?: AbortSignal) {
    for (const field of ['apiVersion', 'kind'] as const) {
      if (typeof ref[field] !== 'string' || ref[field] === '') throw new InvalidInputError(`list: ref.${field} is required`, `ref.${field}`);
    }
    const info = await discovery.require(ref.apiVersion, ref.kind);
    const path = collectionPath(info, ref.namespace);
    const items: KubeObject[] = [];
    let resourceVersion = '';
    let continueToken: string | undefined;
    do {
      const page = (await transport.requestJson({
        method: 'GET',
        path,
        query: { labelSelector: selectors.labelSelector, fieldSelector: selectors.fieldSelector, limit: 500, continue: continueToken },
        describe: { verb: 'list', target: describeTarget(info, ref.namespace) },
        signal,
      })) as { items?: unknown[]; metadata?: { resourceVersion?: string; continue?: string } };
      if (!resourceVersion) resourceVersion = page.metadata?.resourceVersion ?? '';
      for (const item of page.items ?? []) items.push(withKind(item, ref.apiVersion, ref.kind));
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    return { items, resourceVersion };
  }

  async function createObject(object: KubeObject, opts: CreateOptions = {}): Promise<KubeObject> {
    checkObject(object, 'create', opts.adoptOnConflict === true);
    const info = await discovery.require(object.apiVersion, object.kind);
    const namespace = info.namespaced ? namespaceOf(object.metadata.namespace) : undefined;
    const body = inNamespace(object, namespace);
    for (let attempt = 1; ; attempt++) {
      try {
        return withKind(
          await transport.requestJson({
            method: 'POST',
            path: collectionPath(info, namespace),
            query: { fieldManager: opts.fieldManager ?? resolved.fieldManager, dryRun: opts.dryRun ? 'All' : undefined },
            body,
            describe: { verb: 'create', target: describeTarget(info, namespace, object.metadata.name ?? object.metadata.generateName) },
          }),
          object.apiVersion,
          object.kind,
        );
      } catch (err) {
        if (!opts.adoptOnConflict || !isAlreadyExists(err)) throw err;
        const existing = await getObject({ apiVersion: object.apiVersion, kind: object.kind, namespace, name: object.metadata.name ?? '' });
        if (existing) {
          if (!labelsMatch(existing, object)) throw err;
          logger.debug('create met AlreadyExists; adopted the existing object', { target: describeTarget(info, namespace, object.metadata.name) });
          return existing;
        }
        if (attempt >= ADOPT_ATTEMPTS) throw err; // it exists, then it does not: deleted between the two calls
      }
    }
  }

  const client: KubeClusterClient = {
    server: config.server,
    namespace: config.namespace,
    configSource: config.source,

    async apply(object, opts: ApplyOptions = {}) {
      checkObject(object, 'apply', true);
      const t = await target({ ...object, name: object.metadata.name ?? '', namespace: object.metadata.namespace });
      const body = inNamespace(object, t.namespace);
      const result = await transport.requestJson({
        method: 'PATCH',
        path: t.path,
        query: { fieldManager: opts.fieldManager ?? resolved.fieldManager, force: opts.force ?? true, dryRun: opts.dryRun ? 'All' : undefined },
        body,
        contentType: 'application/apply-patch+yaml',
        describe: t.describe('apply'),
      });
      return withKind(result, object.apiVersion, object.kind);
    },

    create: createObject,
    get: (ref) => getObject(ref),
    list: (ref, selectors) => listObjects(ref, selectors),

    async delete(ref, opts: DeleteOptions = {}) {
      checkRef(ref, 'delete');
      let t;
      try {
        t = await target(ref);
      } catch (err) {
        if (isNotFound(err)) return 'notFound';
        throw err;
      }
      const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: opts.propagationPolicy ?? 'Background' };
      if (opts.gracePeriodSeconds !== undefined) body['gracePeriodSeconds'] = opts.gracePeriodSeconds;
      if (opts.uid !== undefined) body['preconditions'] = { uid: opts.uid };
      try {
        await transport.request({ method: 'DELETE', path: t.path, body, describe: t.describe('delete') });
        return 'deleted';
      } catch (err) {
        if (isNotFound(err)) return 'notFound';
        // A failed uid precondition: the object we meant is gone, another took its name.
        if (opts.uid !== undefined && isConflict(err)) return 'notFound';
        throw err;
      }
    },

    async removeFinalizer(ref, finalizer) {
      checkRef(ref, 'removeFinalizer');
      for (let attempt = 0; ; attempt++) {
        const live = await getObject(ref);
        if (!live || !(live.metadata.finalizers ?? []).includes(finalizer)) return;
        const t = await target(ref);
        const body = { ...live, metadata: { ...live.metadata, finalizers: (live.metadata.finalizers ?? []).filter((f) => f !== finalizer) } };
        try {
          await transport.request({ method: 'PUT', path: t.path, body, describe: t.describe('remove finalizer from') });
          return;
        } catch (err) {
          if (isNotFound(err)) return;
          if (!isConflict(err) || attempt + 1 >= REMOVE_FINALIZER_ATTEMPTS) throw err;
          await sleep(backoffDelay(attempt, { initialMs: 50, maxMs: 1_000 }));
        }
      }
    },

    async mergePatch(ref, patch, opts = {}) {
      checkRef(ref, 'mergePatch');
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new InvalidInputError('mergePatch: patch must be an object', 'patch');
      const t = await target(ref, opts.subresource);
      const result = await transport.requestJson({
        method: 'PATCH',
        path: t.path,
        body: patch,
        contentType: 'application/merge-patch+json',
        describe: t.describe('patch'),
      });
      return withKind(result, ref.apiVersion, ref.kind);
    },

    watch(ref, watchOptions, onEvent) {
      const handle = startWatch(
        { transport, discovery, options: resolved, logger, list: (r, s, sig) => listObjects(r, s, sig) },
        ref,
        watchOptions,
        onEvent,
      );
      if (closed) {
        handle.stop();
        return handle;
      }
      watches.add(handle);
      const forget = (): void => {
        watches.delete(handle);
      };
      watchOptions.signal?.addEventListener('abort', forget, { once: true });
      return {
        ready: handle.ready,
        stop() {
          forget();
          watchOptions.signal?.removeEventListener('abort', forget);
          handle.stop();
        },
      };
    },

    async waitFor(ref, predicate, waitOptions) {
      checkRef(ref, 'waitFor');
      if (!(waitOptions.timeoutMs > 0)) throw new InvalidInputError('waitFor: timeoutMs must be > 0', 'timeoutMs');
      if (closed) throw new AbortedError('the cluster client is closed');
      // Its own controller, aborted by the caller's signal or by close().
      const controller = new AbortController();
      const forward = (): void => controller.abort(waitOptions.signal?.reason);
      if (waitOptions.signal?.aborted) forward();
      waitOptions.signal?.addEventListener('abort', forward, { once: true });
      waits.add(controller);
      try {
        return await waitForObject(
          {
            watch: (r, o, cb) => client.watch(r, o, cb),
            get: (r, sig) => getObject(r, sig),
            pollIntervalMs: resolved.waitPollIntervalMs,
            logger,
          },
          { ...ref, namespace: namespaceOf(ref.namespace) },
          predicate,
          { ...waitOptions, signal: controller.signal },
        );
      } finally {
        waits.delete(controller);
        waitOptions.signal?.removeEventListener('abort', forward);
      }
    },

    async podLogs(namespace, pod, opts: LogOptions = {}) {
      if (!namespace) throw new InvalidInputError('podLogs: namespace is required', 'namespace');
      if (!pod) throw new InvalidInputError('podLogs: pod is required', 'pod');
      for (const field of ['tailLines', 'limitBytes'] as const) {
        const v = opts[field];
        if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new InvalidInputError(`podLogs: ${field} must be an integer ≥ 0 (got ${v})`, field);
      }
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
      const { text } = await transport.request({
        method: 'GET',
        path,
        query: { container: opts.container, tailLines: opts.tailLines, limitBytes: opts.limitBytes, previous: opts.previous ? 'true' : undefined },
        describe: { verb: 'read logs of', target: `pods ${namespace}/${pod}${opts.container ? ` container ${opts.container}` : ''}` },
      });
      return text;
    },

    resourceInfo(apiVersion, kind) {
      return discovery.resourceInfo(apiVersion, kind);
    },

    invalidateDiscovery() {
      discovery.invalidate();
    },

    close() {
      closed = true;
      for (const controller of waits) controller.abort(new AbortedError('the cluster client was closed'));
      waits.clear();
      for (const handle of watches) handle.stop();
      watches.clear();
      transport.close();
    },
  };
  return client;
}
