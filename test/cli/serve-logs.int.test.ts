/**
 * `hookrunner serve` logs one format: the lines of the engine (`role: "serve"`, jsonLogger) and of
 * the API (`role: "api"`, pino) have the same keys in the same order with the same types.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { freePort } from '../../src/engine/index.js';
import { REDIS_URL, cleanPrefix, testPrefix } from '../helpers/redis.js';
import { waitUntilUp } from '../helpers/http.js';

const TOKEN = 'serve-logs-token-0123456789';


/** The keys every line starts with, and their types (the entry's own fields follow, `msg` ends it). */
function frame(entry: Record<string, unknown>): string[] {
  const keys = Object.keys(entry);
  return [...keys.slice(0, 3), keys.at(-1) ?? ''].map((k) => `${k}:${typeof entry[k]}`);
}

describe('hookrunner serve logs', () => {
  it('should write the engine and API lines in one format', async () => {
    const port = await freePort();
    const prefix = testPrefix();
    const controller = new AbortController();
    let stderr = '';
    const running = main(['serve', '--port', String(port), '--host', '127.0.0.1'], {
      stdout: { write: () => true, isTTY: false },
      stderr: { write: (s: string) => (stderr += s) },
      env: { REDIS_URL, HOOKRUNNER_API_TOKEN: TOKEN, HOOKRUNNER_PREFIX: prefix },
      shutdown: controller.signal,
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitUntilUp(url);
      expect((await fetch(`${url}/api/v1/applications`)).status).toBe(401);
    } finally {
      controller.abort();
      expect(await running).toBe(0);
      await cleanPrefix(prefix);
    }
    const lines = stderr.split('\n').filter((l) => l.trim() !== '');
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const serve = entries.filter((e) => e['role'] === 'serve');
    const api = entries.filter((e) => e['role'] === 'api');
    expect(serve.map((e) => e['msg'])).toEqual(expect.arrayContaining(['serve started', 'serve stopping']));
    expect(api.map((e) => e['msg'])).toEqual(expect.arrayContaining(['API listening', 'request']));
    const expected = ['level:number', 'time:number', 'role:string', 'msg:string'];
    for (const entry of entries) expect(frame(entry), JSON.stringify(entry)).toEqual(expected);
    // pino's level numbers on both sides (debug 20, info 30, warn 40, error 50).
    expect(entries.every((e) => typeof e['level'] === 'number' && [20, 30, 40, 50].includes(e['level'] as number))).toBe(true);
  });
});
