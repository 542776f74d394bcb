/** Plain HTTP helpers for the dev-cluster tests: requests, watch streams and watch-based waits. */
import { readFileSync } from 'node:fs';
import type { DevCluster } from '../../src/devcluster/index.js';
import type { KubeObject } from '../../src/manifests/index.js';

/** The value at a dotted path (`status.conditions.0.type`), or undefined. */
export function at(value: unknown, path: string): unknown {
  let cur = value;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** `at` for arrays (empty when missing). */
export function list(value: unknown, path: string): unknown[] {
  const v = at(value, path);
  return Array.isArray(v) ? v : [];
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export async function call(cluster: DevCluster, method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const res = await fetch(`${cluster.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Create a namespace and return its name. */
export async function namespace(cluster: DevCluster, name: string): Promise<string> {
  const r = await call(cluster, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  if (r.status !== 201) throw new Error(`creating namespace ${name}: ${r.status} ${r.text}`);
  return name;
}

export interface WatchEventJson {
  type: string;
  object: KubeObject;
}

/** An open watch: its events as they arrive, and whether the server ended it. */
export interface WatchStream {
  events: WatchEventJson[];
  ended: Promise<void>;
  /** Wait until `count` events arrived (or fail after `timeoutMs`, listing what came). */
  next(count: number, timeoutMs?: number): Promise<WatchEventJson[]>;
  close(): void;
}

export async function openWatch(cluster: DevCluster, path: string): Promise<WatchStream> {
  const controller = new AbortController();
  const res = await fetch(`${cluster.url}${path}`, { signal: controller.signal });
  if (res.status !== 200 || !res.body) throw new Error(`watch ${path}: ${res.status} ${await res.text()}`);
  const events: WatchEventJson[] = [];
  const waiters: (() => void)[] = [];
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const ended = (async () => {
    let buffered = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line) events.push(JSON.parse(line) as WatchEventJson);
          nl = buffered.indexOf('\n');
        }
        for (const w of waiters.splice(0)) w();
      }
    } catch {
      // aborted by close()
    }
    for (const w of waiters.splice(0)) w();
  })();
  let finished = false;
  void ended.then(() => (finished = true));
  return {
    events,
    ended,
    async next(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count) {
        if (finished || Date.now() > deadline) {
          throw new Error(`watch ${path}: wanted ${count} events, got ${events.length}: ${JSON.stringify(events.map((e) => `${e.type} ${String(at(e.object, 'metadata.name') ?? '')}`))}`);
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return events.slice(0, count);
    },
    close() {
      controller.abort();
    },
  };
}

/**
 * Wait until the object at `path` (a single object URL) satisfies `predicate`, by a watch on its
 * collection with a name field selector; fails after `timeoutMs` naming what it waited for and
 * the last state seen.
 */
export async function waitFor(
  cluster: DevCluster,
  path: string,
  predicate: (obj: KubeObject | undefined) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<KubeObject | undefined> {
  const slash = path.lastIndexOf('/');
  const collection = path.slice(0, slash);
  const name = path.slice(slash + 1);
  const selector = `fieldSelector=metadata.name%3D${encodeURIComponent(name)}`;
  const listed = await call(cluster, 'GET', `${collection}?${selector}`);
  const current = list(listed.json, 'items')[0] as KubeObject | undefined;
  if (predicate(current)) return current;
  const watch = await openWatch(cluster, `${collection}?watch=true&${selector}&resourceVersion=${String(at(listed.json, 'metadata.resourceVersion'))}`);
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  try {
    for (;;) {
      while (seen < watch.events.length) {
        const e = watch.events[seen++];
        if (e && e.type !== 'BOOKMARK' && e.type !== 'ERROR' && predicate(e.type === 'DELETED' ? undefined : e.object)) return e.object;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const last = watch.events.at(-1);
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${last ? `${last.type} ${JSON.stringify(at(last.object, 'status') ?? {})}` : 'nothing'}`);
      }
      await watch.next(seen + 1, remaining).catch(() => undefined);
    }
  } finally {
    watch.close();
  }
}

/** Whether the object has a condition of this type with status True. */
export function hasCondition(obj: unknown, type: string): boolean {
  return list(obj, 'status.conditions').some((c) => at(c, 'type') === type && at(c, 'status') === 'True');
}

export function job(name: string, command: string[], spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      ...spec,
      template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command }], ...podSpec } },
    },
  };
}

/** Whether a process with this PID still runs (a zombie waiting to be reaped does not count). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}
