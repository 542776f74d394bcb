/** A small server-sent-events reader over fetch, for tests: collects events, waits for one matching a predicate. */
import { DeadlineExceededError } from '../../src/util/index.js';

export interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
}

export interface SseStream {
  status: number;
  events: SseEvent[];
  /** Comment lines received (heartbeats). */
  readonly comments: number;
  /** Resolve with the first event (already received or coming) that matches; fail after `timeoutMs`, naming the last event seen. */
  waitFor(predicate: (e: SseEvent) => boolean, what: string, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let comments = 0;
  let ended: Promise<void> = Promise.resolve();
  if (res.ok && res.body) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    ended = (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const e: { event: string; id?: string; data: string[] } = { event: 'message', data: [] };
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments++;
              if (line.startsWith(':') || line === '') continue;
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'event') e.event = text;
              else if (field === 'id') e.id = text;
              else if (field === 'data') e.data.push(text);
            }
            if (e.data.length === 0) continue;
            events.push({ event: e.event, ...(e.id ? { id: e.id } : {}), data: JSON.parse(e.data.join('\n')) as unknown });
            for (const w of waiters) w();
          }
        }
      } catch {
        // aborted by close()
      }
    })();
  }
  return {
    status: res.status,
    events,
    ended,
    get comments() {
      return comments;
    },
    waitFor(predicate, what, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const check = (): boolean => {
          const found = events.find(predicate);
          if (found) {
            waiters.delete(onEvent);
            clearTimeout(timer);
            resolve(found);
          }
          return found !== undefined;
        };
        const onEvent = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(onEvent);
          const last = events.at(-1);
          reject(new DeadlineExceededError(what, Date.now() - started, last ? `${last.event} ${JSON.stringify(last.data).slice(0, 300)}` : 'no event'));
        }, timeoutMs);
        waiters.add(onEvent);
        check();
      });
    },
    close() {
      controller.abort();
    },
  };
}
