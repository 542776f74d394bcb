/**
 * BullMQ jobs added during the measured span, by queue and job name: a tally that follows each
 * queue's events stream (`<prefix>:<queue>:events`, an `added` entry per job, entry ids in ms)
 * from its start to its stop with blocking reads. BullMQ trims a stream to about 10,000 entries
 * and every job writes several (added, active, completed, …), so a long run's start is gone by its
 * end: the tally reads as the run goes, and checks at its stop that it read every entry the stream
 * got since its start (`entries-added`, Redis 7); a queue where it missed some is `null`.
 */
import { Redis } from 'ioredis';
import { QueueNames } from '../../src/queue/index.js';

/** `{ steps: { wave: 600, prepare: 200, … }, orchestrator: { stepResult: …, progress: … } }`. */
export type JobCounts = Record<string, Record<string, number> | null>;

export interface JobTally {
  /** Stop following; the jobs added until `toMs` (inclusive). */
  stop(toMs: number): Promise<JobCounts>;
}

const QUEUES = [QueueNames.steps, QueueNames.orchestrator] as const;
type StreamEntries = [string, [string, string[]][]][];

const idMs = (id: string): number => Number(id.split('-')[0]);

/** `entries-added` and `last-generated-id` of a stream (0 and `0-0` when it does not exist yet). */
async function streamState(redis: Redis, key: string): Promise<{ added: number | undefined; lastId: string }> {
  if (!(await redis.exists(key))) return { added: 0, lastId: '0-0' };
  const info = (await redis.call('XINFO', 'STREAM', key)) as unknown[];
  const field = (name: string): unknown => (info.includes(name) ? info[info.indexOf(name) + 1] : undefined);
  const added = field('entries-added');
  return { added: added === undefined ? undefined : Number(added), lastId: String(field('last-generated-id') ?? '0-0') };
}

/** Follow the steps and orchestrator queues' events streams from now on. */
export async function startJobTally(redisUrl: string, prefix: string): Promise<JobTally> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, connectTimeout: 5_000 });
  const keys = QUEUES.map((q) => `${prefix}:${q}:events`);
  const start = await Promise.all(keys.map((k) => streamState(redis, k)));
  const ids = start.map((s) => s.lastId);
  const read = keys.map(() => 0);
  const added = keys.map(() => [] as { ms: number; name: string }[]);
  let stopping = false;

  const take = (entries: StreamEntries | null): void => {
    for (const [key, list] of entries ?? []) {
      const i = keys.indexOf(key);
      for (const [id, fields] of list) {
        ids[i] = id;
        read[i] = (read[i] ?? 0) + 1;
        const entry = new Map<string, string>();
        for (let f = 0; f + 1 < fields.length; f += 2) entry.set(fields[f] as string, fields[f + 1] as string);
        if (entry.get('event') === 'added') added[i]?.push({ ms: idMs(id), name: entry.get('name') ?? '?' });
      }
    }
  };
  const follow = (async () => {
    while (!stopping) take((await redis.xread('COUNT', 5_000, 'BLOCK', 200, 'STREAMS', ...keys, ...ids)) as StreamEntries | null);
  })();

  return {
    async stop(toMs) {
      stopping = true;
      try {
        await follow;
        // What arrived after the last blocking read.
        for (;;) {
          const more = (await redis.xread('COUNT', 5_000, 'STREAMS', ...keys, ...ids)) as StreamEntries | null;
          if (!more) break;
          take(more);
        }
        const end = await Promise.all(keys.map((k) => streamState(redis, k)));
        const out: JobCounts = {};
        QUEUES.forEach((queue, i) => {
          const before = start[i]?.added;
          const after = end[i]?.added;
          // Without entries-added (Redis < 7) nothing says whether entries were trimmed unread.
          if (before === undefined || after === undefined || after - before !== read[i]) {
            out[queue] = null;
            return;
          }
          const counts: Record<string, number> = {};
          for (const { ms, name } of added[i] ?? []) if (ms <= toMs) counts[name] = (counts[name] ?? 0) + 1;
          out[queue] = counts;
        });
        return out;
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** Jobs per operation in all, or NaN when a queue's count is not known. */
export function jobsPerOperation(counts: JobCounts, operations: number): number {
  let total = 0;
  for (const byName of Object.values(counts)) {
    if (byName === null) return Number.NaN;
    for (const n of Object.values(byName)) total += n;
  }
  return operations > 0 ? total / operations : Number.NaN;
}
