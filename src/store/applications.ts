/** Registered applications (the Argo CD `Application` manifests users bring), by name. */
import type { Redis } from 'ioredis';
import type { RetryStrategy, Subscription } from '../sync/index.js';

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
    automated?: { prune?: boolean; selfHeal?: boolean };
    syncOptions: string[];
    retry?: RetryStrategy;
  };
  /** Built-in notification subscriptions, from the Application's `notifications.argoproj.io/subscribe.*` annotations. */
  notifications?: Subscription[];
  createdAt: string;
  updatedAt: string;
}

export interface ApplicationStore {
  putApplication(app: ApplicationRecord): Promise<void>;
  getApplication(name: string): Promise<ApplicationRecord | undefined>;
  listApplications(): Promise<ApplicationRecord[]>;
  /** True when it existed. */
  deleteApplication(name: string): Promise<boolean>;
}

export function createApplicationStore(options: { redis: Redis; prefix?: string }): ApplicationStore {
  const { redis, prefix = 'hookrunner' } = options;
  const key = `${prefix}:applications`;
  return {
    async putApplication(app) {
      await redis.hset(key, app.name, JSON.stringify(app));
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
      return (await redis.hdel(key, name)) > 0;
    },
  };
}
