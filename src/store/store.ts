/**
 * Operation state in Redis (D8). Every transition is a compare-and-set on the operation's
 * version, done by a Lua script so the check and the write are one step; creating an operation
 * and taking its application's lock (D6) are one step too.
 */
import { Cluster } from 'ioredis';
import type { Redis } from 'ioredis';
import type { Operation, TaskResult } from '../sync/index.js';
import { isDone, planHasObjects, planWithoutObjects, syncId } from '../sync/index.js';
import type { StoredPlan } from '../sync/index.js';
import { closeRedis, redisConnection, redisKeys, redisScript, runScript } from '../queue/index.js';
import type { RedisClient, RedisTarget } from '../queue/index.js';
import { ConflictError, OperationRunningError } from './errors.js';

export interface StoreOptions {
  redis: RedisClient;
  /** Key prefix. @defaultValue 'hookrunner' */
  prefix?: string;
  /** Finished operations kept per application. @defaultValue 100 */
  historyLimit?: number;
}

/** A light view of an operation for live progress (no manifests, plan objects or logs). */
export interface OperationEvent {
  type: 'operation';
  id: string;
  app: string;
  phase: Operation['phase'];
  message: string;
  version: number;
  /** Set while the operation holds for a confirmation (§9.1, §11). */
  awaitingConfirmation?: 'pruning' | 'deletion';
  results: Omit<TaskResult, 'logs'>[];
}

/** One attempt to deliver a notification (docs/semantics.md §16.3). */
export interface DeliveryEntry {
  time: string;
  destination: string;
  /** What was delivered: `parent`, `update`, `phase PreSync`, `hook-failed Job/x`, `final`. */
  event: string;
  outcome: 'sent' | 'updated' | 'failed' | 'skipped';
  /** The provider's error code or class, when it failed. */
  errorCode?: string;
  error?: string;
}

