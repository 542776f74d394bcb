/**
 * The Redis target from the environment: exactly one of `REDIS_URL`, `REDIS_SENTINELS` (with
 * `REDIS_SENTINEL_MASTER`, `REDIS_SENTINEL_PASSWORD`) or `REDIS_CLUSTER_NODES`; `REDIS_PASSWORD`
 * is the data nodes' password (put into a `REDIS_URL` that carries none).
 */
import type { HostPort, RedisTarget } from './connection.js';

export class RedisConfigError extends Error {
  override readonly name = 'RedisConfigError';
}

/** At most this many entries in a host:port list. */
const MAX_NODES = 64;

/** A comma-separated `host:port` list; the error names the variable and the bad entry. */
export function parseHostPorts(variable: string, value: string): HostPort[] {
  const entries = value.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) throw new RedisConfigError(`${variable}: no host:port given (e.g. redis-sentinel-0:26379,redis-sentinel-1:26379)`);
  if (entries.length > MAX_NODES) throw new RedisConfigError(`${variable}: ${entries.length} entries, at most ${MAX_NODES}`);
  return entries.map((entry) => {
    // host:port, or [ipv6]:port
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]{1,253})):(\d{1,5})$/.exec(entry);
    const port = m ? Number(m[3]) : 0;
    const host = m ? (m[1] ?? m[2] ?? '') : '';
    if (!m || host === '' || !(port >= 1 && port <= 65_535)) {
      throw new RedisConfigError(`${variable}: bad entry "${entry.slice(0, 100)}": expected host:port with a port from 1 to 65535`);
    }
    return { host, port };
  });
}

/**
 * `url` with `password` put in when the URL carries no password of its own (a password Secret
 * mounted as an environment variable, any characters: it is percent-encoded), else `url`
 * unchanged. A URL that does not parse is returned as given, so the connection's own error names it.
 */
export function urlWithPassword(url: string, password: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.password !== '') return url;
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

function variable(env: Record<string, string | undefined>, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/**
 * The target the environment names. Throws {@link RedisConfigError} naming the variables when none
 * or several of `REDIS_URL`, `REDIS_SENTINELS`, `REDIS_CLUSTER_NODES` are set, or naming the bad
 * entry of a list. `REDIS_URL` is returned with `REDIS_PASSWORD` put in when it has no password
 * of its own ({@link urlWithPassword}).
 */
export function redisTargetFromEnv(env: Record<string, string | undefined>): RedisTarget {
  const url = variable(env, 'REDIS_URL');
  const sentinels = variable(env, 'REDIS_SENTINELS');
  const nodes = variable(env, 'REDIS_CLUSTER_NODES');
  const set = [url && 'REDIS_URL', sentinels && 'REDIS_SENTINELS', nodes && 'REDIS_CLUSTER_NODES'].filter((v): v is string => typeof v === 'string');
  if (set.length === 0) {
    throw new RedisConfigError('no Redis configured: set one of REDIS_URL (e.g. redis://127.0.0.1:6379), REDIS_SENTINELS (host:port,… of the sentinels, with REDIS_SENTINEL_MASTER) or REDIS_CLUSTER_NODES (host:port,… of cluster nodes)');
  }
  if (set.length > 1) throw new RedisConfigError(`${set.join(' and ')} are all set: set exactly one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES`);
  const password = variable(env, 'REDIS_PASSWORD');
  if (url) return password ? urlWithPassword(url, password) : url;
  if (sentinels) {
    const name = variable(env, 'REDIS_SENTINEL_MASTER') ?? 'mymaster';
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(name)) throw new RedisConfigError(`REDIS_SENTINEL_MASTER: "${name.slice(0, 100)}" is not a master name (letters, digits, . _ -)`);
    const sentinelPassword = variable(env, 'REDIS_SENTINEL_PASSWORD');
    return { kind: 'sentinel', sentinels: parseHostPorts('REDIS_SENTINELS', sentinels), name, ...(sentinelPassword ? { sentinelPassword } : {}), ...(password ? { password } : {}) };
  }
  return { kind: 'cluster', nodes: parseHostPorts('REDIS_CLUSTER_NODES', nodes ?? ''), ...(password ? { password } : {}) };
}

/** The environment that names a target (for a spawned `hookrunner worker` or `serve`): the inverse of {@link redisTargetFromEnv}; the other variables are set empty so an inherited one does not clash. */
export function redisTargetEnv(target: RedisTarget): Record<string, string> {
  const none = { REDIS_URL: '', REDIS_SENTINELS: '', REDIS_CLUSTER_NODES: '' };
  const list = (nodes: HostPort[]): string => nodes.map((n) => (n.host.includes(':') ? `[${n.host}]:${n.port}` : `${n.host}:${n.port}`)).join(',');
  if (typeof target === 'string') return { ...none, REDIS_URL: target };
  if (target.kind === 'url') return { ...none, REDIS_URL: target.url };
  const password: Record<string, string> = target.password ? { REDIS_PASSWORD: target.password } : {};
  if (target.kind === 'cluster') return { ...none, REDIS_CLUSTER_NODES: list(target.nodes), ...password };
  return { ...none, REDIS_SENTINELS: list(target.sentinels), REDIS_SENTINEL_MASTER: target.name, ...(target.sentinelPassword ? { REDIS_SENTINEL_PASSWORD: target.sentinelPassword } : {}), ...password };
}
