/**
 * The example Argo CD Application (examples/sync-phases/application.yaml.example): what its
 * comments promise is what the API does — `hookrunner serve` registers it as is.
 */
import { unknownStatus } from '../../src/status/index.js';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { createProjectPolicy, projectRecord, validateApplication } from '../../src/api/index.js';
import { builtinDefaultProject } from '../../src/projects/index.js';
import { notFoundHandler, problemHandler } from '../../src/api/problem.js';
import { applicationRoutes } from '../../src/api/routes/applications.js';
import type { SyncService } from '../../src/api/sync-service.js';
import { createMemoryProjectStore } from '../../src/store/index.js';
import type { ApplicationRecord, ApplicationStore } from '../../src/store/index.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const FILE = 'examples/sync-phases/application.yaml.example';

let text = '';

/** The comment lines at the top of the file, without `#`. */
function comments(): string {
  return text
    .split('\n')
    .filter((l) => l.startsWith('#'))
    .map((l) => l.replace(/^#\s?/, ''))
    .join('\n');
}

function memoryApplications(): ApplicationStore {
  const apps = new Map<string, ApplicationRecord>();
  return {
    putApplication: async (app) => void apps.set(app.name, app),
    createApplication: async (app) => {
      if (apps.has(app.name)) return false;
      apps.set(app.name, app);
      return true;
    },
    getApplication: async (name) => apps.get(name),
    listApplications: async () => [...apps.values()],
    deleteApplication: async (name) => apps.delete(name),
    requestResync: async () => undefined,
    claimPush: async () => ({ first: true }),
    setPushOperation: async () => undefined,
    releasePush: async () => undefined,
    takeResync: async () => false,
  };
}

beforeAll(async () => {
  text = await readFile(join(ROOT, FILE), 'utf8');
});

describe(FILE, () => {
  it('should not promise the API for a later release: it names `hookrunner serve` and the real endpoints', () => {
    const said = comments();
    expect(said).not.toMatch(/later release/i);
    expect(said).toContain('hookrunner serve');
    expect(said).toContain('/api/v1/applications');
    expect(said).toContain('/api/v1/applications/app-sync-phase-1/sync');
  });

  it('should name only endpoints src/api/README.md documents', async () => {
    const readme = await readFile(join(ROOT, 'src', 'api', 'README.md'), 'utf8');
    const documented = [...readme.matchAll(/`(?:(?:GET|POST|PUT|DELETE)[`/ ]*)+ ?(\/[^`?\s]+)/g)].map((m) => (m[1] ?? '').replace(/:[a-z]+/g, '*'));
    const named = [...comments().matchAll(/(?:127\.0\.0\.1:8080|\b(?:GET|POST|PUT|DELETE)\s)(\/api\/v1\/[\w/<>.-]+)/g)].map((m) => m[1] ?? '');
    expect(named.length).toBeGreaterThan(2);
    for (const path of named) {
      const pattern = path.replace(/<[^>]+>|app-sync-phase-1/g, '*');
      expect(documented, `${path} is documented`).toContain(pattern);
    }
  });

  it('should be a valid Application manifest, with the lab repository and folder', () => {
    const manifest = parse(text) as Record<string, unknown>;
    const check = validateApplication(manifest);
    expect(check.ok).toBe(true);
    expect(manifest).toMatchObject({
      metadata: { name: 'app-sync-phase-1' },
      spec: {
        destination: { namespace: 'app-sync-phases' },
        source: { repoURL: 'https://github.com/entermix123/ArgoCD-Labs.git', path: '07-argocd-sync-phases-waves/sync-phases-waves-manifests-examples', targetRevision: 'main' },
      },
    });
  });

  it('should be registered as is by POST /api/v1/applications (Content-Type: application/yaml)', async () => {
    const sync: SyncService = {
      start: () => Promise.reject(new Error('not in this test')),
      runningOperation: async () => undefined,
    };
    const app = express();
    app.use(
      '/api/v1/applications',
      applicationRoutes({
        applications: memoryApplications(),
        store: { getOperation: async () => undefined, history: async () => [], runningOperationOf: async () => undefined },
        sync,
        appStatus: { statusOf: unknownStatus, tree: () => [], diff: () => ({ revision: '', items: [] }), changed: () => undefined },
        // The lab's Application (project: default) is accepted by the built-in narrow default project.
        projects: createProjectPolicy({ store: createMemoryProjectStore([projectRecord({ name: 'default', spec: builtinDefaultProject(), original: {}, now: new Date() })]) }),
        bodyLimitBytes: 1024 * 1024,
        now: () => new Date('2026-01-01T00:00:00Z'),
      }),
    );
    app.use(notFoundHandler);
    app.use(problemHandler(pino({ level: 'silent' })));

    const created = await request(app).post('/api/v1/applications').set('Content-Type', 'application/yaml').send(text);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.headers['location']).toBe('/api/v1/applications/app-sync-phase-1');
    expect(created.body).toMatchObject({ name: 'app-sync-phase-1' });
    const again = await request(app).post('/api/v1/applications').set('Content-Type', 'application/yaml').send(text);
    expect(again.status).toBe(409);
  });
});
