/**
 * The Secrets and ConfigMaps the node's Pods reference, read with GET (as a kubelet does: the
 * Node authorizer lets a node read only what its Pods reference) before a Pod starts, and re-read
 * with a bounded backoff while one is missing, so a Pod waiting in CreateContainerConfigError
 * starts once the object appears.
 */
import type { ClusterClient } from '../cluster/types.js';
import type { KubeObject } from '../manifests/index.js';
import type { ConfigSource } from '../podruntime/env.js';
import { asArray, asString, isRecord } from '../util/json.js';

type Kind = 'Secret' | 'ConfigMap';

interface Entry {
  kind: Kind;
  namespace: string;
  name: string;
  object: KubeObject | undefined;
  /** Pods (uids) that reference it. */
  users: Set<string>;
}

export interface ConfigCacheOptions {
  client: ClusterClient;
  /** A referenced object appeared or changed: Pods waiting for it may start. */
  onChanged: (namespace: string) => void;
  onError: (err: unknown, context: string) => void;
  /** First re-read delay of a missing object; doubles up to `maxRetryMs`. @defaultValue 500 */
  initialRetryMs?: number;
  /** @defaultValue 10_000 */
  maxRetryMs?: number;
}

const key = (kind: Kind, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

/** Every Secret and ConfigMap a Pod's containers read through `env` and `envFrom`. */
export function configRefs(pod: KubeObject): { kind: Kind; name: string }[] {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const out = new Map<string, { kind: Kind; name: string }>();
  const add = (kind: Kind, ref: unknown): void => {
    const name = isRecord(ref) ? asString(ref.name) : undefined;
    if (name) out.set(`${kind}/${name}`, { kind, name });
  };
  for (const c of [...(asArray(spec.initContainers) ?? []), ...(asArray(spec.containers) ?? [])]) {
    if (!isRecord(c)) continue;
    for (const from of asArray(c.envFrom) ?? []) {
      if (!isRecord(from)) continue;
      add('Secret', from.secretRef);
      add('ConfigMap', from.configMapRef);
    }
    for (const e of asArray(c.env) ?? []) {
      const vf = isRecord(e) && isRecord(e.valueFrom) ? e.valueFrom : undefined;
      if (!vf) continue;
      add('Secret', vf.secretKeyRef);
      add('ConfigMap', vf.configMapKeyRef);
    }
  }
  return [...out.values()];
}

export class ConfigCache {
  private readonly entries = new Map<string, Entry>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private stopped = false;

  constructor(private readonly options: ConfigCacheOptions) {
    this.retryMs = options.initialRetryMs ?? 500;
  }

  readonly source: ConfigSource = {
    secret: (ns, name) => this.entries.get(key('Secret', ns, name))?.object,
    configMap: (ns, name) => this.entries.get(key('ConfigMap', ns, name))?.object,
  };

  /** Read what the Pod references (errors are logged; a missing object is retried). */
  async load(pod: KubeObject): Promise<void> {
    const namespace = pod.metadata.namespace ?? 'default';
    const uid = pod.metadata.uid ?? '';
    await Promise.all(
      configRefs(pod).map(async ({ kind, name }) => {
        const k = key(kind, namespace, name);
        let entry = this.entries.get(k);
        if (!entry) {
          entry = { kind, namespace, name, object: undefined, users: new Set() };
          this.entries.set(k, entry);
        }
        entry.users.add(uid);
        await this.refresh(entry);
      }),
    );
    this.scheduleRetry();
  }

  /** The Pod is gone: drop what only it referenced. */
  release(uid: string): void {
    for (const [k, entry] of this.entries) {
      entry.users.delete(uid);
      if (entry.users.size === 0) this.entries.delete(k);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private async refresh(entry: Entry): Promise<boolean> {
    try {
      const object = await this.options.client.get({ apiVersion: 'v1', kind: entry.kind, namespace: entry.namespace, name: entry.name });
      const changed = object?.metadata.resourceVersion !== entry.object?.metadata.resourceVersion;
      entry.object = object;
      return changed && object !== undefined;
    } catch (err) {
      this.options.onError(err, `read ${entry.kind} ${entry.namespace}/${entry.name}`);
      return false;
    }
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    if (![...this.entries.values()].some((e) => !e.object)) {
      this.retryMs = this.options.initialRetryMs ?? 500;
      return;
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.retryMissing();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs ?? 10_000);
  }

  private async retryMissing(): Promise<void> {
    const missing = [...this.entries.values()].filter((e) => !e.object);
    const appeared = await Promise.all(missing.map(async (e) => ((await this.refresh(e)) ? e.namespace : undefined)));
    if (this.stopped) return;
    const namespaces = new Set(appeared.filter((ns): ns is string => ns !== undefined));
    if (namespaces.size > 0) this.retryMs = this.options.initialRetryMs ?? 500;
    for (const ns of namespaces) this.options.onChanged(ns);
    this.scheduleRetry();
  }
}
