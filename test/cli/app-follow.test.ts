/**
 * Following an operation (`app sync --wait`): re-read on each live event, a polling backstop,
 * a deadline, Ctrl-C, a server briefly gone; and the server-sent-event reader under it.
 */
import { describe, expect, it } from 'vitest';
import type { ApiOperationDocument } from '../../src/api/index.js';
import { ApiError, ConnectionError } from '../../src/cli/app/client.js';
import type { ApiClient } from '../../src/cli/app/client.js';
import { followOperation } from '../../src/cli/app/follow.js';
import { parseSseBlock, readSse } from '../../src/cli/app/sse.js';
import type { SseEvent } from '../../src/cli/app/sse.js';

function doc(version: number, phase = 'Running', extra: Partial<ApiOperationDocument['operation']> = {}): ApiOperationDocument {
  return {
    operation: { id: 'op-1', app: 'lab', phase, message: `v${version}`, revision: 'abc', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: null, version, initiatedBy: 'api', retryCount: 0, dryRun: false, kind: 'sync', awaitingConfirmation: null, ...extra },
    resources: [],
    pending: [],
    warnings: [],
  } as unknown as ApiOperationDocument;
}

/** An event stream the test writes to; it ends when the follower aborts. */
function eventStream() {
  const encoder = new TextEncoder();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return {
    stream,
    send: (event: string, data: unknown) => controller?.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)),
    attach(signal: AbortSignal) {
      signal.addEventListener('abort', () => controller?.close());
      return stream;
    },
  };
}

interface FakeOptions {
  /** What each GET of the operation answers, in turn (the last one repeats). */
  answers: (ApiOperationDocument | Error)[];
  events?: (signal: AbortSignal) => Promise<ReadableStream<Uint8Array>>;
}

