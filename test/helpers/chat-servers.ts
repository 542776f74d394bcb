/**
 * Local chat servers for tests: the Mattermost API v4 and Slack Web API endpoints hookrunner uses,
 * spoken over real HTTP (node `http`, port 0) so the real `@mattermost/client` and
 * `@slack/web-api` clients run on the wire (APIS.md §C). Each records what it received (with
 * arrival times) and can be told to fail: 429 with `Retry-After`, a status, a Slack platform error,
 * or never answering.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A scripted failure, used once per request, in the order given to `fail`. */
export type Fault =
  /** 429. Mattermost: plain-text `limit exceeded` with `Retry-After` and `X-RateLimit-*`; Slack: `{ok:false,error:'ratelimited'}`. */
  | { type: 'rateLimit'; retryAfterSec?: number }
  /** An HTTP error status with a JSON (Mattermost) or text (Slack) body. */
  | { type: 'status'; status: number }
  /** Slack only: HTTP 200 with `{ ok: false, error }`. */
  | { type: 'platformError'; error: string }
  /** Accept the request and never answer (until `close()`). */
  | { type: 'hang' };

export interface RecordedRequest {
  /** `users/me`, `channel`, `members/me`, `posts`, `patch`, `root`; Slack: the method, e.g. `chat.postMessage`. */
  endpoint: string;
  method: string;
  path: string;
  /** Arrival time, `performance.now()` of the test process. */
  at: number;
  /** The status answered, or `hang`. */
  status: number | 'hang';
}

interface Base {
  /** `http://127.0.0.1:<port>` */
  url: string;
  host: string;
  port: number;
  requests: RecordedRequest[];
  /** Destroys open connections (also hanging requests) and stops listening. */
  close(): Promise<void>;
}

interface Served {
  base: Base;
  fail(endpoint: string, faults: Fault[]): void;
}

/**
 * An HTTP server on 127.0.0.1, port 0, that records every request, answers scripted faults per
 * endpoint (in order), and hands the rest to `handle`.
 */
async function serve(options: {
  flavor: 'mattermost' | 'slack';
  port: number | undefined;
  endpointOf(method: string, path: string): string;
  handle(req: IncomingMessage, body: string, res: ServerResponse, endpoint: string): void;
}): Promise<Served> {
  const requests: RecordedRequest[] = [];
  const faults = new Map<string, Fault[]>();
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const endpoint = options.endpointOf(req.method ?? 'GET', path);
      const record: RecordedRequest = { endpoint, method: req.method ?? '', path, at: performance.now(), status: 0 };
      requests.push(record);
      res.on('finish', () => (record.status = res.statusCode));
      const body = await readBody(req);
      if (!applyFault(faults.get(endpoint)?.shift(), res, record, options.flavor)) options.handle(req, body, res, endpoint);
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    base: { host: '127.0.0.1', port, url: `http://127.0.0.1:${port}`, requests, close },
    fail: (endpoint, list) => faults.set(endpoint, [...(faults.get(endpoint) ?? []), ...list]),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const m = header ? /^bearer\s+(.+)$/i.exec(header) : null;
  return m?.[1];
}

/** Answer with the scripted fault, if any; true when the request is dealt with. */
function applyFault(fault: Fault | undefined, res: ServerResponse, record: RecordedRequest, flavor: 'mattermost' | 'slack'): boolean {
  const mm = flavor === 'mattermost';
  if (fault?.type === 'hang') record.status = 'hang';
  else if (fault?.type === 'rateLimit') {
    const after = String(fault.retryAfterSec ?? 1);
    // Mattermost's limiter answers plain text, which Client4 cannot read (APIS.md §C.1 pitfall 1).
    if (mm) res.writeHead(429, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': after, 'X-RateLimit-Limit': '10', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': after }).end('limit exceeded\n');
    else res.writeHead(429, { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': after }).end(JSON.stringify({ ok: false, error: 'ratelimited' }));
  } else if (fault?.type === 'platformError' && !mm) {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify({ ok: false, error: fault.error }));
  } else if (fault) {
    const status = fault.type === 'status' ? fault.status : 500;
    const body = { id: 'app.test.injected_fault.app_error', message: `injected fault ${status}`, detailed_error: '', request_id: 'req-test', status_code: status };
    if (mm) res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    else res.writeHead(status, { 'Content-Type': 'text/plain' }).end(`injected fault ${status}`);
  }
  return fault !== undefined;
}

