/** Registered applications (the Argo CD `Application` manifests users bring), by name. */
import { redisKeys } from '../queue/index.js';
import type { RedisClient } from '../queue/index.js';
import type { IgnoreDifference, RetryStrategy, Subscription } from '../sync/index.js';

/** An application as stored: the manifest as given, and the fields hookrunner reads from it. */
export interface ApplicationRecord {
  name: string;
  /** The Application manifest as submitted (YAML or JSON, parsed). */
  manifest: Record<string, unknown>;
  source: {
    repoURL: string;
    path: string;
    targetRevision: string;
    directory?: { recurse?: boolean; include?: string[]; exclude?: string[] };
  };
  destination: { namespace: string; server?: string; name?: string };
  /** `spec.project`, or the install's default project when the manifest gives none (docs/semantics.md §18). Absent in records stored before projects existed: the default project. */
  project?: string;
  syncPolicy: {
    /** Argo CD's `syncPolicy.automated` (docs/semantics.md §17.4). */
    automated?: { prune?: boolean; selfHeal?: boolean; allowEmpty?: boolean };
    syncOptions: string[];
    retry?: RetryStrategy;
  };
  /** Built-in notification subscriptions, from the Application's `notifications.argoproj.io/subscribe.*` annotations. */
  notifications?: Subscription[];
  /** `spec.ignoreDifferences` (docs/semantics.md §9.12). */
  ignoreDifferences?: IgnoreDifference[];
  createdAt: string;
  updatedAt: string;
}

export interface ApplicationStore {
  putApplication(app: ApplicationRecord): Promise<void>;
  /** Store `app` only when no application of that name exists (atomic: of two racing creates, one wins). True when stored. */
  createApplication(app: ApplicationRecord): Promise<boolean>;
  getApplication(name: string): Promise<ApplicationRecord | undefined>;
  listApplications(): Promise<ApplicationRecord[]>;
  /** True when it existed. */
  deleteApplication(name: string): Promise<boolean>;
  /** Remember that the application must sync again once its running operation ends (a push arrived meanwhile). */
  requestResync(name: string): Promise<void>;
  /** Take the resync request of the application: true for the one caller that removed it. */
  takeResync(name: string): Promise<boolean>;
  /**
   * Claim a git push (`push`: a digest of repository, ref and commit) for an application, for
   * `ttlSeconds`: atomic (`SET NX`), so of identical pushes arriving at once, on any replica, one
   * is `first`; the others get the claim's record, with the operation once the first has one.
   */
  claimPush(name: string, push: string, claim: PushClaim, ttlSeconds: number): Promise<{ first: true } | { first: false; claim: PushClaim }>;
  /** Record the operation a claimed push started (kept for the claim's remaining TTL). */
  setPushOperation(name: string, push: string, operation: string): Promise<void>;
  /** Give a claim back (its sync did not start), so the same push may be handled again. */
  releasePush(name: string, push: string): Promise<void>;
}

/** What the first of identical pushes recorded. */
export interface PushClaim {
  /** The request id of the first push. */
  request: string;
  claimedAt: string;
  /** The operation it started, once known. */
  operation?: string;
}

function readClaim(raw: string | null): PushClaim {
  try {
    const v: unknown = JSON.parse(raw ?? '');
    if (typeof v === 'object' && v !== null && typeof (v as PushClaim).request === 'string') return v as PushClaim;
  } catch {
    // not JSON: answered as an unknown claim below
  }
  return { request: 'unknown', claimedAt: '' };
}

export function createApplicationStore(options: { redis: RedisClient; prefix?: string }): ApplicationStore {
  const { redis, prefix = 'hookrunner' } = options;
  const keys = redisKeys(prefix);
  const key = keys.applications;
  const resyncKey = keys.applicationsResync;
  return {
    async putApplication(app) {
      await redis.hset(key, app.name, JSON.stringify(app));
    },
    async createApplication(app) {
      return (await redis.hsetnx(key, app.name, JSON.stringify(app))) === 1;
    },
    async getApplication(name) {
      const doc = await redis.hget(key, name);
      return doc ? (JSON.parse(doc) as ApplicationRecord) : undefined;
    },
    async listApplications() {
      const all = await redis.hgetall(key);
      return Object.values(all)
        .map((doc) => JSON.parse(doc) as ApplicationRecord)
        .sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    async deleteApplication(name) {
      const [deleted] = await Promise.all([redis.hdel(key, name), redis.srem(resyncKey, name)]);
      return deleted > 0;
    },
    async requestResync(name) {
      await redis.sadd(resyncKey, name);
    },
    async takeResync(name) {
      return (await redis.srem(resyncKey, name)) === 1;
    },
    async claimPush(name, push, claim, ttlSeconds) {
      const k = keys.pushClaim(name, push);
      if ((await redis.set(k, JSON.stringify(claim), 'EX', ttlSeconds, 'NX')) === 'OK') return { first: true };
      return { first: false, claim: readClaim(await redis.get(k)) };
    },
    async setPushOperation(name, push, operation) {
      const k = keys.pushClaim(name, push);
      const claim = readClaim(await redis.get(k));
      await redis.set(k, JSON.stringify({ ...claim, operation }), 'KEEPTTL', 'XX');
    },
    async releasePush(name, push) {
      await redis.del(keys.pushClaim(name, push));
    },
  };
}
