/**
 * Issue 13: the store's Lua scripts go by SHA1 (`EVALSHA`); a server that does not know a script
 * (first use, a restart, a failover, `SCRIPT FLUSH`) gets its text once by `EVAL`. A private
 * redis-server, so flushing its scripts disturbs no other test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedis } from '../../src/engine/index.js';
import { closeRedis, redisConnection, redisScript, runScript } from '../../src/queue/index.js';
import type { RedisClient } from '../../src/queue/index.js';

let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
let client: RedisClient;

beforeAll(async () => {
  redis = await startPrivateRedis();
  client = redisConnection(redis.url, 'client');
});
afterAll(async () => {
  await closeRedis(client);
  await redis.stop();
});

const INCR_BY = redisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");

async function commandCalls(name: string): Promise<number> {
  const stats = String(await client.info('commandstats'));
  return Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
}

describe('runScript', () => {
  it('should load an unknown script once by EVAL, then run it by EVALSHA only', async () => {
    await client.script('FLUSH');
    const evalBefore = await commandCalls('eval');
    expect(await runScript(client, INCR_BY, ['scripts:n'], ['2'])).toBe(2);
    expect(await commandCalls('eval')).toBe(evalBefore + 1);
    expect(await client.script('EXISTS', INCR_BY.sha)).toEqual([1]);
    const shaBefore = await commandCalls('evalsha');
    expect(await runScript(client, INCR_BY, ['scripts:n'], ['3'])).toBe(5);
    expect(await runScript(client, INCR_BY, ['scripts:n'], ['1'])).toBe(6);
    expect(await commandCalls('eval')).toBe(evalBefore + 1);
    expect(await commandCalls('evalsha')).toBe(shaBefore + 2);
  });

  it('should load it again after the server forgot it (a restart or failover flushes scripts)', async () => {
    await runScript(client, INCR_BY, ['scripts:m'], ['1']);
    await client.script('FLUSH');
    expect(await runScript(client, INCR_BY, ['scripts:m'], ['1'])).toBe(2);
  });

  it('should pass a script error through, not retry it by EVAL', async () => {
    const failing = redisScript("return redis.error_reply('BAD the script says no')");
    await runScript(client, failing, ['scripts:x'], []).catch(() => undefined); // loads it
    const evalBefore = await commandCalls('eval');
    await expect(runScript(client, failing, ['scripts:x'], [])).rejects.toThrow('BAD the script says no');
    expect(await commandCalls('eval')).toBe(evalBefore);
  });
});
