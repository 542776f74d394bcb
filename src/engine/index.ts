export { lostMessage, startEngine } from './engine.js';
export type { Engine, EngineOptions } from './engine.js';
export { spawnWorker } from './worker-process.js';
export type { WorkerProcess } from './worker-process.js';
export { RedisUnavailableError, findRedis, redisAnswers, redisUrlFromEnv, startPrivateRedis } from './redis.js';
export { freePort } from '../util/index.js';
export type { PrivateRedisOptions, RedisHandle } from './redis.js';
