/**
 * `freePort`: a loopback TCP port that was free a moment ago, for a child process (etcd, the API
 * server, redis-server) that binds it itself. Such a port can be taken between the probe and the
 * child's bind; a port the kernel hands out for `listen(0)` is also where it picks the source port
 * of outgoing connections, so on a busy machine one of those took it (CI: etcd "bind: address
 * already in use" on 38341). The port is therefore drawn from below the kernel's ephemeral range,
 * where only other listeners can collide, and callers that start a child still retry a lost race.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Linux's default ephemeral range starts here; elsewhere, or unreadable, this is assumed. */
const DEFAULT_EPHEMERAL_LOW = 32_768;
const LOWEST = 10_000;
const DRAWS = 20;

/** The first port of the kernel's ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`). */
export function ephemeralLow(read: () => string = () => readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')): number {
  try {
    const low = Number(read().trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 && low <= 65_535 ? low : DEFAULT_EPHEMERAL_LOW;
  } catch {
    return DEFAULT_EPHEMERAL_LOW;
  }
}

function probe(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(undefined));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

/** This machine's, read once. */
let systemEphemeralLow: number | undefined;

export interface FreePortOptions {
  /** Random draws below the ephemeral range before falling back to one the kernel picks. @defaultValue 20 */
  draws?: number;
  /** @defaultValue Math.random */
  random?: () => number;
  /** The ephemeral range's first port. @defaultValue read from /proc, else 32768 */
  ephemeralLow?: number;
}

/** A loopback port free at the time of the call, drawn from below the ephemeral range (see the file's note). */
export async function freePort(options: FreePortOptions = {}): Promise<number> {
  const random = options.random ?? Math.random;
  const high = (options.ephemeralLow ?? (systemEphemeralLow ??= ephemeralLow())) - 1;
  if (high - LOWEST >= 1_000) {
    for (let i = 0; i < (options.draws ?? DRAWS); i++) {
      const port = await probe(LOWEST + Math.floor(random() * (high - LOWEST + 1)));
      if (port !== undefined) return port;
    }
  }
  const port = await probe(0);
  if (port === undefined) throw new Error('no free loopback port: listen(0) on 127.0.0.1 failed');
  return port;
}

/** True when a child's log says it could not bind its address (another process took the port first). */
export function isBindConflict(log: string): boolean {
  return /address already in use|EADDRINUSE/i.test(log);
}
