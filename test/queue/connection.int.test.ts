/**
 * Issue 14 item 3: a Redis client's errors are JSON log lines, one per change of state (not one
 * per reconnect attempt), naming Redis by host:port and never its password; its duplicates
 * (BullMQ's blocking connections, subscriptions) are watched the same way.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freePort, redisAnswers } from '../../src/engine/index.js';
import { closeRedis, redisConnection } from '../../src/queue/index.js';
import type { Logger } from '../../src/util/index.js';

const PASSWORD = 'connection-test-pw-8d2a';

interface Line {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

function capture(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>): void => void lines.push({ level, message, ...(fields ? { fields } : {}) });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('redisConnection logging', () => {
  it('should log one line while Redis stays down and one when it is back, for a client and its duplicate', async () => {
    const port = await freePort();
    const { logger, lines } = capture();
    const client = redisConnection(`redis://:${PASSWORD}@127.0.0.1:${port}`, 'worker', { logger });
    const sub = client.duplicate();
    let attempts = 0;
    sub.on('error', () => attempts++);
    let redis: ChildProcess | undefined;
    try {
      await until('three failed connection attempts of the duplicate', () => attempts >= 3);
      const down = `connect ECONNREFUSED 127.0.0.1:${port}`;
      expect(lines).toEqual([{ level: 'warn', message: `Redis unreachable: ${down}`, fields: { redis: `127.0.0.1:${port}`, error: down } }]);
      redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', PASSWORD], { stdio: 'ignore' });
      await until('redis-server', () => redisAnswers(`redis://:${PASSWORD}@127.0.0.1:${port}`, 500));
      await until('both clients ready', () => client.status === 'ready' && sub.status === 'ready');
      expect(lines.map((l) => l.message)).toEqual([`Redis unreachable: ${down}`, 'Redis reachable again']);
      expect(JSON.stringify(lines)).not.toContain(PASSWORD);
    } finally {
      await closeRedis(sub);
      await closeRedis(client);
      redis?.kill('SIGKILL');
    }
  }, 60_000);
});
