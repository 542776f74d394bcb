/**
 * Lua scripts sent by their SHA1 (`EVALSHA`), not their text on every call: the store's
 * compare-and-set runs on every transition (issue 13). A server that does not know the script
 * yet (`NOSCRIPT`: first use, a restart, a failover to a replica) gets it once by `EVAL`, which
 * also caches it there.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from './connection.js';

export interface RedisScript {
  readonly source: string;
  readonly sha: string;
}

export function redisScript(source: string): RedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

/** Run `script` with its keys and arguments: `EVALSHA`, then `EVAL` when the server does not know it. */
export async function runScript(redis: RedisClient, script: RedisScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
