import { describe, expect, it } from 'vitest';
import { redisUrlFromEnv } from '../../src/engine/redis.js';

describe('redisUrlFromEnv', () => {
  it('should return undefined when REDIS_URL is unset or blank', () => {
    expect(redisUrlFromEnv({})).toBeUndefined();
    expect(redisUrlFromEnv({ REDIS_URL: '  ', REDIS_PASSWORD: 'x' })).toBeUndefined();
  });

  it('should return REDIS_URL unchanged without REDIS_PASSWORD', () => {
    expect(redisUrlFromEnv({ REDIS_URL: 'redis://r.ns.svc:6379/0' })).toBe('redis://r.ns.svc:6379/0');
  });

  it('should put REDIS_PASSWORD into a URL without a password, percent-encoded', () => {
    const url = redisUrlFromEnv({ REDIS_URL: 'redis://r.ns.svc:6379/2', REDIS_PASSWORD: 'p@ss:w/rd %' });
    expect(url).toBe('redis://:p%40ss%3Aw%2Frd%20%25@r.ns.svc:6379/2');
    expect(decodeURIComponent(new URL(url ?? '').password)).toBe('p@ss:w/rd %');
  });

  it('should keep the ACL user name and the TLS scheme', () => {
    expect(redisUrlFromEnv({ REDIS_URL: 'rediss://app@r:6380/1', REDIS_PASSWORD: 'pw' })).toBe('rediss://app:pw@r:6380/1');
  });

  it('should prefer a password the URL already carries', () => {
    expect(redisUrlFromEnv({ REDIS_URL: 'redis://:inurl@r:6379', REDIS_PASSWORD: 'env' })).toBe('redis://:inurl@r:6379');
  });

  it('should return a URL that does not parse as given', () => {
    expect(redisUrlFromEnv({ REDIS_URL: 'not a url', REDIS_PASSWORD: 'pw' })).toBe('not a url');
  });
});
