/** `GET /api/v1/events`: server-sent events of operation and task changes, filtered by application. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, listenApi } from '../../src/api/index.js';
import type { ApiServer } from '../../src/api/index.js';
import type { TestRepo } from '../sources/git-fixture.js';
import { AUTH, labApplication, startApiHarness } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';
import { LAB_PATH, createLabRepo } from './lab-repo.js';
import { openSse } from './sse-client.js';
import type { SseStream } from './sse-client.js';

interface LiveOp {
  operation: { id: string; app: string; phase: string; version: number };
  resources: unknown[];
}

describe('the event stream', () => {
  let h: ApiHarness;
  let server: ApiServer;
  let repo: TestRepo;
  const streams: SseStream[] = [];
  beforeAll(async () => {
    h = await startApiHarness({ api: { sseHeartbeatMs: 100 } });
    server = await listenApi({ api: h.api, port: 0, host: '127.0.0.1' });
    repo = await createLabRepo();
    for (const name of ['ev-a', 'ev-b', 'ev-c']) {
      const res = await request(h.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(labApplication({ repoURL: repo.url, name, path: LAB_PATH }));
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await server?.close();
    await h?.close();
    await repo?.remove();
  });

  const open = async (query: string, headers: Record<string, string> = AUTH): Promise<SseStream> => {
    const s = await openSse(`${server.url}/api/v1/events${query}`, headers);
    streams.push(s);
    return s;
  };

  it('should need a token (401) and validate the filter (400 naming the field)', async () => {
    expect((await open('', {})).status).toBe(401);
    const bad = await request(h.app).get('/api/v1/events?app=Not_An_App').set(AUTH);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('app');
  });

  it('should send operation events of the filtered application only', async () => {
    const onlyA = await open('?app=ev-a');
    const all = await open('');
    expect(onlyA.status).toBe(200);
    await onlyA.waitFor((e) => e.event === 'ready', 'the ready event');
    await all.waitFor((e) => e.event === 'ready', 'the ready event');
    const b = await request(h.app).post('/api/v1/applications/ev-b/sync').set(AUTH);
    const a = await request(h.app).post('/api/v1/applications/ev-a/sync').set(AUTH);
    expect([a.status, b.status]).toEqual([202, 202]);
    await all.waitFor((e) => e.event === 'operation' && (e.data as LiveOp).operation.id === b.body.operation.id, 'the operation event of ev-b');
    const seen = await onlyA.waitFor((e) => e.event === 'operation' && (e.data as LiveOp).operation.id === a.body.operation.id, 'the operation event of ev-a');
    expect((seen.data as LiveOp).operation).toMatchObject({ app: 'ev-a', phase: 'Running' });
    expect(seen.id).toBe(`${a.body.operation.id}:${(seen.data as LiveOp).operation.version}`);
    expect(onlyA.events.filter((e) => e.event === 'operation').map((e) => (e.data as LiveOp).operation.app)).not.toContain('ev-b');

    // Terminating changes the operation: a new event with a higher version reaches the stream.
    await request(h.app).post(`/api/v1/operations/${a.body.operation.id}/terminate`).set(AUTH);
    const term = await onlyA.waitFor((e) => e.event === 'operation' && (e.data as LiveOp).operation.phase === 'Terminating', 'the Terminating event');
    expect((term.data as LiveOp).operation.version).toBeGreaterThan((seen.data as LiveOp).operation.version);
    await request(h.app).post(`/api/v1/operations/${b.body.operation.id}/terminate`).set(AUTH);
  });

  it('should send heartbeat comments on an idle stream', async () => {
    const stream = await open('?app=ev-c');
    await stream.waitFor((e) => e.event === 'ready', 'the ready event');
    await expect.poll(() => stream.comments, { timeout: 5_000 }).toBeGreaterThan(1);
  });

  it('should filter by operation id', async () => {
    const sync = await request(h.app).post('/api/v1/applications/ev-c/sync').set(AUTH);
    expect(sync.status).toBe(202);
    const opId = sync.body.operation.id as string;
    const stream = await open(`?operation=${opId}`);
    await stream.waitFor((e) => e.event === 'ready', 'the ready event');
    await request(h.app).post(`/api/v1/operations/${opId}/terminate`).set(AUTH);
    const e = await stream.waitFor((x) => x.event === 'operation', 'an operation event');
    expect((e.data as LiveOp).operation.id).toBe(opId);
  });

  it('should end the streams when the server closes, so it can stop', async () => {
    const api = createApi({ store: h.engine.store, applications: h.applications, orchestrator: h.engine.orchestrator as NonNullable<typeof h.engine.orchestrator>, sources: h.cache, tokens: ['another-token-0123456789'] });
    const own = await listenApi({ api, port: 0, host: '127.0.0.1' });
    const stream = await openSse(`${own.url}/api/v1/events`, { Authorization: 'Bearer another-token-0123456789' });
    await stream.waitFor((e) => e.event === 'ready', 'the ready event');
    expect(api.eventClients).toBe(1);
    await own.close();
    await stream.ended;
    expect(api.eventClients).toBe(0);
  });
});
