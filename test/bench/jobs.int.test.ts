/** bench/lib/jobs.ts: BullMQ jobs added while a tally follows the queues' events streams, on the test Redis. */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startJobTally } from '../../bench/lib/jobs.js';
import { REDIS_URL, cleanPrefix, testPrefix } from '../helpers/redis.js';

const prefix = testPrefix();
const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
afterAll(async () => {
  await cleanPrefix(prefix);
  await cleanPrefix(`${prefix}-trim`);
  connection.disconnect();
});

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('startJobTally', () => {
  it('should count the jobs added while it followed, by queue and name, not those before or after, nor a duplicate', async () => {
    const steps = new Queue('steps', { connection, prefix });
    const orchestrator = new Queue('orchestrator', { connection, prefix });
    await steps.add('wave', {}, { jobId: 'before' });
    const tally = await startJobTally(REDIS_URL, prefix);
    await steps.add('prepare', {}, { jobId: 'p1' });
    await steps.add('wave', {}, { jobId: 'w1' });
    await steps.add('wave', {}, { jobId: 'w1' }); // the same id: BullMQ's "duplicated", not a job
    await steps.add('wave', {}, { jobId: 'w2' });
    for (let i = 0; i < 3; i++) await orchestrator.add('stepResult', {});
    await orchestrator.add('progress', {});
    await tick();
    const to = Date.now();
    await tick();
    await steps.add('wave', {}, { jobId: 'after' });
    expect(await tally.stop(to)).toEqual({ steps: { prepare: 1, wave: 2 }, orchestrator: { stepResult: 3, progress: 1 } });
    await Promise.all([steps.close(), orchestrator.close()]);
  });

  it('should say a queue was not counted (null) when entries were trimmed before it read them', async () => {
    const trimmed = `${prefix}-trim`;
    const steps = new Queue('steps', { connection, prefix: trimmed, streams: { events: { maxLen: 10 } } });
    const tally = await startJobTally(REDIS_URL, trimmed);
    await steps.addBulk(Array.from({ length: 500 }, () => ({ name: 'wave', data: {} })));
    expect(await tally.stop(Date.now())).toEqual({ steps: null, orchestrator: {} });
    await steps.close();
  });
});
