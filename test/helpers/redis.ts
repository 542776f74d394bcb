import { randomUUID } from 'node:crypto';
import { deleteByPrefix } from '../../src/store/index.js';

/** The machine's Redis (CI starts one when none answers). */
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** A unique key prefix per test, so tests never see each other's queues or keys. */
export function testPrefix(): string {
  return `test-${randomUUID().slice(0, 8)}`;
}

/** Delete every key under a prefix (BullMQ queues included). */
export async function cleanPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  await deleteByPrefix(url, prefix);
}
