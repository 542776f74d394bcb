import { describe, expect, it } from 'vitest';
import { createLogNotifier, createMemoryIdempotencyStore } from '../../src/chat/index.js';

describe('log notifier', () => {
  it('should write one line per message, replies and updates included, and dedupe by key', async () => {
    let out = '';
    const n = createLogNotifier({ stream: { write: (s: string) => (out += s) }, idempotency: createMemoryIdempotencyStore() });
    const parent = await n.post({ text: 'sync started\nfor nginx' });
    await n.post({ text: 'PreSync ok' }, { threadOf: parent });
    await n.update(parent, { text: 'sync succeeded' });
    await n.post({ text: 'once' }, { idempotencyKey: 'k' });
    await n.post({ text: 'once' }, { idempotencyKey: 'k' });
    expect(out).toBe('notify #1: sync started ⏎ for nginx\nnotify #2 (reply to #1): PreSync ok\nnotify #1 (updated): sync succeeded\nnotify #3: once\n');
    expect(n).toMatchObject({ kind: 'log', destination: 'stdout' });
    await expect(n.update({ kind: 'slack', channelId: 'C1', ts: '1' }, { text: 'x' })).rejects.toThrow('ref: is a slack message reference; this notifier posts to log');
  });
});
