/** Projects (Argo CD `AppProject`s), by name, stored like applications. */
import type { RedisClient } from '../queue/index.js';
import type { ProjectRecord } from '../projects/index.js';
import { redisKeys } from '../queue/index.js';

export interface ProjectStore {
  putProject(project: ProjectRecord): Promise<void>;
  /** Store only when no project of that name exists (atomic). True when stored. */
  createProject(project: ProjectRecord): Promise<boolean>;
  getProject(name: string): Promise<ProjectRecord | undefined>;
  listProjects(): Promise<ProjectRecord[]>;
  /** True when it existed. */
  deleteProject(name: string): Promise<boolean>;
}

export function createProjectStore(options: { redis: RedisClient; prefix?: string }): ProjectStore {
  const { redis, prefix = 'hookrunner' } = options;
  const key = redisKeys(prefix).projects;
  return {
    async putProject(project) {
      await redis.hset(key, project.name, JSON.stringify(project));
    },
    async createProject(project) {
      return (await redis.hsetnx(key, project.name, JSON.stringify(project))) === 1;
    },
    async getProject(name) {
      const doc = await redis.hget(key, name);
      return doc ? (JSON.parse(doc) as ProjectRecord) : undefined;
    },
    async listProjects() {
      const all = await redis.hgetall(key);
      return Object.values(all)
        .map((doc) => JSON.parse(doc) as ProjectRecord)
        .sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    async deleteProject(name) {
      return (await redis.hdel(key, name)) > 0;
    },
  };
}

/** A project store in memory (for an API without Redis-backed projects, and tests). */
export function createMemoryProjectStore(initial: readonly ProjectRecord[] = []): ProjectStore {
  const map = new Map(initial.map((p) => [p.name, structuredClone(p)]));
  return {
    async putProject(project) {
      map.set(project.name, structuredClone(project));
    },
    async createProject(project) {
      if (map.has(project.name)) return false;
      map.set(project.name, structuredClone(project));
      return true;
    },
    async getProject(name) {
      const p = map.get(name);
      return p ? structuredClone(p) : undefined;
    },
    async listProjects() {
      return [...map.values()].map((p) => structuredClone(p)).sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    async deleteProject(name) {
      return map.delete(name);
    },
  };
}
