/** A local Slack Web API server (the methods hookrunner uses), form-encoded like the real one. */
import type { ServerResponse } from 'node:http';
import { bearer, serve } from './server.js';
import type { Base, Fault } from './server.js';

export type SlackMethod = 'auth.test' | 'chat.postMessage' | 'chat.update' | 'conversations.info';

export interface SlackMessage {
  /** Channel ID. */
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  thread_ts?: string;
  /** How many times `chat.update` changed it. */
  updates: number;
}

export interface SlackServerOptions {
  /** The bot token; another gets `invalid_auth`, none `not_authed`. */
  token: string;
  /** Channel names (IDs are made up: see `channelId`), or name → ID. */
  channels: string[] | Record<string, string>;
  /** Channel names the bot is not in (`not_in_channel`). */
  notMemberOf?: string[];
  /** Archived channel names (`is_archived`). */
  archived?: string[];
  /** Port on 127.0.0.1. @defaultValue 0 (any free port) */
  port?: number;
}

export interface SlackServer extends Base {
  /** The `slackApiUrl` to give the client: `http://127.0.0.1:<port>/api/`. */
  apiUrl: string;
  /** Messages received, threads and updates applied. */
  messages: SlackMessage[];
  channelId(name: string): string;
  fail(method: SlackMethod, ...faults: Fault[]): void;
}

export async function startSlackServer(options: SlackServerOptions): Promise<SlackServer> {
  const { token, notMemberOf = [], archived = [] } = options;
  const ids = new Map<string, string>(
    Array.isArray(options.channels) ? options.channels.map((name, i) => [name, `C${String(i + 1).padStart(3, '0')}${name.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 8)}`]) : Object.entries(options.channels),
  );
  const nameOf = (id: string): string | undefined => [...ids.entries()].find(([, v]) => v === id)?.[0];
  const messages: SlackMessage[] = [];
  let seq = 0;
  const epoch = Math.floor(Date.now() / 1000);

  const send = (res: ServerResponse, body: Record<string, unknown>): void => void res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));

  const served = await serve({
    flavor: 'slack',
    port: options.port,
    endpointOf: (_method, path) => (path.startsWith('/api/') ? path.slice(5) : path),
    handle(req, body, res, method) {
      const args = parseArgs(body);
      const given = bearer(req) ?? (typeof args['token'] === 'string' ? args['token'] : undefined);
      if (given === undefined) send(res, { ok: false, error: 'not_authed' });
      else if (given !== token) send(res, { ok: false, error: 'invalid_auth' });
      else send(res, handleSlack(method, args));
    },
  });

  function resolve(channel: unknown, namesAllowed: boolean): { id: string; name: string } | undefined {
    if (typeof channel !== 'string') return undefined;
    const byName = namesAllowed ? ids.get(channel.replace(/^#/, '')) : undefined;
    const id = byName ?? (nameOf(channel) !== undefined ? channel : undefined);
    const name = id ? nameOf(id) : undefined;
    return id && name ? { id, name } : undefined;
  }

  function handleSlack(method: string, args: Record<string, unknown>): Record<string, unknown> {
    if (method === 'auth.test') return { ok: true, url: 'https://hookrunner-test.slack.com/', team: 'Test', user: 'hookrunner', team_id: 'T0TEST', user_id: 'U0BOT', bot_id: 'B0BOT' };
    if (method === 'conversations.info') {
      const channel = resolve(args['channel'], false);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      return { ok: true, channel: { id: channel.id, name: channel.name, is_archived: archived.includes(channel.name), is_member: !notMemberOf.includes(channel.name) } };
    }
    if (method === 'chat.postMessage') {
      const channel = resolve(args['channel'], true);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      if (archived.includes(channel.name)) return { ok: false, error: 'is_archived' };
      if (notMemberOf.includes(channel.name)) return { ok: false, error: 'not_in_channel' };
      const text = typeof args['text'] === 'string' ? args['text'] : '';
      if (!text && !Array.isArray(args['blocks'])) return { ok: false, error: 'no_text' };
      if (text.length > 40_000) return { ok: false, error: 'msg_too_long' };
      seq += 1;
      const message: SlackMessage = {
        channel: channel.id,
        ts: `${epoch}.${String(seq).padStart(6, '0')}`,
        text,
        updates: 0,
        ...(Array.isArray(args['blocks']) ? { blocks: args['blocks'] } : {}),
        ...(Array.isArray(args['attachments']) ? { attachments: args['attachments'] } : {}),
        ...(typeof args['thread_ts'] === 'string' ? { thread_ts: args['thread_ts'] } : {}),
      };
      messages.push(message);
      return { ok: true, channel: channel.id, ts: message.ts, message: { type: 'message', text, ts: message.ts, ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}) } };
    }
    if (method === 'chat.update') {
      const channel = resolve(args['channel'], false);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      const message = messages.find((m) => m.channel === channel.id && m.ts === args['ts']);
      if (!message) return { ok: false, error: 'message_not_found' };
      if (typeof args['text'] === 'string') message.text = args['text'];
      if (Array.isArray(args['blocks'])) {
        if (args['blocks'].length === 0) delete message.blocks;
        else message.blocks = args['blocks'];
      }
      message.updates += 1;
      return { ok: true, channel: channel.id, ts: message.ts, text: message.text };
    }
    return { ok: false, error: 'unknown_method' };
  }

  return {
    ...served.base,
    apiUrl: `${served.base.url}/api/`,
    messages,
    channelId(name) {
      const id = ids.get(name);
      if (!id) throw new Error(`no channel ${name} on this server`);
      return id;
    },
    fail: (method, ...list) => served.fail(method, list),
  };
}

/** Form-encoded arguments, as WebClient sends them; objects such as `blocks` arrive JSON-stringified. */
function parseArgs(raw: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    let parsed: unknown = value;
    if ((key === 'blocks' || key === 'attachments') && value.startsWith('[')) {
      try {
        parsed = JSON.parse(value) as unknown;
      } catch {
        parsed = value;
      }
    }
    out[key] = parsed;
  }
  return out;
}

