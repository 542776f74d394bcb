/**
 * Reading one answer of the API server: decompressed when it came gzipped (requests offer
 * `Accept-Encoding: gzip`; the API server compresses answers over 128 KB, large LISTs), and
 * bounded: a success body past `maxBytes` (counted after decompression, so a small compressed
 * answer cannot expand without limit) stops the read; an error body is kept to its first 64 KiB.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** The part of a failure answer kept (a `Status` is small; the rest is noise). */
export const ERROR_BODY_BYTES = 65_536;

/** Each header's first value (what `KubeApiError.fromResponse` reads). */
export function firstHeaders(res: IncomingMessage): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(res.headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) flat[key] = first;
  }
  return flat;
}

export interface AnswerHandlers {
  /** The whole body, decompressed, as UTF-8 text. */
  onText(text: string): void;
  /** A success body grew past `maxBytes` (`size`: bytes seen so far): nothing more is read. */
  onTooLarge(size: number): void;
  /** The gzip stream was corrupt. */
  onError(err: Error): void;
}

/** Read `res`'s body (see the module comment); exactly one handler is called, unless the connection fails first (the caller watches `res` for that). */
export function readAnswer(res: IncomingMessage, maxBytes: number, handlers: AnswerHandlers): void {
  const code = res.statusCode ?? 0;
  const success = code >= 200 && code < 300;
  const cap = success ? maxBytes : ERROR_BODY_BYTES;
  const gzipped = String(res.headers['content-encoding'] ?? '').trim().toLowerCase() === 'gzip';
  const body: Readable = gzipped ? res.pipe(createGunzip()) : res;
  const chunks: Buffer[] = [];
  let size = 0;
  let stopped = false;
  body.on('data', (chunk: Buffer) => {
    if (stopped) return;
    if (size + chunk.length <= cap) {
      chunks.push(chunk);
      size += chunk.length;
    } else if (success) {
      stopped = true;
      handlers.onTooLarge(size + chunk.length);
    } else if (size < cap) {
      chunks.push(chunk.subarray(0, cap - size));
      size = cap;
    }
  });
  if (gzipped) {
    let compressed = 0;
    res.on('data', (chunk: Buffer) => void (compressed += chunk.length));
    body.on('error', (err: Error) => {
      if (stopped) return;
      stopped = true;
      // An empty body marked gzip (nothing to decompress) is an empty answer, not a corrupt one.
      if (compressed === 0 && res.complete) handlers.onText('');
      else handlers.onError(err);
    });
  }
  body.on('end', () => {
    if (!stopped) handlers.onText(Buffer.concat(chunks).toString('utf8'));
  });
}
