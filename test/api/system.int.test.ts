/** Probes, metrics, unknown routes and the dashboard's files. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, createApiMetrics } from '../../src/api/index.js';
import { operationSpec, startOperation } from '../../src/sync/index.js';
import type { Operation, TaskResult } from '../../src/sync/index.js';
import { startApiHarness } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';

const spec = operationSpec({ app: 'm', namespace: 'ns', revision: 'abc', manifests: [], initiatedBy: 'test', timeoutMs: 60_000, hookTimeoutMs: 60_000 });
const hook = (over: Partial<TaskResult>): TaskResult => ({ key: 'batch/Job/ns/pre:PreSync', order: 1, syncPhase: 'PreSync', wave: 0, group: 'batch', version: 'v1', kind: 'Job', namespace: 'ns', name: 'pre', hookType: 'PreSync', hookPhase: 'Running', message: '', ...over });

describe('metrics', () => {
  it('should count outcomes once, time steps and hooks from the engine transitions', async () => {
    let now = 10_000;
    const metrics = createApiMetrics({ now: () => now });
    const start = startOperation({ id: 'op-1', spec, now: 0 });
    const stepping: Operation = { ...start, step: { id: 'op-1-0-1', kind: 'wave', seq: 1, taskKeys: [], emittedAt: 7_500 }, results: [hook({ startedAt: 8_000 })] };
    metrics.onTransition(start, stepping);
    now = 12_000;
    const hookDone: Operation = { ...stepping, step: undefined, results: [hook({ startedAt: 8_000, finishedAt: 11_000, hookPhase: 'Succeeded' })] };
    metrics.onTransition(stepping, hookDone);
    const finished: Operation = { ...hookDone, phase: 'Succeeded', finishedAt: new Date(now).toISOString() };
    metrics.onTransition(hookDone, finished);
    metrics.onTransition(finished, { ...finished, version: finished.version + 1 });
    metrics.recordNotificationDelivery('delivered');
    metrics.recordNotificationDelivery('failed');
    metrics.recordNotificationDelivery('delivered');

    const text = await metrics.registry.metrics();
    expect(text).toContain('hookrunner_operations_total{outcome="Succeeded"} 1');
    expect(text).toContain('hookrunner_step_duration_seconds_sum{kind="wave"} 4.5');
    expect(text).toContain('hookrunner_hook_duration_seconds_sum{hook_type="PreSync",phase="Succeeded"} 3');
    expect(text).toContain('hookrunner_hook_duration_seconds_count{hook_type="PreSync",phase="Succeeded"} 1');
    expect(text).toContain('hookrunner_notification_deliveries_total{outcome="delivered"} 2');
    expect(text).toContain('hookrunner_notification_deliveries_total{outcome="failed"} 1');
  });

  it('should keep registries of two instances apart', async () => {
    const a = createApiMetrics();
    const b = createApiMetrics();
    a.recordNotificationDelivery('skipped');
    expect(await a.registry.metrics()).toContain('hookrunner_notification_deliveries_total{outcome="skipped"} 1');
    expect(await b.registry.metrics()).not.toContain('outcome="skipped"');
  });
});

describe('probes, /metrics and unknown routes', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const apiWith = (ready: () => Promise<unknown>) =>
    createApi({ store: h.engine.store, applications: h.applications, orchestrator: h.engine.orchestrator as NonNullable<typeof h.engine.orchestrator>, sources: h.cache, tokens: ['probe-token-0123456789'], ready, readyTimeoutMs: 100 });

  it('should answer /healthz, and /readyz when Redis answers', async () => {
    expect((await request(h.app).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(h.app).get('/readyz')).body).toEqual({ status: 'ready' });
  });

  it('should answer 503 on /readyz when Redis fails or does not answer in time', async () => {
    const failing = apiWith(() => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6390')));
    const res = await request(failing.app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.detail).toContain('ECONNREFUSED');
    const hanging = apiWith(() => new Promise(() => undefined));
    const slow = await request(hanging.app).get('/readyz');
    expect(slow.status).toBe(503);
    expect(slow.body.detail).toContain('no answer within 100ms');
    await failing.close();
    await hanging.close();
  });

  it('should expose Prometheus metrics with queue depth read from the real queues, and count requests by route', async () => {
    const metrics = createApiMetrics({ queues: h.engine.bus.depthSources() });
    const api = createApi({ store: h.engine.store, applications: h.applications, orchestrator: h.engine.orchestrator as NonNullable<typeof h.engine.orchestrator>, sources: h.cache, tokens: ['probe-token-0123456789'], metrics });
    await h.engine.bus.kick('probe-op', 'probe', { delayMs: 60_000, key: 'probe-delayed' });
    await request(api.app).get('/api/v1/applications/x').set('Authorization', 'Bearer probe-token-0123456789');
    const res = await request(api.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('hookrunner_queue_depth{queue="orchestrator",state="delayed"} 1');
    expect(res.text).toContain('hookrunner_queue_depth{queue="steps",state="waiting"}');
    expect(res.text).toContain('hookrunner_http_requests_total{method="GET",route="/api/v1/applications/:name",status="404"} 1');
    expect(res.text).toContain('# TYPE hookrunner_operations_total counter');
    expect(res.text).toContain('# TYPE hookrunner_notification_deliveries_total counter');
    await api.close();
  });

  it('should answer 404 problem details for an unknown path', async () => {
    const res = await request(h.app).get('/nope');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, detail: 'no route for GET /nope', instance: '/nope' });
  });

  it('should serve the dashboard at / with a content security policy, without a token', async () => {
    const page = await request(h.app).get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('<script type="module" src="assets/app.js"></script>');
    const js = await request(h.app).get('/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
  });
});
