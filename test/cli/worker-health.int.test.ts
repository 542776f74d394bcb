/**
 * `hookrunner worker --health-port`: the worker command serves GET /healthz (the chart's liveness
 * probe) while it runs, and stops serving it when it shuts down.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { freePort } from '../../src/engine/index.js';
import { startTestCluster } from '../helpers/backends.js';
import { waitUntilUp } from '../helpers/http.js';
import { REDIS_URL, cleanPrefix, testPrefix } from '../helpers/redis.js';

describe('hookrunner worker --health-port', () => {
  it('should answer GET /healthz while running and close the port on shutdown', async () => {
    const cluster = await startTestCluster('embedded');
    const dir = await mkdtemp(join(tmpdir(), 'hookrunner-worker-health-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await cluster.writeKubeconfig(kubeconfig);
    const port = await freePort();
    const prefix = testPrefix();
    const controller = new AbortController();
    let stderr = '';
    const running = main(['worker', '--health-port', String(port), '--kubeconfig', kubeconfig], {
      stdout: { write: () => true, isTTY: false },
      stderr: { write: (s: string) => (stderr += s) },
      env: { REDIS_URL, HOOKRUNNER_PREFIX: prefix },
      shutdown: controller.signal,
    });
    const base = `http://127.0.0.1:${port}`;
    const url = `${base}/healthz`;
    try {
      await waitUntilUp(base); // polls `${base}/healthz`
      const ok = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      expect(ok.status, stderr).toBe(200);
      expect(await ok.text()).toBe('ok\n');
    } finally {
      controller.abort();
      expect(await running, stderr).toBe(0);
      await cleanPrefix(prefix);
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    }
    await expect(fetch(url, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
  }, 60_000);
});
