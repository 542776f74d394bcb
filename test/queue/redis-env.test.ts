import { describe, expect, it } from 'vitest';
import { RedisConfigError, parseHostPorts, redisTargetEnv, redisTargetFromEnv } from '../../src/queue/index.js';
import { describeTarget, prefixFor } from '../../src/queue/connection.js';

describe('redisTargetFromEnv', () => {
  it('should return REDIS_URL unchanged when it alone is set', () => {
    expect(redisTargetFromEnv({ REDIS_URL: 'redis://:pw@redis:6379' })).toBe('redis://:pw@redis:6379');
  });

  it('should build a Sentinel target with the default master name and the passwords', () => {
    expect(redisTargetFromEnv({ REDIS_SENTINELS: 's0:26379, s1:26380', REDIS_PASSWORD: 'data', REDIS_SENTINEL_PASSWORD: 'sent' })).toEqual({
      kind: 'sentinel',
      name: 'mymaster',
      sentinels: [{ host: 's0', port: 26379 }, { host: 's1', port: 26380 }],
      password: 'data',
      sentinelPassword: 'sent',
    });
    expect(redisTargetFromEnv({ REDIS_SENTINELS: 's0:26379', REDIS_SENTINEL_MASTER: 'hr' })).toMatchObject({ kind: 'sentinel', name: 'hr' });
  });

  it('should build a cluster target', () => {
    expect(redisTargetFromEnv({ REDIS_CLUSTER_NODES: 'a:7000,[::1]:7001' })).toEqual({ kind: 'cluster', nodes: [{ host: 'a', port: 7000 }, { host: '::1', port: 7001 }] });
  });

  it('should name every variable when none or several are set', () => {
    expect(() => redisTargetFromEnv({})).toThrow(/REDIS_URL.*REDIS_SENTINELS.*REDIS_CLUSTER_NODES/);
    expect(() => redisTargetFromEnv({ REDIS_URL: 'redis://x:1', REDIS_CLUSTER_NODES: 'a:1' })).toThrow(/REDIS_URL and REDIS_CLUSTER_NODES are all set/);
    expect(() => redisTargetFromEnv({ REDIS_URL: ' ', REDIS_SENTINELS: '' })).toThrow(RedisConfigError);
  });

  it('should name the bad entry of a list', () => {
    expect(() => parseHostPorts('REDIS_SENTINELS', 'a:1,b')).toThrow('REDIS_SENTINELS: bad entry "b"');
    expect(() => parseHostPorts('REDIS_CLUSTER_NODES', 'a:70000')).toThrow('REDIS_CLUSTER_NODES: bad entry "a:70000"');
    expect(() => parseHostPorts('REDIS_SENTINELS', ' , ')).toThrow(/no host:port/);
    expect(() => redisTargetFromEnv({ REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_MASTER: 'a b' })).toThrow(/REDIS_SENTINEL_MASTER/);
  });

  it('should round-trip through redisTargetEnv', () => {
    for (const env of [{ REDIS_SENTINELS: 's0:26379', REDIS_SENTINEL_MASTER: 'hr', REDIS_PASSWORD: 'p' }, { REDIS_CLUSTER_NODES: 'a:7000,b:7001' }, { REDIS_URL: 'redis://r:6379' }]) {
      const target = redisTargetFromEnv(env);
      expect(redisTargetFromEnv(redisTargetEnv(target))).toEqual(target);
    }
  });
});

describe('describeTarget', () => {
  it('should never show a password', () => {
    expect(describeTarget('redis://:secret@r:6379')).not.toContain('secret');
    const sentinel = redisTargetFromEnv({ REDIS_SENTINELS: 's0:26379', REDIS_PASSWORD: 'secret', REDIS_SENTINEL_PASSWORD: 'secret2' });
    expect(describeTarget(sentinel)).toBe('sentinel master mymaster via s0:26379');
    expect(describeTarget(redisTargetFromEnv({ REDIS_CLUSTER_NODES: 'a:1', REDIS_PASSWORD: 'secret' }))).toBe('cluster a:1');
  });
});

describe('prefixFor', () => {
  it('should hash-tag the prefix on a cluster only, keeping a tag already there', () => {
    const cluster = redisTargetFromEnv({ REDIS_CLUSTER_NODES: 'a:1' });
    expect(prefixFor(cluster, 'hookrunner')).toBe('{hookrunner}');
    expect(prefixFor(cluster, 'prod:{hr}')).toBe('prod:{hr}');
    expect(prefixFor('redis://r:6379', 'hookrunner')).toBe('hookrunner');
    expect(prefixFor(redisTargetFromEnv({ REDIS_SENTINELS: 's:1' }), 'hookrunner')).toBe('hookrunner');
  });
});
