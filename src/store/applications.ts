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
  destination: { namespace: string; server?: string };
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
  };
}