function fakeClient(options: FakeOptions): { client: ApiClient; gets: () => number } {
  let gets = 0;
  const never = (signal: AbortSignal) => new Promise<ReadableStream<Uint8Array>>((_r, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
  const client: ApiClient = {
    server: 'http://h',
    async get() {
      const answer = options.answers.length > 1 ? options.answers.shift() : options.answers[0];
      gets++;
      if (answer instanceof Error) throw answer;
      return answer;
    },
    post: async () => undefined,
    delete: async () => undefined,
    events: (_path, _query, signal) => (options.events ?? never)(signal),
  };
  return { client, gets: () => gets };
}

const versions = (docs: ApiOperationDocument[]): string[] => docs.map((d) => `${d.operation.version}:${d.operation.phase}`);

describe('hookrunner app: following an operation', () => {
  it('should re-read the operation on ready and on each operation event, and end when it finished', async () => {
    const events = eventStream();
    const { client, gets } = fakeClient({ answers: [doc(2), doc(3, 'Succeeded')], events: async (signal) => events.attach(signal) });
    const seen: ApiOperationDocument[] = [];
    const following = followOperation({ client, initial: doc(1), view: { update: (d) => void seen.push(d) }, timeoutMs: 10_000, pollMs: 60_000 });
    await new Promise((r) => setTimeout(r, 10));
    events.send('ready', {});
    await new Promise((r) => setTimeout(r, 10));
    events.send('operation', { operation: { id: 'op-1', version: 3 } });
    const result = await following;
    expect(result.outcome).toBe('finished');
    expect(versions(seen)).toEqual(['1:Running', '2:Running', '3:Succeeded']);
    expect(gets()).toBe(2);
  });

  it('should poll when live events are refused, saying so once', async () => {
    const warnings: string[] = [];
    const { client } = fakeClient({ answers: [doc(1), doc(2), doc(2, 'Failed')], events: async () => Promise.reject(new ApiError('GET', '/events', 403, { detail: 'the API token is not accepted' }, true)) });
    const result = await followOperation({ client, initial: doc(1), view: { update: () => undefined }, timeoutMs: 10_000, pollMs: 5, warn: (w) => warnings.push(w) });
    expect(result.outcome).toBe('finished');
    expect(result.doc.operation.phase).toBe('Failed');
    expect(warnings).toEqual(['live events are not available (the API token is not accepted); re-reading the operation every few seconds instead']);
  });

  it('should keep trying through a short outage until the deadline, telling when the server is back', async () => {
    const warnings: string[] = [];
    const down = new ConnectionError('cannot reach http://h: connect ECONNREFUSED', 'unreachable');
    const { client } = fakeClient({ answers: [down, down, doc(2, 'Succeeded')] });
    const result = await followOperation({ client, initial: doc(1), view: { update: () => undefined }, timeoutMs: 10_000, pollMs: 5, warn: (w) => warnings.push(w) });
    expect(result.outcome).toBe('finished');
    expect(warnings).toEqual(['cannot reach http://h: connect ECONNREFUSED; still trying until the deadline', 'the server answers again']);
    // Anything else ends the command.
    const gone = fakeClient({ answers: [new ApiError('GET', '/operations/op-1', 404, { detail: 'operation op-1 not found' }, true)] });
    await expect(followOperation({ client: gone.client, initial: doc(1), view: { update: () => undefined }, timeoutMs: 10_000, pollMs: 5 })).rejects.toThrow('operation op-1 not found');
  });

  it('should stop at the deadline and on an abort (Ctrl-C), with the last version seen', async () => {
    const running = fakeClient({ answers: [doc(4)] });
    const late = await followOperation({ client: running.client, initial: doc(1), view: { update: () => undefined }, timeoutMs: 30, pollMs: 5 });
    expect(late.outcome).toBe('deadline');
    expect(late.doc.operation.version).toBe(4);

    const stop = new AbortController();
    const { client, gets } = fakeClient({ answers: [doc(2)] });
    const following = followOperation({ client, initial: doc(1), view: { update: () => undefined }, timeoutMs: 10_000, pollMs: 60_000, signal: stop.signal });
    setTimeout(() => stop.abort(), 10);
    const stopped = await following;
    expect(stopped.outcome).toBe('interrupted');
    expect(gets()).toBe(0);
  });

  it('should tell once that the operation waits for a confirmation', async () => {
    const waiting = doc(2, 'Running', { awaitingConfirmation: { kind: 'pruning', resources: ['/ConfigMap/lab/old'], since: '2026-01-01T00:00:01.000Z' } } as Partial<ApiOperationDocument['operation']>);
    const warnings: string[] = [];
    const { client } = fakeClient({ answers: [waiting, { ...waiting, operation: { ...waiting.operation, version: 3 } }, doc(4, 'Succeeded')] });
    await followOperation({ client, initial: doc(1), view: { update: () => undefined }, timeoutMs: 10_000, pollMs: 5, warn: (w) => warnings.push(w) });
    expect(warnings).toEqual(['operation op-1 waits for a confirmation of pruning (/ConfigMap/lab/old): confirm it with hookrunner app confirm lab, in the dashboard, or with POST /api/v1/operations/op-1/confirm']);
  });
});

describe('hookrunner app: server-sent events', () => {
  it('should parse event, id and multi-line data, skipping comments and blocks without data', () => {
    expect(parseSseBlock('id: op-1:3\nevent: operation\ndata: {"a":\ndata: 1}')).toEqual({ event: 'operation', id: 'op-1:3', data: '{"a":\n1}' });
    expect(parseSseBlock(': ping')).toBeUndefined();
    expect(parseSseBlock('retry: 3000')).toBeUndefined();
    expect(parseSseBlock('data:x')).toEqual({ event: 'message', data: 'x' });
  });

  it('should read blocks split across chunks, with CRLF line ends, until the stream ends', async () => {
    const chunks = ['retry: 3000\r\nevent: re', 'ady\r\ndata: {}\r\n\r\n: ping\n\nevent: operation\ndata: {"v":1}\n', '\nevent: task\ndata: 2\n\n'];
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const chunk of chunks) c.enqueue(new TextEncoder().encode(chunk));
        c.close();
      },
    });
    const events: SseEvent[] = [];
    expect(await readSse({ body, onEvent: (e) => events.push(e) })).toBe('ended');
    expect(events.map((e) => `${e.event}=${e.data}`)).toEqual(['ready={}', 'operation={"v":1}', 'task=2']);
  });

  it('should give up on a stream that sends nothing, not even a heartbeat', async () => {
    const body = new ReadableStream<Uint8Array>({ start: () => undefined });
    expect(await readSse({ body, onEvent: () => undefined, stallMs: 20 })).toBe('stalled');
  });

  it('should stop reading a stream that stays open when its signal aborts (the follower is done)', async () => {
    const body = new ReadableStream<Uint8Array>({ start: () => undefined });
    const stop = new AbortController();
    const reading = readSse({ body, onEvent: () => undefined, signal: stop.signal });
    setTimeout(() => stop.abort(), 10);
    expect(await reading).toBe('ended');
  });
});