// ---------------------------------------------------------------- Mattermost

export type MattermostEndpoint = 'users/me' | 'channel' | 'members/me' | 'posts' | 'patch';

export interface MattermostPost {
  id: string;
  channel_id: string;
  user_id: string;
  /** `team/channel` */
  channel: string;
  message: string;
  root_id: string;
  props: Record<string, unknown>;
  create_at: number;
  update_at: number;
  /** How many times the post was patched. */
  patches: number;
}

export interface MattermostServerOptions {
  /** The bot's token; any other bearer gets 401. */
  token: string;
  /** Team name → channel names. */
  teams: Record<string, string[]>;
  /** `team/channel` entries the bot is not a member of (posting gets 403 `api.context.permissions.app_error`). */
  notMemberOf?: string[];
  /** Content-Type of JSON answers. Real Mattermost sends exactly this; anything else makes Client4 return raw text. @defaultValue `application/json` */
  jsonContentType?: string;
  /** Port on 127.0.0.1, e.g. 8065 for the lab's manifests unchanged. @defaultValue 0 (any free port) */
  port?: number;
}

export interface MattermostServer extends Base {
  /** Posts received, threads (`root_id`) and patches applied. */
  posts: MattermostPost[];
  channelId(team: string, channel: string): string;
  fail(endpoint: MattermostEndpoint, ...faults: Fault[]): void;
}

