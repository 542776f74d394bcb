import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, isBindConflict } from '../../src/util/index.js';
import { ephemeralLow } from '../../src/util/ports.js';

const held: Server[] = [];
afterEach(async () => {
  await Promise.all(held.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function hold(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      held.push(srv);
      const addr = srv.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
}

describe('ephemeralLow', () => {
  it('should read the first port of the kernel range, and assume 32768 when it cannot', () => {
    expect(ephemeralLow(() => '40000\t60999\n')).toBe(40_000);
    expect(ephemeralLow(() => 'nonsense')).toBe(32_768);
    expect(ephemeralLow(() => '70000 80000')).toBe(32_768);
    expect(
      ephemeralLow(() => {
        throw new Error('ENOENT');
      }),
    ).toBe(32_768);
  });
});

describe('freePort', () => {
  it('should give a bindable port below the ephemeral range, where outgoing connections do not take source ports', async () => {
    const low = ephemeralLow();
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(10_000);
    expect(port).toBeLessThan(low);
    expect(await hold(port)).toBe(port);
  });

  // With the range's top at 19999, a draw r lands on 10000 + floor(r * 10000).
  const drawFor = (port: number): number => (port - 10_000 + 0.5) / 10_000;

  it('should draw again when the drawn port is taken', async () => {
    const taken = await hold(await freePort({ ephemeralLow: 20_000 }));
    let free = await freePort({ ephemeralLow: 20_000 });
    while (free === taken) free = await freePort({ ephemeralLow: 20_000 });
    const draws = [drawFor(taken), drawFor(free)];
    expect(await freePort({ ephemeralLow: 20_000, random: () => draws.shift() ?? 0 })).toBe(free);
    expect(draws).toEqual([]);
  });

  it('should fall back to a port the kernel picks when the range below is too small or every draw is taken', async () => {
    expect(await freePort({ ephemeralLow: 10_500 })).toBeGreaterThanOrEqual(ephemeralLow());
    const taken = await hold(await freePort({ ephemeralLow: 20_000 }));
    let draws = 0;
    const port = await freePort({ ephemeralLow: 20_000, draws: 3, random: () => (draws++, drawFor(taken)) });
    expect(draws).toBe(3);
    expect(port).toBeGreaterThanOrEqual(ephemeralLow());
  });
});

describe('isBindConflict', () => {
  it("should recognise etcd's, kube-apiserver's and Node's bind failures and nothing else", () => {
    expect(isBindConflict('{"level":"fatal","msg":"discovery failed","error":"listen tcp 127.0.0.1:38341: bind: address already in use"}')).toBe(true);
    expect(isBindConflict('E1206 failed to listen on 127.0.0.1:6443: listen tcp 127.0.0.1:6443: bind: address already in use')).toBe(true);
    expect(isBindConflict('Error: listen EADDRINUSE: address already in use 127.0.0.1:8080')).toBe(true);
    expect(isBindConflict('{"level":"fatal","msg":"cannot access data directory"}')).toBe(false);
  });
});
