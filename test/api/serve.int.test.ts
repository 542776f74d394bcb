/** `hookrunner serve`: the API listens on --port with the engine behind it; it refuses to start without a token. */
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { freePort } from '../../src/engine/index.js';
import { REDIS_URL, cleanPrefix, testPrefix } from '../helpers/redis.js';
import { TOKEN } from './api-harness.js';
import { waitUntilUp } from '../helpers/http.js';

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (s: string) => (out.stdout += s), isTTY: false }, stderr: { write: (s: string) => (out.stderr += s) } } };
}


describe('hookrunner serve', () => {
  const prefixes: string[] = [];
  afterEach(async () => {
    for (const p of prefixes.splice(0)) await cleanPrefix(p);
  });

  it('should refuse to start without HOOKRUNNER_API_TOKEN, naming it', async () => {
    const { out, io } = capture();
    const code = await main(['serve', '--port', '1'], { ...io, env: { REDIS_URL } });
    expect(code).toBe(2);
    expect(out.stderr).toContain('HOOKRUNNER_API_TOKEN is not set');
  });

  it('should refuse a short token without showing it', async () => {
    const { out, io } = capture();
    const code = await main(['serve', '--port', '1'], { ...io, env: { REDIS_URL, HOOKRUNNER_API_TOKEN: 'short-secret' } });
    expect(code).toBe(2);
    expect(out.stderr).toContain('HOOKRUNNER_API_TOKEN: the token is shorter than 16 characters');
    expect(out.stderr).not.toContain('short-secret');
  });

  it('should listen on --port: probes, 401 without a token, 200 with one, metrics; and stop on shutdown', async () => {
    const port = await freePort();
    const prefix = testPrefix();
    prefixes.push(prefix);
    const controller = new AbortController();
    const { out, io } = capture();
    const running = main(['serve', '--port', String(port), '--host', '127.0.0.1'], {
      ...io,
      env: { REDIS_URL, HOOKRUNNER_API_TOKEN: `${TOKEN},another-token-0123456789`, HOOKRUNNER_PREFIX: prefix, HOOKRUNNER_WEBHOOK_SECRET: 'serve-webhook-secret' },
      shutdown: controller.signal,
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitUntilUp(url);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect((await fetch(`${url}/api/v1/applications`)).status).toBe(401);
      const ok = await fetch(`${url}/api/v1/applications`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ items: [] });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('hookrunner_queue_depth{queue="steps",state="waiting"} 0');
      expect(metrics).toContain('hookrunner_process_cpu_seconds_total');
      const page = await fetch(`${url}/`);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    } finally {
      controller.abort();
    }
    expect(await running).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    const logs = out.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.find((l) => l['msg'] === 'API listening')).toMatchObject({ url, tokens: 2, webhooks: true });
    expect(logs.some((l) => l['msg'] === 'request' && l['path'] === '/api/v1/applications' && l['status'] === 401)).toBe(true);
    expect(out.stderr).not.toContain(TOKEN);
    expect(out.stderr).not.toContain('serve-webhook-secret');
  });
});