export async function startMattermostServer(options: MattermostServerOptions): Promise<MattermostServer> {
  const { token, teams, notMemberOf = [], jsonContentType = 'application/json' } = options;
  const channels = new Map<string, { id: string; team: string; name: string }>();
  for (const [team, names] of Object.entries(teams)) {
    for (const name of names) channels.set(`${team}/${name}`, { id: `ch${channels.size + 1}${name.replace(/[^a-z0-9]/gi, '').slice(0, 16)}`, team, name });
  }
  const byId = (id: string): { id: string; team: string; name: string } | undefined => [...channels.values()].find((c) => c.id === id);
  const isMember = (key: string): boolean => !notMemberOf.includes(key);
  const posts: MattermostPost[] = [];
  let nextPost = 1;

  const json = (res: ServerResponse, status: number, body: unknown): void => void res.writeHead(status, { 'Content-Type': jsonContentType }).end(JSON.stringify(body));
  const appError = (res: ServerResponse, status: number, id: string, message: string): void =>
    json(res, status, { id, message, detailed_error: '', request_id: 'req-test', status_code: status });

  const served = await serve({
    flavor: 'mattermost',
    port: options.port,
    endpointOf: (method, path) => matchMattermost(method, path)?.endpoint ?? (path === '/' && method === 'GET' ? 'root' : 'other'),
    handle(req, body, res, endpoint) {
      const route = matchMattermost(req.method ?? 'GET', (req.url ?? '/').split('?')[0] ?? '/');
      if (endpoint === 'root') {
        res.setHeader('Content-Type', 'text/html');
        res.end('<!doctype html><title>Mattermost</title>');
      } else if (!route) appError(res, 404, 'api.context.404.app_error', 'Sorry, we could not find the page.');
      else if (bearer(req) !== token) appError(res, 401, 'api.context.session_expired.app_error', 'Invalid or expired session, please login again.');
      else handleMattermost(route, body, res);
    },
  });

  function handleMattermost(route: MattermostRoute, body: string, res: ServerResponse): void {
    if (route.endpoint === 'users/me') {
      json(res, 200, { id: 'botuserid', username: 'hookrunner-bot', is_bot: true });
      return;
    }
    if (route.endpoint === 'channel') {
      const [team = '', name = ''] = route.params;
      if (!(team in teams)) return appError(res, 404, 'app.team.get_by_name.missing.app_error', 'Unable to find the existing team.');
      const channel = channels.get(`${team}/${name}`);
      if (!channel) return appError(res, 404, 'app.channel.get_by_name.missing.app_error', 'Unable to find the existing channel.');
      json(res, 200, { id: channel.id, name: channel.name, display_name: channel.name, team_id: `team-${team}`, type: 'O', delete_at: 0 });
      return;
    }
    if (route.endpoint === 'members/me') {
      const channel = byId(route.params[0] ?? '');
      if (!channel || !isMember(`${channel.team}/${channel.name}`)) return appError(res, 404, 'app.channel.get_member.missing.app_error', 'No channel member found for that user ID and channel ID.');
      json(res, 200, { channel_id: channel.id, user_id: 'botuserid', roles: 'channel_user' });
      return;
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return appError(res, 400, 'api.context.invalid_body_param.app_error', 'Invalid or missing post in request body.');
    }
    if (route.endpoint === 'posts') {
      const channel = byId(String(input['channel_id'] ?? ''));
      if (!channel || !isMember(`${channel.team}/${channel.name}`)) {
        return appError(res, 403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.');
      }
      const rootId = typeof input['root_id'] === 'string' ? input['root_id'] : '';
      if (rootId && !posts.some((p) => p.id === rootId && p.channel_id === channel.id)) {
        return appError(res, 400, 'api.post.create_post.root_id.app_error', 'Invalid RootId parameter.');
      }
      const message = typeof input['message'] === 'string' ? input['message'] : '';
      if (message.length > 16383) return appError(res, 400, 'model.post.is_valid.msg.app_error', 'Invalid Message.');
      const now = Date.now();
      const post: MattermostPost = {
        id: `post${String(nextPost++).padStart(4, '0')}`,
        channel_id: channel.id,
        user_id: 'botuserid',
        channel: `${channel.team}/${channel.name}`,
        message,
        root_id: rootId,
        props: typeof input['props'] === 'object' && input['props'] !== null ? (input['props'] as Record<string, unknown>) : {},
        create_at: now,
        update_at: now,
        patches: 0,
      };
      posts.push(post);
      json(res, 201, postJson(post));
      return;
    }
    const post = posts.find((p) => p.id === route.params[0]);
    if (!post) return appError(res, 404, 'app.post.get.app_error', 'Unable to get the post.');
    if (typeof input['message'] === 'string') post.message = input['message'];
    if (typeof input['props'] === 'object' && input['props'] !== null) post.props = input['props'] as Record<string, unknown>;
    post.update_at = Date.now();
    post.patches += 1;
    json(res, 200, postJson(post));
  }

  return {
    ...served.base,
    posts,
    channelId(team, channel) {
      const found = channels.get(`${team}/${channel}`);
      if (!found) throw new Error(`no channel ${team}/${channel} on this server`);
      return found.id;
    },
    fail: (endpoint, ...list) => served.fail(endpoint, list),
  };
}

function postJson(post: MattermostPost): Record<string, unknown> {
  const { channel: _channel, patches: _patches, ...wire } = post;
  return { ...wire, type: '', edit_at: post.patches > 0 ? post.update_at : 0 };
}

interface MattermostRoute {
  endpoint: MattermostEndpoint;
  params: string[];
}

function matchMattermost(method: string, path: string): MattermostRoute | undefined {
  const p = path.split('/').map(decodeURIComponent);
  // ['', 'api', 'v4', ...]
  if (p[1] !== 'api' || p[2] !== 'v4') return undefined;
  const rest = p.slice(3);
  if (method === 'GET' && rest.join('/') === 'users/me') return { endpoint: 'users/me', params: [] };
  if (method === 'GET' && rest.length === 6 && rest[0] === 'teams' && rest[1] === 'name' && rest[3] === 'channels' && rest[4] === 'name') {
    return { endpoint: 'channel', params: [rest[2] ?? '', rest[5] ?? ''] };
  }
  if (method === 'GET' && rest.length === 4 && rest[0] === 'channels' && rest[2] === 'members' && rest[3] === 'me') return { endpoint: 'members/me', params: [rest[1] ?? ''] };
  if (method === 'POST' && rest.length === 1 && rest[0] === 'posts') return { endpoint: 'posts', params: [] };
  if (method === 'PUT' && rest.length === 3 && rest[0] === 'posts' && rest[2] === 'patch') return { endpoint: 'patch', params: [rest[1] ?? ''] };
  return undefined;
}

// ---------------------------------------------------------------- Slack

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
