/**
 * Default sync notifications (docs/semantics.md §16.2): from a {@link SyncContext}, the
 * plain `text` (log provider, Slack fallback, Mattermost post message), Slack blocks and Mattermost
 * attachments. Missing fields are left out, never shown as `undefined`. Log excerpts are short and
 * fenced; tokens are redacted from everything.
 */
import { formatMs } from '../util/index.js';
import { redactSecrets } from './redact.js';
import type { FailedTask, SyncContext } from './sync-context.js';
import type { AttachmentField, ChatAttachment, ChatMessage, SlackBlock } from './types.js';

export interface TemplateOptions {
  /** Failed tasks shown; the rest are counted. @defaultValue 5 */
  maxTasks?: number;
  /** Log lines kept per task (the last ones). @defaultValue 15 */
  maxLogLines?: number;
  /** Characters kept per log excerpt (the last ones). @defaultValue 1200 */
  maxLogChars?: number;
  /** Strings to redact besides anything shaped like a token. @defaultValue none */
  secrets?: readonly string[];
}

const COLORS = { ok: '#2eb886', failed: '#d50200', running: '#439fe0', other: '#daa038' } as const;
/** Slack: a section's text is limited to 3000 characters. */
const SLACK_SECTION_MAX = 3000;
/** Mattermost and Slack both accept far more; this keeps a notice readable. */
const TEXT_MAX = 3500;

/** Build a sync notification in every form. */
export function renderSyncMessage(ctx: SyncContext, options: TemplateOptions = {}): ChatMessage {
  const { maxTasks = 5, maxLogLines = 15, maxLogChars = 1200, secrets = [] } = options;
  const clean = (s: string): string => redactSecrets(s, secrets);
  const tasks = (ctx.failedTasks ?? []).slice(0, maxTasks);
  const hidden = (ctx.failedTasks?.length ?? 0) - tasks.length;
  const excerpt = (task: FailedTask): string | undefined =>
    task.logExcerpt ? clean(shortenLog(task.logExcerpt, maxLogLines, maxLogChars)) : undefined;
  const headline = clean(headlineOf(ctx));
  const details = detailsOf(ctx).map(([k, v]) => `${k} ${clean(v)}`);
  const failureLines = tasks.map((t) => `• ${clean(taskLabel(t))}: ${clean(oneLine(t.message || 'failed'))}`);
  if (hidden > 0) failureLines.push(`• … and ${hidden} more`);
  const message = ctx.message ? clean(oneLine(ctx.message)) : undefined;

  const text = truncate(
    [
      `${headline}${details.length ? ` · ${details.join(' · ')}` : ''}`,
      ...(message && failureLines.length === 0 ? [message] : []),
      ...failureLines,
      ...(ctx.dashboardUrl ? [`Details: ${ctx.dashboardUrl}`] : []),
    ].join('\n'),
    TEXT_MAX,
  );

  const fields: AttachmentField[] = fieldsOf(ctx).map(([title, value]) => ({ title, value: clean(value), short: true }));
  const attachmentText = [
    ...(message ? [message] : []),
    ...tasks.map((t) => {
      const log = excerpt(t);
      return `**${clean(taskLabel(t))}**: ${clean(oneLine(t.message || 'failed'))}${log ? `\n${fence(log)}` : ''}`;
    }),
    ...(hidden > 0 ? [`… and ${hidden} more failed tasks`] : []),
  ].join('\n');
  const attachment: ChatAttachment = {
    fallback: text,
    color: colorOf(ctx),
    ...(ctx.dashboardUrl ? { title: 'Open in hookrunner', title_link: ctx.dashboardUrl } : {}),
    ...(attachmentText ? { text: truncate(attachmentText, TEXT_MAX) } : {}),
    ...(fields.length ? { fields } : {}),
    footer: 'hookrunner',
  };

  const blocks: SlackBlock[] = [mrkdwnSection(`*${slackEscape(headline)}*`)];
  if (fields.length) {
    blocks.push({ type: 'section', fields: fields.map((f) => ({ type: 'mrkdwn', text: truncate(`*${f.title}*\n${slackEscape(f.value)}`, 2000) })) });
  }
  if (message) blocks.push(mrkdwnSection(slackEscape(message)));
  for (const t of tasks) {
    const log = excerpt(t);
    blocks.push(mrkdwnSection(`*${slackEscape(clean(taskLabel(t)))}*: ${slackEscape(clean(oneLine(t.message || 'failed')))}${log ? `\n${fence(slackEscape(log))}` : ''}`));
  }
  if (hidden > 0) blocks.push(mrkdwnSection(`… and ${hidden} more failed tasks`));
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: ctx.dashboardUrl ? `<${ctx.dashboardUrl}|Open in hookrunner> · hookrunner` : 'hookrunner' }],
  });

  return { text, blocks, attachments: [attachment] };
}

