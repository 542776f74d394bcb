/**
 * Server-sent events from `GET /api/v1/events` (src/api/event-hub.ts): `event:`/`id:`/`data:`
 * lines, blocks ended by a blank line, `:` comments (the 15 s heartbeat). Read over fetch, so the
 * token stays in the Authorization header (the server takes no token in a URL).
 */

export interface SseEvent {
  event: string;
  id?: string;
  /** The `data:` lines joined; JSON from this server. */
  data: string;
}

/** One event block, or undefined for a block without data (comments, `retry:`). */
export function parseSseBlock(block: string): SseEvent | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'event') event = value;
    else if (name === 'id') id = value;
    else if (name === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  return { event, ...(id !== undefined ? { id } : {}), data: data.join('\n') };
}

export interface ReadSseOptions {
  body: ReadableStream<Uint8Array>;
  onEvent: (event: SseEvent) => void;
  /** Nothing at all (not even a heartbeat) for this long: the stream is dead; stop reading. @defaultValue 45_000 */
  stallMs?: number;
  /** Stop reading when it aborts (the read ends as 'ended'); the fetch's own abort may not reach a body already being read. */
  signal?: AbortSignal;
}

/** Read events until the stream ends, stalls or is aborted; resolves with why it stopped. */
export async function readSse(options: ReadSseOptions): Promise<'ended' | 'stalled'> {
  const { body, onEvent, stallMs = 45_000, signal } = options;
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const onAbort = (): void => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  let buffer = '';
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      void reader.cancel().catch(() => undefined);
    }, stallMs);
  };
  try {
    arm();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return stalled ? 'stalled' : 'ended';
      arm();
      buffer += value;
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        const event = parseSseBlock(block);
        if (event) onEvent(event);
      }
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
}
