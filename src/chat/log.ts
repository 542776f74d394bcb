import { createNotifier } from './notifier.js';
import type { DeliveryOptions } from './notifier.js';
import { ensureRef } from './provider-options.js';
import type { LogMessageRef, Notifier } from './types.js';

export interface LogNotifierOptions extends Pick<DeliveryOptions, 'idempotency' | 'log'> {
  /** Where lines go. @defaultValue `process.stdout` */
  stream?: { write(text: string): unknown };
  /** Shown as the notifier's destination. @defaultValue `stdout` */
  name?: string;
  /** Prefix of every line. @defaultValue `notify` */
  prefix?: string;
}

/**
 * A {@link Notifier} that writes one line per message: `notify #1: text`, a reply
 * `notify #2 (reply to #1): text`, an update `notify #1 (updated): text`. Newlines in the text
 * become ` ⏎ ` so a message stays one line. For local runs and the embedded demo.
 */
export function createLogNotifier(options: LogNotifierOptions = {}): Notifier {
  const { stream = process.stdout, name = 'stdout', prefix = 'notify' } = options;
  let next = 1;
  const oneLine = (text: string): string => text.replace(/\r?\n/g, ' ⏎ ');
  return createNotifier(
    {
      kind: 'log',
      destination: name,
      send(message, threadOf) {
        const parent = threadOf === undefined ? undefined : ensureRef('threadOf', threadOf, 'log');
        const ref: LogMessageRef = { kind: 'log', id: String(next++) };
        stream.write(`${prefix} #${ref.id}${parent ? ` (reply to #${parent.id})` : ''}: ${oneLine(message.text)}\n`);
        return Promise.resolve(ref);
      },
      edit(ref, message) {
        const target = ensureRef('ref', ref, 'log');
        stream.write(`${prefix} #${target.id} (updated): ${oneLine(message.text)}\n`);
        return Promise.resolve(target);
      },
      check() {
        return Promise.resolve();
      },
    },
    { attempts: 1, ...options },
  );
}
