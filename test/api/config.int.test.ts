import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiConfigError, apiConfigFromEnv, createApi } from '../../src/api/index.js';
import { DEFAULT_SIZE_LIMITS } from '../../src/manifests/index.js';
import { startApiHarness } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';

describe('when the API reads its settings from the environment', () => {
  it('should take comma-separated tokens, trimmed, and the optional settings', () => {
    expect(
      apiConfigFromEnv({
        HOOKRUNNER_API_TOKEN: ' first-token-0123456789 ,second-token-0123456789,',
        HOOKRUNNER_WEBHOOK_SECRET: 'hook-secret',
        HOOKRUNNER_CACHE_DIR: '/var/cache/hookrunner',
        HOOKRUNNER_PUBLIC_URL: 'https://hookrunner.example.com',
      }),
    ).toEqual({ tokens: ['first-token-0123456789', 'second-token-0123456789'], webhookSecret: 'hook-secret', cacheDir: '/var/cache/hookrunner', publicUrl: 'https://hookrunner.example.com', limits: DEFAULT_SIZE_LIMITS });
  });

  it.each([
    [{}, 'HOOKRUNNER_API_TOKEN is not set'],
    [{ HOOKRUNNER_API_TOKEN: ' , ' }, 'HOOKRUNNER_API_TOKEN is not set'],
    [{ HOOKRUNNER_API_TOKEN: 'long-enough-token-0123,tiny' }, 'HOOKRUNNER_API_TOKEN: token #2 is shorter than 16 characters'],
    [{ HOOKRUNNER_API_TOKEN: 'has a space in the token' }, 'HOOKRUNNER_API_TOKEN: the token has characters a bearer token cannot carry'],
    [{ HOOKRUNNER_API_TOKEN: 'long-enough-token-0123', HOOKRUNNER_WEBHOOK_SECRET: ' ' }, 'HOOKRUNNER_WEBHOOK_SECRET is empty'],
    [{ HOOKRUNNER_API_TOKEN: 'long-enough-token-0123', HOOKRUNNER_PUBLIC_URL: 'hookrunner.example.com' }, 'HOOKRUNNER_PUBLIC_URL must be an http:// or https:// URL'],
  ])('should refuse %j naming the variable, without showing the token', (env, message) => {
    const err = (() => {
      try {
        apiConfigFromEnv(env);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ApiConfigError);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).not.toContain('tiny');
    expect((err as Error).message).not.toContain('has a space');
  });

  it('should start without tokens only when --insecure-no-auth says so', () => {
    expect(apiConfigFromEnv({}, { insecureNoAuth: true })).toEqual({ tokens: [], limits: DEFAULT_SIZE_LIMITS });
  });
});

describe('when the API is created without tokens', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => {
    await h?.close();
  });
  const deps = () => ({ store: h.engine.store, applications: h.applications, orchestrator: h.engine.orchestrator as NonNullable<typeof h.engine.orchestrator>, sources: h.cache });

  it('should refuse to be created', () => {
    expect(() => createApi({ ...deps(), tokens: [] })).toThrow(ApiConfigError);
  });

  it('should serve /api/v1 without a token with insecureNoAuth', async () => {
    const api = createApi({ ...deps(), tokens: [], insecureNoAuth: true });
    expect((await request(api.app).get('/api/v1/applications')).status).toBe(200);
    await api.close();
  });
});
