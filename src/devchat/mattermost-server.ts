/** A local Mattermost API v4 server (the endpoints hookrunner uses). */
import type { ServerResponse } from 'node:http';
import { bearer, serve } from './server.js';
import type { Base, Fault } from './server.js';

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
  /**
   * How long a `pending_post_id` is remembered: a post repeating it meanwhile gets the first post
   * back (or, while the first is still being saved, 500 `api.post.deduplicate_create_post.pending`),
   * as Mattermost's `seenPendingPostIdsCache` does. @defaultValue 30_000
   */
  pendingPostTtlMs?: number;
}

export interface MattermostServer extends Base {
  /** Posts received, threads (`root_id`) and patches applied. */
  posts: MattermostPost[];
  channelId(team: string, channel: string): string;
  fail(endpoint: MattermostEndpoint, ...faults: Fault[]): void;
  /**
   * Carry out the next requests to `endpoint` `ms` later each, then answer: a slow server, which
   * finishes the work (saves the post) even when the client has given up meanwhile.
   */
  delay(endpoint: MattermostEndpoint, ...ms: number[]): void;
  /** Resolves once the delayed requests received so far have been carried out. */
  settled(): Promise<void>;
}

export async function startMattermostServer(options: MattermostServerOptions): Promise<MattermostServer> {
  const { token, teams, notMemberOf = [], jsonContentType = 'application/json', pendingPostTtlMs = 30_000 } = options;
  const channels = new Map<string, { id: string; team: string; name: string }>();
  for (const [team, names] of Object.entries(teams)) {
    for (const name of names) channels.set(`${team}/${name}`, { id: `ch${channels.size + 1}${name.replace(/[^a-z0-9]/gi, '').slice(0, 16)}`, team, name });
  }
  const byId = (id: string): { id: string; team: string; name: string } | undefined => [...channels.values()].find((c) => c.id === id);
  const isMember = (key: string): boolean => !notMemberOf.includes(key);
  const posts: MattermostPost[] = [];
  let nextPost = 1;
  /** `pending_post_id` → the post made with it (`''` while it is being saved). */
  const seenPending = new Map<string, { postId: string; expiresAt: number }>();
  const delays = new Map<MattermostEndpoint, number[]>();
  const pending = new Set<Promise<void>>();
  /** Delayed work not carried out yet: its timer, and how to say it is done (or dropped on close). */
  const delayed = new Map<NodeJS.Timeout, () => void>();
  /** Run `work` now, or after the next scripted delay of the endpoint. */
  const later = (endpoint: MattermostEndpoint, work: () => void): void => {
    const ms = delays.get(endpoint)?.shift();
    if (ms === undefined) return work();
    let done = (): void => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const timer = setTimeout(() => {
      delayed.delete(timer);
      try {
        work();
      } finally {
        done();
      }
    }, ms);
    delayed.set(timer, done);
    pending.add(finished);
    void finished.then(() => pending.delete(finished));
  };

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
      else if (route.endpoint === 'posts') handleCreatePost(body, res);
      else later(route.endpoint, () => handleMattermost(route, body, res));
    },
  });

  /** `POST /posts`, deduplicated by `pending_post_id` (Mattermost's `deduplicateCreatePost`). */
  function handleCreatePost(body: string, res: ServerResponse): void {
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return appError(res, 400, 'api.context.invalid_body_param.app_error', 'Invalid or missing post in request body.');
    }
    const pendingId = typeof input['pending_post_id'] === 'string' ? input['pending_post_id'] : '';
    if (pendingId !== '') {
      const seen = seenPending.get(pendingId);
      if (seen && seen.expiresAt > Date.now()) {
        if (seen.postId === '') return appError(res, 500, 'api.post.deduplicate_create_post.pending', 'Rejected post since another client is also making the same request.');
        const first = posts.find((p) => p.id === seen.postId);
        // Read back from the database: no pending_post_id.
        if (first) return json(res, 201, { ...postJson(first), pending_post_id: '' });
      }
      seenPending.set(pendingId, { postId: '', expiresAt: Date.now() + pendingPostTtlMs });
    }
    later('posts', () => {
      const post = createPost(input, res);
      if (pendingId === '') return;
      if (post) seenPending.set(pendingId, { postId: post.id, expiresAt: Date.now() + pendingPostTtlMs });
      else seenPending.delete(pendingId);
    });
  }

  /** Save a post and answer 201, or answer the error; the post, if made. */
  function createPost(input: Record<string, unknown>, res: ServerResponse): MattermostPost | undefined {
    const channel = byId(String(input['channel_id'] ?? ''));
    if (!channel || !isMember(`${channel.team}/${channel.name}`)) {
      appError(res, 403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.');
      return undefined;
    }
    const rootId = typeof input['root_id'] === 'string' ? input['root_id'] : '';
    if (rootId && !posts.some((p) => p.id === rootId && p.channel_id === channel.id)) {
      appError(res, 400, 'api.post.create_post.root_id.app_error', 'Invalid RootId parameter.');
      return undefined;
    }
    const message = typeof input['message'] === 'string' ? input['message'] : '';
    if (message.length > 16383) {
      appError(res, 400, 'model.post.is_valid.msg.app_error', 'Invalid Message.');
      return undefined;
    }
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
    const pendingId = typeof input['pending_post_id'] === 'string' ? input['pending_post_id'] : '';
    if (!res.destroyed) json(res, 201, { ...postJson(post), pending_post_id: pendingId });
    return post;
  }

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
    delay: (endpoint, ...ms) => delays.set(endpoint, [...(delays.get(endpoint) ?? []), ...ms]),
    settled: async () => void (await Promise.all([...pending])),
    async close() {
      for (const [timer, done] of delayed) {
        clearTimeout(timer);
        done();
      }
      delayed.clear();
      await served.base.close();
    },
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

