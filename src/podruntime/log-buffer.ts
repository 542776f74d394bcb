/**
 * One container instance's log: stdout and stderr lines with the time each arrived, bounded
 * in bytes (the oldest lines are dropped), with followers for `follow=true`.
 */
import { nowRfc3339Nano } from '../util/time.js';

export interface LogLine {
  /** RFC 3339 with nanosecond digits. */
  time: string;
  /** Milliseconds since the epoch (for `sinceSeconds`). */
  ms: number;
  /** The line with its trailing newline (the last line of a finished log may lack it). */
  text: string;
}

export interface LogReadOptions {
  tailLines?: number;
  limitBytes?: number;
  timestamps?: boolean;
  sinceSeconds?: number;
}

export class LogBuffer {
  private lines: LogLine[] = [];
  private head = 0;
  private bytes = 0;
  private pending = '';
  private pendingMs = 0;
  private ended = false;
  private readonly followers = new Set<(line: LogLine | undefined) => void>();

  /** @param maxBytes Bytes kept; older lines are dropped. */
  constructor(private readonly maxBytes: number) {}

  get isEnded(): boolean {
    return this.ended;
  }

  append(chunk: Buffer | string, now: number = Date.now()): void {
    if (this.ended) return;
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (this.pending === '') this.pendingMs = now;
    let data = this.pending + text;
    let nl = data.indexOf('\n');
    while (nl >= 0) {
      this.push({ ms: this.pendingMs, time: nowRfc3339Nano(new Date(this.pendingMs)), text: data.slice(0, nl + 1) });
      data = data.slice(nl + 1);
      this.pendingMs = now;
      nl = data.indexOf('\n');
    }
    this.pending = data;
  }

  /** The instance ended: flush a partial last line and release followers. */
  end(): void {
    if (this.ended) return;
    if (this.pending) this.push({ ms: this.pendingMs, time: nowRfc3339Nano(new Date(this.pendingMs)), text: this.pending });
    this.pending = '';
    this.ended = true;
    for (const f of [...this.followers]) f(undefined);
    this.followers.clear();
  }

  /** All kept lines, oldest first. */
  all(): LogLine[] {
    return this.lines.slice(this.head);
  }

  /** The kept log as one string (no timestamps). */
  text(): string {
    return this.all()
      .map((l) => l.text)
      .join('');
  }

  /** The last `n` bytes or lines of output, whichever is smaller (a termination message). */
  tail(maxLines: number, maxBytes: number): string {
    const text = this.all()
      .slice(-maxLines)
      .map((l) => l.text)
      .join('');
    return text.length > maxBytes ? text.slice(text.length - maxBytes) : text;
  }

  /** Lines as `kubectl logs` reads them (tail, since, timestamps), before `limitBytes`. */
  select(options: LogReadOptions, now: number = Date.now()): LogLine[] {
    let lines = this.all();
    const since = options.sinceSeconds;
    if (since !== undefined) lines = lines.filter((l) => l.ms >= now - since * 1000);
    if (options.tailLines !== undefined) lines = options.tailLines <= 0 ? [] : lines.slice(-options.tailLines);
    return lines;
  }

  /** Follow new lines; the listener gets `undefined` when the log ends. Returns an unsubscribe function. */
  follow(listener: (line: LogLine | undefined) => void): () => void {
    if (this.ended) {
      listener(undefined);
      return () => undefined;
    }
    this.followers.add(listener);
    return () => this.followers.delete(listener);
  }

  private push(line: LogLine): void {
    this.lines.push(line);
    this.bytes += line.text.length;
    while (this.bytes > this.maxBytes && this.head < this.lines.length) {
      this.bytes -= this.lines[this.head]?.text.length ?? 0;
      this.head++;
    }
    if (this.head > 1024 && this.head > this.lines.length / 2) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
    for (const f of this.followers) f(line);
  }
}

/** Render lines for output, with optional timestamps, cut to `limitBytes`. */
export function renderLines(lines: readonly LogLine[], options: LogReadOptions): string {
  let out = lines.map((l) => (options.timestamps ? `${l.time} ${l.text}` : l.text)).join('');
  if (options.limitBytes !== undefined && Buffer.byteLength(out) > options.limitBytes) {
    out = Buffer.from(out).subarray(0, Math.max(0, options.limitBytes)).toString('utf8');
  }
  return out;
}
