/**
 * The kubeconfig, read and applied as client-node's `KubeConfig` does it, without loading
 * client-node's generated API: its `KubeConfig` imports `gen/index.js` (for `makeApiClient`, which
 * hookrunner does not use), ~60 MB of a worker's RSS and 24 MB of its heap (issue 13,
 * bench/README.md "Worker memory"). The parsing (`config_types.js`) and the authenticators (exec
 * plugins, OIDC, Azure and GCP auth providers, token files) are client-node's own modules, so a
 * kubeconfig means here what it means to client-node; the rest (lookup by name, relative paths,
 * merge, TLS material, headers) follows client-node 1.4's `config.js`, whose tests
 * (test/cluster/config.test.ts, tls.test.ts, transport.test.ts) this passes.
 */
import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import { AzureAuth } from '@kubernetes/client-node/dist/azure_auth.js';
import { newClusters, newContexts, newUsers } from '@kubernetes/client-node/dist/config_types.js';
import type { Cluster, Context, User } from '@kubernetes/client-node/dist/config_types.js';
import { ExecAuth } from '@kubernetes/client-node/dist/exec_auth.js';
import { FileAuth } from '@kubernetes/client-node/dist/file_auth.js';
import { GoogleCloudPlatformAuth } from '@kubernetes/client-node/dist/gcp_auth.js';
import { OpenIDConnectAuth } from '@kubernetes/client-node/dist/oidc_auth.js';
import { parse } from 'yaml';

export type { Cluster, Context, User };

/** What an authenticator of client-node does (its `Authenticator` interface). */
interface Authenticator {
  isAuthProvider(user: User): boolean;
  applyAuthentication(user: User, opts: RequestOptions): Promise<void>;
}

/** The parts of a kubeconfig `loadFromOptions` takes. */
export interface KubeconfigParts {
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext: string;
}

function byName<T extends { name: string }>(list: readonly T[], name: string | undefined): T | undefined {
  return name === undefined ? undefined : list.find((item) => item.name === name);
}

function bufferFromFileOrString(file: string | undefined, data: string | undefined): Buffer | undefined {
  if (file) return readFileSync(file);
  if (data) return Buffer.from(data, 'base64');
  return undefined;
}

const absolute = (root: string, file: string): string => (isAbsolute(file) ? file : join(root, file));

export class Kubeconfig {
  clusters: Cluster[] = [];
  users: User[] = [];
  contexts: Context[] = [];
  private currentContext: string | undefined;
  private readonly authenticators: Authenticator[] = [new AzureAuth(), new GoogleCloudPlatformAuth(), new ExecAuth(), new FileAuth(), new OpenIDConnectAuth()];

  loadFromOptions(parts: KubeconfigParts): void {
    this.clusters = parts.clusters;
    this.users = parts.users;
    this.contexts = parts.contexts;
    this.currentContext = parts.currentContext;
  }

  /** A kubeconfig file; relative certificate and key paths are taken from its folder. */
  loadFromFile(file: string): void {
    this.loadFromString(readFileSync(file, 'utf8'));
    const root = dirname(file);
    this.clusters = this.clusters.map((c) => (c.caFile ? { ...c, caFile: absolute(root, c.caFile) } : c));
    this.users = this.users.map((u) => ({ ...u, ...(u.certFile ? { certFile: absolute(root, u.certFile) } : {}), ...(u.keyFile ? { keyFile: absolute(root, u.keyFile) } : {}) }));
  }

  /** Kubeconfig YAML; an entry without its required fields throws, naming it (client-node's `newClusters` & co.). */
  loadFromString(text: string): void {
    const doc: unknown = parse(text);
    const obj = (doc !== null && typeof doc === 'object' ? doc : {}) as Record<string, unknown>;
    this.clusters = newClusters(obj['clusters']);
    this.contexts = newContexts(obj['contexts']);
    this.users = newUsers(obj['users']);
    const current = obj['current-context'];
    this.currentContext = typeof current === 'string' ? current : undefined;
  }

  /** Add `other`'s entries (a name already here is an error); keep this current context when `preserveContext`. */
  mergeConfig(other: Kubeconfig, preserveContext = false): void {
    if (!preserveContext && other.currentContext) this.currentContext = other.currentContext;
    const add = <T extends { name: string }>(list: T[], items: readonly T[], what: string): void => {
      for (const item of items) {
        if (byName(list, item.name)) throw new Error(`Duplicate ${what}: ${item.name}`);
        list.push(item);
      }
    };
    add(this.clusters, other.clusters, 'cluster');
    add(this.users, other.users, 'user');
    add(this.contexts, other.contexts, 'context');
  }

  getContexts(): Context[] {
    return this.contexts;
  }

  getCurrentContext(): string | undefined {
    return this.currentContext;
  }

  setCurrentContext(name: string): void {
    this.currentContext = name;
  }

  getContextObject(name: string | undefined): Context | undefined {
    return byName(this.contexts, name);
  }

  getCurrentCluster(): Cluster | undefined {
    return byName(this.clusters, this.getContextObject(this.currentContext)?.cluster);
  }

  getCurrentUser(): User | undefined {
    return byName(this.users, this.getContextObject(this.currentContext)?.user);
  }

  /**
   * TLS material (CA, client certificate and key, server name, skip-verify), impersonation and the
   * `Authorization` header of the current user (its authenticator's, then its token), into `opts`.
   */
  async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    if (!user) return;
    if (cluster?.skipTLSVerify) opts.rejectUnauthorized = false;
    if (cluster?.tlsServerName) opts.servername = cluster.tlsServerName;
    const ca = cluster ? bufferFromFileOrString(cluster.caFile, cluster.caData) : undefined;
    if (ca) opts.ca = ca;
    const cert = bufferFromFileOrString(user.certFile, user.certData);
    if (cert) opts.cert = cert;
    const key = bufferFromFileOrString(user.keyFile, user.keyData);
    if (key) opts.key = key;
    const headers: Record<string, string | number | string[] | undefined> = (opts.headers as Record<string, string | number | string[] | undefined> | undefined) ?? {};
    opts.headers = headers;
    if (user.impersonateUser != null) headers['Impersonate-User'] = user.impersonateUser;
    const authenticator = this.authenticators.find((a) => a.isAuthProvider(user));
    if (authenticator) await authenticator.applyAuthentication(user, opts);
    if (user.token) headers['Authorization'] = `Bearer ${user.token}`;
  }
}
