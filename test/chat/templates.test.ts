import { describe, expect, it } from 'vitest';
import { renderSyncMessage, shortenLog } from '../../src/chat/index.js';
import type { SlackBlock, SyncContext } from '../../src/chat/index.js';

const SHA = '4f1c2e9a7b3d5f6e8a9b0c1d2e3f4a5b6c7d8e9f';

function blockTexts(blocks: readonly SlackBlock[] | undefined): string {
  return JSON.stringify(blocks ?? []);
}

describe('sync message templates (USER-NEEDS A.1 items 14, 23, 24)', () => {
  it('should render a success with app, revision, operation and duration in every form', () => {
    const ctx: SyncContext = {
      app: 'nginx',
      operationId: 'op-42',
      revision: SHA,
      phase: 'PostSync',
      outcome: 'Succeeded',
      startedAt: new Date('2026-01-02T03:04:05Z'),
      finishedAt: new Date('2026-01-02T03:04:47Z'),
      dashboardUrl: 'https://hookrunner.example/ops/op-42',
    };
    const m = renderSyncMessage(ctx);
    expect(m.text).toBe('✅ nginx: sync succeeded · revision `4f1c2e9` · operation `op-42` · took 42s\nDetails: https://hookrunner.example/ops/op-42');
    expect(m.attachments).toEqual([
      {
        fallback: m.text,
        color: '#2eb886',
        title: 'Open in hookrunner',
        title_link: 'https://hookrunner.example/ops/op-42',
        fields: [
          { title: 'App', value: 'nginx', short: true },
          { title: 'Phase', value: 'PostSync', short: true },
          { title: 'Outcome', value: 'Succeeded', short: true },
          { title: 'Revision', value: '4f1c2e9', short: true },
          { title: 'Operation', value: 'op-42', short: true },
          { title: 'Started', value: '2026-01-02T03:04:05.000Z', short: true },
          { title: 'Duration', value: '42s', short: true },
        ],
        footer: 'hookrunner',
      },
    ]);
    expect(m.blocks?.[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*✅ nginx: sync succeeded*' } });
    expect(m.blocks?.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: '<https://hookrunner.example/ops/op-42|Open in hookrunner> · hookrunner' }] });
  });

  it('should render a failure with the failed tasks, their messages and a short fenced log excerpt', () => {
    const log = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n');
    const m = renderSyncMessage({
      app: 'nginx',
      outcome: 'Failed',
      phase: 'PreSync',
      failedTasks: [{ name: 'Job/health-check-pre-job', phase: 'PreSync', message: 'Job has reached the specified backoff limit', logExcerpt: `${log}\nMattermost is NOT accessible` }],
    });
    expect(m.text).toBe('❌ nginx: sync failed in PreSync\n• Job/health-check-pre-job (PreSync): Job has reached the specified backoff limit');
    const attachment = m.attachments?.[0];
    expect(attachment?.color).toBe('#d50200');
    expect(attachment?.text).toContain('**Job/health-check-pre-job (PreSync)**: Job has reached the specified backoff limit\n```\n…\nline 27\n');
    expect(attachment?.text).toMatch(/Mattermost is NOT accessible\n```$/);
    expect(attachment?.text).not.toContain('line 26\n');
    expect(blockTexts(m.blocks)).toContain('Mattermost is NOT accessible\\n```');
  });

  it('should tolerate missing fields (no revision or operation on early failures) and never print undefined', () => {
    const m = renderSyncMessage({ app: 'nginx', outcome: 'Error', message: 'manifest load failed: pre-job.yaml:3: invalid YAML' });
    expect(m.text).toBe('❌ nginx: sync error\nmanifest load failed: pre-job.yaml:3: invalid YAML');
    expect(m.attachments?.[0]?.fields).toEqual([
      { title: 'App', value: 'nginx', short: true },
      { title: 'Outcome', value: 'Error', short: true },
    ]);
    const all = JSON.stringify(m);
    expect(all).not.toContain('undefined');
    expect(all).not.toContain('null');
    expect(renderSyncMessage({ app: 'x' }).text).toBe('ℹ️ x: sync');
  });

  it('should never include tokens: given secrets and token-shaped strings are redacted everywhere', () => {
    const m = renderSyncMessage(
      {
        app: 'nginx',
        outcome: 'Failed',
        failedTasks: [{ name: 'Job/notify', message: 'auth failed for ot3edzrgw7yrzxtoaxpi7hu4dw', logExcerpt: 'using xoxb-1234-5678-abcdef\nAuthorization: Bearer abcdefghijklmnop\n' }],
      },
      { secrets: ['ot3edzrgw7yrzxtoaxpi7hu4dw'] },
    );
    const all = JSON.stringify(m);
    expect(all).not.toContain('ot3edzrgw7yrzxtoaxpi7hu4dw');
    expect(all).not.toContain('xoxb-1234');
    expect(all).not.toContain('abcdefghijklmnop');
    expect(all).toContain('[REDACTED]');
  });

  it('should keep a log from breaking out of its fence, escape Slack control characters, and count hidden tasks', () => {
    const tasks = Array.from({ length: 7 }, (_, i) => ({ name: `Job/j${i}`, message: 'failed <here> & there', logExcerpt: '```\nescape attempt' }));
    const m = renderSyncMessage({ app: 'a', outcome: 'Failed', failedTasks: tasks });
    expect(m.text.split('\n').at(-1)).toBe('• … and 2 more');
    expect(m.attachments?.[0]?.text).toContain('```\nˋˋˋ\nescape attempt\n```');
    expect(blockTexts(m.blocks)).toContain('failed &lt;here&gt; &amp; there');
    expect(blockTexts(m.blocks)).toContain('… and 2 more failed tasks');
  });

  it('should shorten logs to the last lines and characters', () => {
    expect(shortenLog('a\nb\nc\nd\n', 2, 100)).toBe('…\nc\nd');
    expect(shortenLog('short', 5, 100)).toBe('short');
    expect(shortenLog('x'.repeat(50), 5, 10)).toBe(`…${'x'.repeat(9)}`);
  });
});
