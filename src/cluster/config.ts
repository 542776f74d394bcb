/**
 * Finding and loading the connection configuration (`Kubeconfig`, kubeconfig.ts, read as client-node reads it), without client-node's
 * silent fallback to `http://localhost:8080` (client-node's default when no config is found): when nothing is found, the error says
 * where it looked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kubeconfig } from './kubeconfig.js';
import { ClusterConfigError } from './errors.js';
import type { ClusterClientOptions } from './options.js';

/** Where client-node (and kubelet) put the service-account token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface LoadedConfig {
  kubeConfig: Kubeconfig;
  /** API server URL, without a trailing slash. */
  server: string;
  /** Namespace for refs that name none. */
  namespace: string;
  /** Where the configuration came from, for messages, e.g. `kubeconfig /home/u/.kube/config`. */
  source: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const IN_CLUSTER = 'in-cluster service account';

function fromExplicitServer(options: ClusterClientOptions): Kubeconfig {
  const server = options.server ?? '';
  let url: URL;
  try {
    url = new URL(server);
  } catch (err) {
    throw new ClusterConfigError(`option server must be an http(s) URL (got ${JSON.stringify(server)})`, { field: 'server', cause: err });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ClusterConfigError(`option server must be an http(s) URL (got ${JSON.stringify(server)})`, { field: 'server' });
  }
  const kc = new Kubeconfig();
  kc.loadFromOptions({
    clusters: [{ name: 'explicit', server: server.replace(/\/+$/, ''), caData: options.caData, skipTLSVerify: options.insecureSkipTlsVerify ?? false }],
    users: [{ name: 'explicit', ...(options.token ? { token: options.token } : {}) }],
    contexts: [{ name: 'explicit', cluster: 'explicit', user: 'explicit', ...(options.namespace ? { namespace: options.namespace } : {}) }],
    currentContext: 'explicit',
  });
  return kc;
}

function inClusterProblem(env: Env, dir: string): string | undefined {
  if (!env['KUBERNETES_SERVICE_HOST']) return 'KUBERNETES_SERVICE_HOST is not set';
  if (!env['KUBERNETES_SERVICE_PORT']) return 'KUBERNETES_SERVICE_PORT is not set';
  if (!existsSync(join(dir, 'token'))) return `${join(dir, 'token')} does not exist`;
  return undefined;
}

/** The same shape client-node's `KubeConfig.loadFromCluster()` builds, but from the given environment. */
function fromInCluster(env: Env, dir: string): Kubeconfig {
  const host = env['KUBERNETES_SERVICE_HOST'] ?? '';
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '';
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const kc = new Kubeconfig();
  kc.loadFromOptions({
    clusters: [{ name: 'inCluster', server: `${scheme}://${hostPart}:${port}`, caFile: join(dir, 'ca.crt'), skipTLSVerify: false }],
    users: [{ name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } } }],
    contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser' }],
    currentContext: 'inClusterContext',
  });
  return kc;
}

/** Load one or more kubeconfig files; as with `$KUBECONFIG`, the first file's current-context wins. */
function loadFiles(files: readonly string[]): Kubeconfig {
  const kc = new Kubeconfig();
  for (const [i, file] of files.entries()) {
    try {
      if (i === 0) {
        kc.loadFromFile(file);
      } else {
        const next = new Kubeconfig();
        next.loadFromFile(file);
        kc.mergeConfig(next, true);
      }
    } catch (err) {
      throw new ClusterConfigError(`cannot read kubeconfig ${file}: ${(err as Error).message}`, { field: 'kubeconfig', cause: err });
    }
  }
  return kc;
}

function serviceAccountNamespace(dir: string): string | undefined {
  const file = join(dir, 'namespace');
  if (!existsSync(file)) return undefined;
  const namespace = readFileSync(file, 'utf8').trim();
  return namespace || undefined;
}

/**
 * Resolve the configuration: explicit `server`, else `inCluster`, else `kubeconfig`, else
 * `$KUBECONFIG`, `~/.kube/config`, in-cluster. Then apply `context` and check the result names a
 * server.
 */
export function loadClusterConfig(options: ClusterClientOptions, serviceAccountDir = SERVICE_ACCOUNT_DIR): LoadedConfig {
  const env: Env = options.env ?? process.env;
  let kc: Kubeconfig;
  let source: string;
  if (options.server !== undefined) {
    kc = fromExplicitServer(options);
    source = `option server`;
  } else if (options.inCluster) {
    const problem = inClusterProblem(env, serviceAccountDir);
    if (problem) throw new ClusterConfigError(`inCluster is set but this is not a pod with a service account: ${problem}`, { field: 'inCluster' });
    kc = fromInCluster(env, serviceAccountDir);
    source = IN_CLUSTER;
  } else if (options.kubeconfig !== undefined) {
    if (!existsSync(options.kubeconfig)) {
      throw new ClusterConfigError(`kubeconfig ${options.kubeconfig} does not exist`, { field: 'kubeconfig', lookedAt: [options.kubeconfig] });
    }
    kc = loadFiles([options.kubeconfig]);
    source = `kubeconfig ${options.kubeconfig}`;
  } else {
    const lookedAt: string[] = [];
    const fromEnv = (env['KUBECONFIG'] ?? '').split(':').filter((f) => f !== '');
    const existing = fromEnv.filter((f) => existsSync(f));
    lookedAt.push(fromEnv.length > 0 ? `$KUBECONFIG (${fromEnv.join(':')}${existing.length === 0 ? ': no such file' : ''})` : '$KUBECONFIG (not set)');
    const home = env['HOME'] ?? env['USERPROFILE'];
    const defaultFile = home ? join(home, '.kube', 'config') : undefined;
    const problem = inClusterProblem(env, serviceAccountDir);
    if (existing.length > 0) {
      kc = loadFiles(existing);
      source = `kubeconfig ${existing.join(':')}`;
    } else if (defaultFile && existsSync(defaultFile)) {
      kc = loadFiles([defaultFile]);
      source = `kubeconfig ${defaultFile}`;
    } else if (!problem) {
      kc = fromInCluster(env, serviceAccountDir);
      source = IN_CLUSTER;
    } else {
      lookedAt.push(defaultFile ? `${defaultFile} (no such file)` : '~/.kube/config (HOME is not set)');
      lookedAt.push(`in-cluster service account (${problem})`);
      throw new ClusterConfigError(`no Kubernetes configuration found; looked at ${lookedAt.join(', ')}`, { lookedAt });
    }
  }

  if (options.context !== undefined) {
    if (!kc.getContextObject(options.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new ClusterConfigError(`context ${JSON.stringify(options.context)} is not in ${source} (contexts: ${known.join(', ') || 'none'})`, {
        field: 'context',
      });
    }
    kc.setCurrentContext(options.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster || !cluster.server) {
    throw new ClusterConfigError(`${source}: the current context ${JSON.stringify(kc.getCurrentContext())} names no cluster with a server`, {
      field: 'context',
    });
  }
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    // Plain HTTP has no TLS to verify; client-node would refuse it (`HTTP protocol is not allowed
    // when skipTLSVerify is not set`) although kubectl accepts an http:// server (the dev cluster).
    kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, skipTLSVerify: true } : c));
  }
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return {
    kubeConfig: kc,
    server: cluster.server.replace(/\/+$/, ''),
    namespace:
      options.namespace ?? contextNamespace ?? (source === IN_CLUSTER ? serviceAccountNamespace(serviceAccountDir) : undefined) ?? 'default',
    source,
  };
}
