import { afterEach, describe, expect, it } from 'vitest';
import { startHealthPort } from '../../src/cli/health-port.js';
import type { HealthPort } from '../../src/cli/health-port.js';

let server: HealthPort | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startHealthPort', () => {
  it('should answer GET /healthz with 200 while healthy and 503 once shutting down', async () => {
    let healthy = true;
    server = await startHealthPort({ port: 0, host: '127.0.0.1', healthy: () => healthy });
    const url = `http://127.0.0.1:${server.port}/healthz`;
    const ok = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('ok\n');
    healthy = false;
    expect((await fetch(url, { signal: AbortSignal.timeout(5_000) })).status).toBe(503);
  });

  it('should answer other paths and methods with 404', async () => {
    server = await startHealthPort({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5_000) })).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST', signal: AbortSignal.timeout(5_000) })).status).toBe(404);
  });

  it('should reject when the port is taken', async () => {
    server = await startHealthPort({ port: 0, host: '127.0.0.1' });
    await expect(startHealthPort({ port: server.port, host: '127.0.0.1' })).rejects.toThrow(/EADDRINUSE/);
  });
});