function headlineOf(ctx: SyncContext): string {
  const inPhase = ctx.phase ? ` in ${ctx.phase}` : '';
  const what = ctx.kind === 'deletion' ? 'deletion' : 'sync';
  switch (ctx.outcome) {
    case 'Succeeded':
      return `✅ ${ctx.app}: ${what} succeeded`;
    case 'Failed':
      return `❌ ${ctx.app}: ${what} failed${ctx.phase && ctx.phase !== 'SyncFail' ? inPhase : ''}`;
    case 'Error':
      return `❌ ${ctx.app}: ${what} error${ctx.phase && ctx.phase !== 'SyncFail' ? inPhase : ''}`;
    case 'Running':
      return `🔄 ${ctx.app}: ${what} running${ctx.phase ? ` (${ctx.phase})` : ''}`;
    case 'Terminating':
      return `⏹ ${ctx.app}: ${what} terminating`;
    default:
      return `ℹ️ ${ctx.app}: ${what}${ctx.phase ? ` ${ctx.phase}` : ''}`;
  }
}

function durationOf(ctx: SyncContext): number | undefined {
  if (ctx.durationMs !== undefined) return ctx.durationMs;
  if (ctx.startedAt && ctx.finishedAt) return Math.max(0, ctx.finishedAt.getTime() - ctx.startedAt.getTime());
  return undefined;
}

/** The short facts of the headline line. */
function detailsOf(ctx: SyncContext): [string, string][] {
  const out: [string, string][] = [];
  if (ctx.revision) out.push(['revision', `\`${shortRevision(ctx.revision)}\``]);
  if (ctx.operationId) out.push(['operation', `\`${ctx.operationId}\``]);
  const d = durationOf(ctx);
  if (d !== undefined) out.push(['took', formatMs(d)]);
  return out;
}

/** The attachment and block fields. */
function fieldsOf(ctx: SyncContext): [string, string][] {
  const out: [string, string][] = [['App', ctx.app]];
  if (ctx.phase) out.push(['Phase', ctx.phase]);
  if (ctx.outcome) out.push(['Outcome', ctx.outcome]);
  if (ctx.revision) out.push(['Revision', shortRevision(ctx.revision)]);
  if (ctx.operationId) out.push(['Operation', ctx.operationId]);
  if (ctx.startedAt) out.push(['Started', ctx.startedAt.toISOString()]);
  const d = durationOf(ctx);
  if (d !== undefined) out.push(['Duration', formatMs(d)]);
  return out;
}

function colorOf(ctx: SyncContext): string {
  if (ctx.outcome === 'Succeeded') return COLORS.ok;
  if (ctx.outcome === 'Failed' || ctx.outcome === 'Error') return COLORS.failed;
  if (ctx.outcome === 'Running') return COLORS.running;
  return COLORS.other;
}

function taskLabel(task: FailedTask): string {
  return task.phase ? `${task.name} (${task.phase})` : task.name;
}

/** A git SHA is shown by its first 7 characters, anything else (a tag, a branch) as is. */
function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/i.test(revision) ? revision.slice(0, 7) : revision;
}

function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ').trim().slice(0, 500);
}

/** The last `maxLines` lines, at most `maxChars` characters, each line at most 300. */
export function shortenLog(log: string, maxLines: number, maxChars: number): string {
  const lines = log.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  let kept = lines.slice(-maxLines).map((l) => (l.length > 300 ? `${l.slice(0, 299)}…` : l));
  let out = kept.join('\n');
  while (out.length > maxChars && kept.length > 1) {
    kept = kept.slice(1);
    out = kept.join('\n');
  }
  if (out.length > maxChars) out = `…${out.slice(out.length - maxChars + 1)}`;
  return kept.length < lines.length ? `…\n${out}` : out;
}

/** A code fence that the excerpt cannot break out of. */
function fence(text: string): string {
  return '```\n' + text.replace(/```/g, 'ˋˋˋ') + '\n```';
}

function mrkdwnSection(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_SECTION_MAX) } };
}

/** Slack mrkdwn control characters (api.slack.com "Formatting text"). */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const kept = `${text.slice(0, max - 5)}…`;
  return (kept.match(/```/g)?.length ?? 0) % 2 === 1 ? `${kept}\n\`\`\`` : kept;
}
