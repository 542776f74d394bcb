import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { WatchEvent } from '../../src/cluster/index.js';
import { consumeWatchStream } from '../../src/cluster/watch-stream.js';
import type { StreamOutcome } from '../../src/cluster/watch-stream.js';

/** Reading one watch response, fed through an in-memory stream. */
interface Run {
  stream: PassThrough;
  controller: AbortController;
  done: Promise<StreamOutcome>;
  events: string[];
  versions: string[];
  warnings: string[];
  idle: number;
}

function read(idleTimeoutMs = 5_000): Run {
  const run: Run = { stream: new PassThrough(), controller: new AbortController(), done: new Promise(() => undefined), events: [], versions: [], warnings: [], idle: 0 };
  run.done = consumeWatchStream(run.stream, {
    controller: run.controller,
    idleTimeoutMs,
    ref: { apiVersion: 'v1', kind: 'ConfigMap' },
    where: 'ConfigMap.v1 in app',
    logger: { debug: () => undefined, info: () => undefined, warn: (m, f) => run.warnings.push(`${m} ${JSON.stringify(f)}`), error: () => undefined },
    observe: (e: WatchEvent) => run.events.push(`${e.type} ${e.object.kind} ${e.object.metadata.name}`),
    onResourceVersion: (rv) => run.versions.push(rv),
    onIdle: () => run.idle++,
  });
  return run;
}

const event = (type: string, name: string, rv: string): string => `${JSON.stringify({ type, object: { metadata: { name, resourceVersion: rv } } })}\n`;

describe('when a watch response streams events', () => {
  it('should observe each event and every resourceVersion, bookmarks included, until the end', async () => {
    const r = read();
    r.stream.write(event('ADDED', 'a', '5'));
    r.stream.write(event('BOOKMARK', '', '6').slice(0, 10)); // a line split across chunks
    r.stream.write(event('BOOKMARK', '', '6').slice(10));
    r.stream.end(`\n${event('DELETED', 'a', '7')}`);
    expect(await r.done).toEqual({ gone: false, productive: true });
    expect(r.events).toEqual(['ADDED ConfigMap a', 'DELETED ConfigMap a']);
    expect(r.versions).toEqual(['5', '6', '7']);
  });

  it('should count a stream of blank lines as unproductive', async () => {
    const r = read();
    r.stream.end('\n\n');
    expect(await r.done).toEqual({ gone: false, productive: false });
  });

  it('should warn about a line that is not JSON and go on', async () => {
    const r = read();
    r.stream.end(`not json\n${event('ADDED', 'a', '5')}`);
    expect(await r.done).toEqual({ gone: false, productive: true });
    expect(r.warnings).toEqual(['watch sent a line that is not JSON {"watch":"ConfigMap.v1 in app","length":8}']);
  });
});

describe('when a watch response carries an ERROR event', () => {
  it('should end the stream as gone on 410', async () => {
    const r = read();
    r.stream.write(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' } })}\n`);
    expect(await r.done).toEqual({ gone: true, productive: false });
    expect(r.controller.signal.aborted).toBe(true);
    expect(r.stream.destroyed).toBe(true);
    expect(r.warnings).toEqual([]);
  });

  it('should warn and end the stream on another error', async () => {
    const r = read();
    r.stream.write(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 500, reason: 'InternalError', message: 'etcd' } })}\n`);
    expect(await r.done).toEqual({ gone: false, productive: false });
    expect(r.warnings[0]).toContain('watch error event {"watch":"ConfigMap.v1 in app","reason":"InternalError","code":500,"message":"etcd"}');
  });
});

describe('when a watch response stops or goes silent', () => {
  it('should drop it after the idle timeout', async () => {
    const r = read(30);
    expect(await r.done).toEqual({ gone: false, productive: false });
    expect(r.idle).toBe(1);
    expect(r.controller.signal.aborted).toBe(true);
  });

  it('should keep it while data arrives', async () => {
    const r = read(60);
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      r.stream.write('\n');
    }
    expect(r.idle).toBe(0);
    r.stream.end();
    await r.done;
    expect(r.idle).toBe(0);
  });

  it('should end when aborted, destroying the stream', async () => {
    const r = read();
    r.stream.write(event('ADDED', 'a', '5'));
    await new Promise((resolve) => setImmediate(resolve));
    r.controller.abort();
    expect(await r.done).toEqual({ gone: false, productive: true });
    expect(r.stream.destroyed).toBe(true);
  });

  it('should end, not crash, when the connection is reset mid-stream', async () => {
    const r = read();
    r.stream.write(event('ADDED', 'a', '5'));
    await new Promise((resolve) => setImmediate(resolve));
    r.stream.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    expect(await r.done).toEqual({ gone: false, productive: true });
    expect(r.events).toEqual(['ADDED ConfigMap a']);
  });
});

describe('when a watch response sends a line that is JSON but not an event', () => {
  it('should warn about a literal null line and go on', async () => {
    const r = read();
    r.stream.write('null\n');
    r.stream.end(event('ADDED', 'b', '6'));
    expect(await r.done).toEqual({ gone: false, productive: true });
    expect(r.events).toEqual(['ADDED ConfigMap b']);
    expect(r.warnings).toHaveLength(1);
  });
});