export interface InventoryEntry {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

// KEYS: op doc, app lock, running set, app history, manifests. ARGV: id, json, app, startedAtMs, op prefix, manifests json
const CREATE = redisScript(`
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] then
  local active = redis.call('HGET', ARGV[5] .. holder, 'active')
  if active == '1' then return holder end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return '!exists' end
redis.call('HSET', KEYS[1], 'doc', ARGV[2], 'v', '0', 'active', '1')
redis.call('SET', KEYS[5], ARGV[6])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
return ''
`);

// KEYS: op doc, app lock, running set, manifests, plan. ARGV: expected version, json, id, finished(0/1), channel, event json, plan json ('' = unchanged)
const SAVE = redisScript(`
local current = redis.call('HGET', KEYS[1], 'v')
if not current then return -1 end
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'doc', ARGV[2], 'v', tostring(tonumber(ARGV[1]) + 1), 'active', ARGV[4] == '1' and '0' or '1')
if ARGV[4] == '1' then
  redis.call('SREM', KEYS[3], ARGV[3])
  redis.call('DEL', KEYS[4], KEYS[5])
  if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
elseif ARGV[7] ~= '' then
  redis.call('SET', KEYS[5], ARGV[7])
end
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
`);

export interface Store {
  readonly prefix: string;
  /**
   * Store a new operation and take its application's lock (D6).
   * @throws OperationRunningError naming the running operation when the application has one.
   */
  createOperation(op: Operation): Promise<void>;
  getOperation(id: string): Promise<Operation | undefined>;
  /** CAS on `op.version`; stores `version + 1` and returns the stored operation. @throws ConflictError */
  saveOperation(op: Operation): Promise<Operation>;
  /** Read, change, CAS, retrying on conflict. `fn` returning undefined means "no change". */
  updateOperation(id: string, fn: (op: Operation) => Operation | undefined): Promise<Operation | undefined>;
  runningOperations(): Promise<string[]>;
  /** Newest first. */
  history(app: string, limit?: number): Promise<string[]>;
  runningOperationOf(app: string): Promise<string | undefined>;
  inventory(app: string): Promise<InventoryEntry[]>;
  addToInventory(app: string, entries: InventoryEntry[]): Promise<void>;
  removeFromInventory(app: string, entries: InventoryEntry[]): Promise<void>;
  appendDelivery(operationId: string, entry: DeliveryEntry): Promise<void>;
  deliveries(operationId: string): Promise<DeliveryEntry[]>;
  /** Live operation events (Redis pub/sub on a dedicated connection). */
  subscribe(onEvent: (event: OperationEvent) => void): Promise<() => Promise<void>>;
}

export function createStore(options: StoreOptions): Store {
  const { redis, prefix = 'hookrunner', historyLimit = 100 } = options;
  const keys = redisKeys(prefix);
  const k = {
    op: keys.operation,
    manifests: keys.operationManifests,
    plan: keys.operationPlan,
    opPrefix: keys.operationPrefix,
    lock: keys.appRunning,
    running: keys.runningOperations,
    history: keys.appHistory,
    inventory: keys.appInventory,
    deliveries: keys.deliveries,
    channel: keys.events,
  };
  const entryKey = (e: InventoryEntry): string => JSON.stringify([e.apiVersion, e.kind, e.namespace, e.name]);

  const store: Store = {
    prefix,
    async createOperation(op) {
      // The manifests are stored once, apart from the record every transition rewrites (issue 14).
      const doc: Operation = { ...op, spec: { ...op.spec, manifests: [], manifestsKey: k.manifests(op.id) } };
      const out = (await runScript(redis, CREATE, [k.op(op.id), k.lock(op.app), k.running, k.history(op.app), k.manifests(op.id)], [op.id, JSON.stringify(doc), op.app, String(Date.parse(op.startedAt)), k.opPrefix, JSON.stringify(op.spec.manifests)])) as string;
      if (out === '!exists') throw new ConflictError(`operation ${op.id} already exists`);
      if (out !== '') throw new OperationRunningError(op.app, out);
      const excess = (await redis.zcard(k.history(op.app))) - historyLimit;
      if (excess > 0) {
        const old = await redis.zrange(k.history(op.app), 0, excess - 1);
        for (const id of old) {
          const doc = await store.getOperation(id);
          if (doc && isDone(doc)) {
            await redis.zrem(k.history(op.app), id);
            await redis.del(k.op(id), k.deliveries(id), k.manifests(id), k.plan(id));
          }
        }
      }
    },
    async getOperation(id) {
      const doc = await redis.hget(k.op(id), 'doc');
      return doc ? (JSON.parse(doc) as Operation) : undefined;
    },
    async saveOperation(op) {
      const { doc: next, plan } = storedForm({ ...op, version: op.version + 1 }, k.plan(op.id));
      const finished = isDone(op) ? '1' : '0';
      const out = (await runScript(redis, SAVE, [k.op(op.id), k.lock(op.app), k.running, k.manifests(op.id), k.plan(op.id)], [String(op.version), JSON.stringify(next), op.id, finished, k.channel, JSON.stringify(toEvent(next)), plan ?? ''])) as number;
      if (out === -1) throw new ConflictError(`operation ${op.id} does not exist`);
      if (out === 0) throw new ConflictError(`operation ${op.id} changed (version ${op.version} is stale)`);
      return next;
    },
    async updateOperation(id, fn) {
      return updateWithRetry(store, id, fn);
    },
    async runningOperations() {
      return redis.smembers(k.running);
    },
    async history(app, limit = 50) {
      return redis.zrevrange(k.history(app), 0, limit - 1);
    },
    async runningOperationOf(app) {
      return (await redis.get(k.lock(app))) ?? undefined;
    },
    async inventory(app) {
      const raw = await redis.smembers(k.inventory(app));
      return raw.map((r) => {
        const [apiVersion, kind, namespace, name] = JSON.parse(r) as string[];
        return { apiVersion: apiVersion ?? '', kind: kind ?? '', namespace: namespace ?? '', name: name ?? '' };
      });
    },
    async addToInventory(app, entries) {
      if (entries.length > 0) await redis.sadd(k.inventory(app), ...entries.map(entryKey));
    },
    async removeFromInventory(app, entries) {
      if (entries.length > 0) await redis.srem(k.inventory(app), ...entries.map(entryKey));
    },
    async appendDelivery(operationId, entry) {
      await redis.rpush(k.deliveries(operationId), JSON.stringify(entry));
      await redis.ltrim(k.deliveries(operationId), -500, -1);
    },
    async deliveries(operationId) {
      return (await redis.lrange(k.deliveries(operationId), 0, -1)).map((e) => JSON.parse(e) as DeliveryEntry);
    },
    async subscribe(onEvent) {
      const sub = redis.duplicate(); // watched like `redis` when it came from `redisConnection`
      await sub.subscribe(k.channel);
      sub.on('message', (_channel: string, message: string) => {
        try {
          onEvent(JSON.parse(message) as OperationEvent);
        } catch {
          // a malformed event is dropped; the next one carries the full state again
        }
      });
      return async () => {
        await closeRedis(sub);
      };
    },
  };
  return store;
}

/**
 * What one save writes (issue 13: plan once, stored once): the record, and the plan with its
 * objects when the operation carries them (a plan fresh from the prepare step, or a record an
 * earlier version stored with its plan inline) — then the record keeps the plan without objects
 * and `planKey` names where the objects are. A finished operation keeps results, not objects:
 * no plan objects, no manifests, no plan key (the store deletes both keys). One waiting for a
 * retry keeps none either: its next attempt plans again (§10.3).
 */
export function storedForm(op: Operation, planKey: string): { doc: Operation; plan?: string } {
  if (isDone(op) || op.retryAt !== undefined) return { doc: withoutObjects(op) };
  if (!op.plan || !planHasObjects(op.plan)) return { doc: op };
  const stored: StoredPlan = { syncId: syncId(op), tasks: op.plan };
  return { doc: { ...op, plan: planWithoutObjects(op.plan), planKey }, plan: JSON.stringify(stored) };
}

/**
 * A finished operation as kept in history: its plan without the objects (`target`, `live`) and
 * no manifests. What the API and dashboard show of a plan (keys, kinds, names, waves) remains.
 */
export function withoutObjects(op: Operation): Operation {
  const next: Operation = { ...op, spec: { ...op.spec, manifests: [] } };
  delete next.planKey;
  if (op.plan) next.plan = planWithoutObjects(op.plan);
  return next;
}

export function toEvent(op: Operation): OperationEvent {
  return {
    type: 'operation',
    id: op.id,
    app: op.app,
    phase: op.phase,
    message: op.message,
    version: op.version,
    ...(op.awaitingConfirmation ? { awaitingConfirmation: op.awaitingConfirmation.kind } : {}),
    results: op.results.map((r) => {
      const copy = { ...r };
      delete copy.logs;
      return copy;
    }),
  };
}

/**
 * Read, change, compare-and-set, again on a conflict (20 times at most): what every `Store`'s
 * `updateOperation` does on top of its `getOperation` and `saveOperation`.
 */
export async function updateWithRetry(store: Pick<Store, 'getOperation' | 'saveOperation'>, id: string, fn: (op: Operation) => Operation | undefined): Promise<Operation | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const current = await store.getOperation(id);
    if (!current) return undefined;
    const changed = fn(current);
    if (!changed) return current;
    try {
      return await store.saveOperation(changed);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  throw new ConflictError(`operation ${id}: gave up after 20 conflicting updates`);
}

/** Delete every key under a prefix (queues included): for tests and the demo on a shared Redis. On a cluster every master is scanned (pass the prefix in use: the bus's). */
export async function deleteByPrefix(target: RedisTarget, prefix: string): Promise<void> {
  const client = redisConnection(target, 'client', { redis: { maxRetriesPerRequest: 2 } });
  try {
    if (client instanceof Cluster) await client.ping(); // the slots are known once it answers
    const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', redisKeys(prefix).all, 'COUNT', 500);
        cursor = next;
        // On a cluster, one DEL per key (routed by the cluster client): a multi-key DEL needs one slot.
        if (client instanceof Cluster) for (const key of keys) await client.del(key);
        else if (keys.length > 0) await node.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    client.disconnect();
  }
}
