/**
 * Starting the real control plane when a picked port is taken before etcd binds it: the start is
 * tried again on new ports (CI once lost etcd's client port to another process between the probe
 * and the bind); a port the caller named is not. Runs when the real backend is built.
 */
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ComponentFailedError, startControlPlane } from '../../src/controlplane/index.js';
import type { ControlPlane } from '../../src/controlplane/index.js';
import { httpsGet } from '../../src/controlplane/https-get.js';
import { freePort } from '../../src/util/index.js';
import type { Logger } from '../../src/util/index.js';
import { testBackends } from '../helpers/backends.js';

const held: Server[] = [];
let plane: ControlPlane | undefined;
afterEach(async () => {
  await plane?.stop();
  plane = undefined;
  await Promise.all(held.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function taken(): Promise<number> {
  const port = await freePort();
  // Connections (etcd's health probe of the first start reaches this port) are dropped, so close() does not wait on them.
  const srv = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', resolve);
  });
  held.push(srv);
  return port;
}

function recording(): Logger & { warnings: Array<{ message: string; fields?: Record<string, unknown> }> } {
  const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  return { warnings, debug: () => undefined, info: () => undefined, error: () => undefined, warn: (message, fields) => warnings.push({ message, ...(fields ? { fields } : {}) }) };
}

describe.runIf(testBackends().includes('real'))('startControlPlane with a port lost to another process', () => {
  it("should start again on new ports when etcd's client port was bound first, and say so", async () => {
    const first = await taken();
    const picks: number[] = [];
    const logger = recording();
    plane = await startControlPlane({
      logger,
      startTimeoutMs: 180_000,
      pickPort: async () => {
        const port = picks.length === 0 ? first : await freePort();
        picks.push(port);
        return port;
      },
    });
    expect(picks.length).toBe(6);
    expect(picks.slice(3)).not.toContain(first);
    expect(plane.port).toBe(picks[5]);
    expect(logger.warnings).toEqual([{ message: expect.stringContaining('lost its port') as unknown as string, fields: { component: 'etcd', attempt: 1 } }]);
    expect(await httpsGet(`${plane.url}/readyz`, plane.adminTls(), 5_000)).toMatchObject({ status: 200 });
  });

  it('should not retry a port the caller named, and name the component that could not bind it', async () => {
    const port = await taken();
    let picks = 0;
    const err = await startControlPlane({ port, startTimeoutMs: 180_000, pickPort: () => (picks++, freePort()) }).then(
      (p) => {
        plane = p;
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ComponentFailedError);
    expect((err as ComponentFailedError).component).toBe('kube-apiserver');
    expect((err as ComponentFailedError).message).toMatch(/address already in use/);
    expect(picks).toBe(2);
  });
});
