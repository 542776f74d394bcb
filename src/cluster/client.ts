/**
 * `createClusterClient`: the `ClusterClient` port on a Kubernetes API server, through
 * `@kubernetes/client-node` 1.x (configuration, credentials, HTTP). An assembly of the pieces
 * around it: `operations.ts` for requests and answers (built by `requests.ts`, checked by
 * `validate.ts`, failures read by `outcomes.ts`), `transport.ts` for rate limits, timeouts and
 * retries, `discovery.ts` for kinds and paths, `watch.ts` for watching, `informers.ts` and `wait-for.ts`
 * for waiting (one shared list+watch per kind across namespaces, per namespace where RBAC refuses), and
 * `lifecycle.ts` for what `close()` stops.
 */
import { silentLogger } from '../util/index.js';
import { loadClusterConfig } from './config.js';
import { createDiscovery } from './discovery.js';
import { createClientLifecycle } from './lifecycle.js';
import {
  applyObject,
  createObject,
  deleteObject,
  getObject,
  listObjects,
  mergePatchObject,
  readPodLogs,
  removeFinalizer,
  replaceObject,
} from './operations.js';
import type { OperationContext } from './operations.js';
import type { ClusterClientOptions } from './options.js';
import { resolveOptions } from './options.js';
import { createRateLimiter } from './rate-limiter.js';
import { createTransport } from './transport.js';
import type { ClusterClient } from './types.js';
import { checkRef, checkWaitOptions } from './validate.js';
import { createSharedInformers } from './informers.js';
import { waitForObject } from './wait-for.js';
import type { WaitForDeps } from './wait-for.js';
import { startWatch } from './watch.js';
import type { WatchDeps } from './watch.js';

/** A `ClusterClient` that also says where it is connected. */
export interface KubeClusterClient extends ClusterClient {
  /** API server URL. */
  readonly server: string;
  /** Namespace used for refs and objects that name none. */
  readonly namespace: string;
  /** Where the configuration came from, e.g. `kubeconfig /home/u/.kube/config`. */
  readonly configSource: string;
}

/** Connects nothing yet: the first request loads credentials; see `ClusterClientOptions` for the defaults. */
export function createClusterClient(options: ClusterClientOptions = {}): KubeClusterClient {
  const resolved = resolveOptions(options);
  const logger = options.logger ?? silentLogger;
  const config = loadClusterConfig(options);
  const rateLimiter = createRateLimiter({ qps: resolved.qps, burst: resolved.burst });
  const transport = createTransport({ kubeConfig: config.kubeConfig, server: config.server, options: resolved, rateLimiter, logger });
  const discovery = createDiscovery(transport);
  const ctx: OperationContext = { transport, discovery, namespace: config.namespace, fieldManager: resolved.fieldManager, logger };
  const lifecycle = createClientLifecycle();
  const watchDeps = (onProgress?: WatchDeps['onProgress']): WatchDeps => ({
    transport,
    discovery,
    options: resolved,
    logger,
    list: (r, s, sig) => listObjects(ctx, r, s, sig),
    ...(onProgress ? { onProgress } : {}),
  });
  // One list+watch per kind across namespaces (per namespace where RBAC refuses), shared by every wait of this client (issue 13).
  const informers = createSharedInformers({
    start: (ref, watchOptions, onEvent, onProgress) => startWatch(watchDeps(onProgress), ref, watchOptions, onEvent),
    idleGraceMs: resolved.informerIdleMs,
    resyncMs: resolved.informerResyncMs,
    scope: resolved.informerScope,
    logger,
  });
  const waitDeps: WaitForDeps = {
    informers,
    collectionOf: async (ref) => {
      const info = await discovery.require(ref.apiVersion, ref.kind);
      return { apiVersion: ref.apiVersion, kind: ref.kind, ...(info.namespaced && ref.namespace ? { namespace: ref.namespace } : {}) };
    },
    get: (r, sig) => getObject(ctx, r, sig),
    logger,
  };

  const client: KubeClusterClient = {
    server: config.server,
    namespace: config.namespace,
    configSource: config.source,
    apply: (object, opts) => applyObject(ctx, object, opts),
    create: (object, opts) => createObject(ctx, object, opts),
    replace: (object, opts) => replaceObject(ctx, object, opts),
    get: (ref) => getObject(ctx, ref),
    list: (ref, selectors) => listObjects(ctx, ref, selectors),
    delete: (ref, opts) => deleteObject(ctx, ref, opts),
    removeFinalizer: (ref, finalizer) => removeFinalizer(ctx, ref, finalizer),
    mergePatch: (ref, patch, opts) => mergePatchObject(ctx, ref, patch, opts),

    watch(ref, watchOptions, onEvent) {
      return lifecycle.trackWatch(startWatch(watchDeps(), ref, watchOptions, onEvent), watchOptions.signal);
    },

    async waitFor(ref, predicate, waitOptions) {
      checkRef(ref, 'waitFor');
      checkWaitOptions(waitOptions, 'waitFor');
      const target = { ...ref, namespace: ref.namespace || config.namespace };
      return lifecycle.trackWait(waitOptions.signal, (signal) => waitForObject(waitDeps, target, predicate, { ...waitOptions, signal }));
    },

    podLogs: (namespace, pod, opts) => readPodLogs(ctx, namespace, pod, opts),
    resourceInfo: (apiVersion, kind) => discovery.resourceInfo(apiVersion, kind),
    listableResources: () => discovery.listable(),
    invalidateDiscovery: () => discovery.invalidate(),
    close() {
      lifecycle.close();
      informers.close();
      transport.close();
    },
  };
  return client;
}
