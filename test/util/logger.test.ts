/**
 * One log format per process: `jsonLogger` (the engine, workers, git cache) writes the same lines
 * as the pino logger of the API (`hookrunner serve`): `{"level":30,"time":<ms>,"role":…,…,"msg":…}`.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalescingWriter, jsonLogger } from '../../src/util/index.js';

function sink(): { lines: string[]; write: (s: string) => void } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}

const parsed = (line: string | undefined): Record<string, unknown> => JSON.parse(line ?? 'null') as Record<string, unknown>;
const shape = (entry: Record<string, unknown>): string[] => Object.entries(entry).map(([k, v]) => `${k}:${typeof v}`);

describe('jsonLogger', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should write the same line as the API logger of hookrunner serve (pino, base { role })', () => {
    // As src/cli/serve.ts makes the API's logger.
    const api = sink();
    pino({ level: 'info', base: { role: 'api' } }, { write: api.write }).info({ url: 'http://127.0.0.1:8080', tokens: 1 }, 'API listening');
    const ours = sink();
    jsonLogger({ level: 'info', stream: ours, base: { role: 'api' } }).info('API listening', { url: 'http://127.0.0.1:8080', tokens: 1 });
    expect(ours.lines).toEqual(api.lines);
    expect(ours.lines[0]).toBe(`{"level":30,"time":${Date.parse('2026-01-01T00:00:00Z')},"role":"api","url":"http://127.0.0.1:8080","tokens":1,"msg":"API listening"}\n`);
  });

  it('should give a line of each producer the same keys, in the same order, with the same types', () => {
    const api = sink();
    pino({ level: 'info', base: { role: 'api' } }, { write: api.write }).info({ reqId: 'r1', status: 200 }, 'request');
    const serve = sink();
    jsonLogger({ level: 'info', stream: serve, base: { role: 'serve' } }).info('serve started', { reqId: 'r2', status: 1 });
    expect(shape(parsed(serve.lines[0]))).toEqual(shape(parsed(api.lines[0])));
    expect(shape(parsed(serve.lines[0]))).toEqual(['level:number', 'time:number', 'role:string', 'reqId:string', 'status:number', 'msg:string']);
  });

  it('should use pino level numbers and drop entries below the level', () => {
    const out = sink();
    const log = jsonLogger({ level: 'debug', stream: out, base: { role: 'worker' } });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(out.lines.map((l) => [parsed(l)['level'], parsed(l)['msg']])).toEqual([
      [20, 'd'],
      [30, 'i'],
      [40, 'w'],
      [50, 'e'],
    ]);
    const warnOnly = sink();
    const quiet = jsonLogger({ level: 'warn', stream: warnOnly });
    quiet.info('dropped');
    quiet.warn('kept');
    expect(warnOnly.lines.map((l) => parsed(l)['msg'])).toEqual(['kept']);
    const silent = sink();
    jsonLogger({ level: 'silent', stream: silent }).error('never');
    expect(silent.lines).toEqual([]);
  });

  it('should carry pid and hostname without a base, as pino does', () => {
    const api = sink();
    pino({}, { write: api.write }).info('x');
    const ours = sink();
    jsonLogger({ stream: ours }).info('x');
    expect(ours.lines).toEqual(api.lines);
    expect(Object.keys(parsed(ours.lines[0]))).toEqual(['level', 'time', 'pid', 'hostname', 'msg']);
  });

  it('should write an Error under err as type, message and stack', () => {
    const out = sink();
    jsonLogger({ stream: out, base: { role: 'serve' } }).error('serve failed', { err: new Error('boom') });
    expect(parsed(out.lines[0])['err']).toMatchObject({ type: 'Error', message: 'boom' });
  });
});

describe('coalescingWriter (the long-lived roles\' stderr)', () => {
  it('should write the lines of one event-loop turn in one write, in order, at the next turn, whoever wrote them', async () => {
    const writes: string[] = [];
    const stderr = coalescingWriter({ write: (s: string) => writes.push(s) });
    const logger = jsonLogger({ stream: stderr, base: { role: 'worker' } });
    logger.info('one');
    stderr.write('hookrunner worker: a direct line\n');
    logger.error('three');
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(writes).toHaveLength(1);
    const lines = (writes[0] ?? '').trimEnd().split('\n');
    expect(lines[1]).toBe('hookrunner worker: a direct line');
    expect([lines[0], lines[2]].map((l) => (JSON.parse(l ?? '') as { msg: string }).msg)).toEqual(['one', 'three']);
  });

  it('should write at once on flush(), and once 64 Ki characters wait', async () => {
    const writes: string[] = [];
    const stderr = coalescingWriter({ write: (s: string) => writes.push(s) });
    const logger = jsonLogger({ stream: stderr });
    logger.info('now');
    stderr.flush();
    expect(writes).toHaveLength(1);
    stderr.flush();
    expect(writes).toHaveLength(1);
    const big = 'x'.repeat(20_000);
    for (let i = 0; i < 4; i++) logger.info(big);
    expect(writes).toHaveLength(2); // the fourth line passed 64 Ki characters
    await new Promise((r) => setImmediate(r));
    expect(writes).toHaveLength(2);
    expect(writes.join('').split('\n').filter(Boolean)).toHaveLength(5);
  });
});

describe('coalescingWriter at process exit', () => {
  it('should write what waits when the process exits, even by process.exit', async () => {
    const { spawnSync } = await import('node:child_process');
    const { join } = await import('node:path');
    const script = `import { coalescingWriter, jsonLogger } from ${JSON.stringify(join(import.meta.dirname, '../../src/util/index.js'))}; const l = jsonLogger({ stream: coalescingWriter(process.stderr) }); l.info('last words'); process.exit(3);`;
    const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(out.status).toBe(3);
    expect(out.stderr).toContain('"msg":"last words"');
  });
});
