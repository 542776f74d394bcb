/**
 * Chat configuration from environment variables: the lab's Python notifier contract (`url` = host,
 * `token`, `scheme`, `port`, `channel_name`, `team_name`; docs/semantics.md §16.1)
 * read unchanged, and the explicit `MATTERMOST_*` / `SLACK_*` variables, which win when
 * both name the same thing. Every problem is a {@link ChatConfigError} naming the variable.
 */
import { ChatConfigError } from './errors.js';
import { parseBaseUrl } from './provider-options.js';
import type { NotifierKind } from './types.js';

export type NotifierConfig =
  | { service: 'mattermost'; url: string; token: string; team: string; channel: string }
  | { service: 'slack'; token: string; channel: string; apiUrl?: string }
  | { service: 'log' };

type Env = Readonly<Record<string, string | undefined>>;

const MATTERMOST_MARKERS = ['MATTERMOST_URL', 'url'] as const;
const SLACK_MARKERS = ['SLACK_TOKEN', 'SLACK_CHANNEL', 'SLACK_API_URL'] as const;

function get(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * Which service to use and its settings. Without `service`, the configured one: Mattermost when
 * `MATTERMOST_URL` or `url` is set, Slack when any `SLACK_*` is; both or neither is an error.
 */
export function notifierConfigFromEnv(env: Env, service?: NotifierKind): NotifierConfig {
  const chosen = service ?? detectService(env);
  if (chosen === 'log') return { service: 'log' };
  if (chosen === 'slack') {
    const apiUrl = get(env, 'SLACK_API_URL');
    return {
      service: 'slack',
      token: required(env, ['SLACK_TOKEN']),
      channel: required(env, ['SLACK_CHANNEL']),
      ...(apiUrl ? { apiUrl: parseBaseUrl('SLACK_API_URL', apiUrl) } : {}),
    };
  }
  return {
    service: 'mattermost',
    url: mattermostUrl(env),
    token: required(env, ['MATTERMOST_TOKEN', 'token']),
    team: required(env, ['MATTERMOST_TEAM', 'team_name']),
    channel: required(env, ['MATTERMOST_CHANNEL', 'channel_name']),
  };
}

function detectService(env: Env): 'mattermost' | 'slack' {
  const mattermost = MATTERMOST_MARKERS.some((n) => get(env, n) !== undefined);
  const slack = SLACK_MARKERS.some((n) => get(env, n) !== undefined);
  if (mattermost && slack) {
    throw new ChatConfigError('service', 'both Mattermost (MATTERMOST_URL or url) and Slack (SLACK_*) are configured; choose one with --service mattermost|slack');
  }
  if (mattermost) return 'mattermost';
  if (slack) return 'slack';
  throw new ChatConfigError(
    'service',
    'no chat service configured: set MATTERMOST_URL, MATTERMOST_TOKEN, MATTERMOST_TEAM, MATTERMOST_CHANNEL (or the lab variables url, port, scheme, token, team_name, channel_name), or SLACK_TOKEN and SLACK_CHANNEL, or pass --service log',
  );
}

function required(env: Env, names: readonly string[]): string {
  for (const name of names) {
    const value = get(env, name);
    if (value !== undefined) return value;
  }
  throw new ChatConfigError(names.join(' or '), 'is required');
}

/** `MATTERMOST_URL`, else `<scheme>://<url>[:<port>]` from the lab variables. */
function mattermostUrl(env: Env): string {
  const explicit = get(env, 'MATTERMOST_URL');
  if (explicit !== undefined) return parseBaseUrl('MATTERMOST_URL', explicit).replace(/\/api\/v4$/, '');
  const host = get(env, 'url');
  if (host === undefined) throw new ChatConfigError('MATTERMOST_URL or url', 'is required');
  if (host.includes('@')) {
    // user:password@host: never echoed, it may hold a password.
    throw new ChatConfigError('url', 'must be a host name such as mattermost.example.com, without credentials (the token goes in "token")');
  }
  if (host.includes('://') || /[/?#\s]/.test(host)) {
    throw new ChatConfigError('url', `must be a host name such as mattermost.example.com (the scheme goes in "scheme", the port in "port"), got "${host}"`);
  }
  const scheme = (get(env, 'scheme') ?? 'http').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw new ChatConfigError('scheme', `must be http or https, got "${scheme}"`);
  const port = get(env, 'port');
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65_535)) {
    throw new ChatConfigError('port', `must be a port number 1-65535, got "${port}"`);
  }
  return parseBaseUrl('url', `${scheme}://${host}${port !== undefined ? `:${port}` : ''}`);
}

/** Values in the environment that must never be printed: tokens, and passwords inside Redis URLs. */
export function secretsFromEnv(env: Env): string[] {
  const out: string[] = [];
  for (const name of ['token', 'MATTERMOST_TOKEN', 'SLACK_TOKEN']) {
    const value = get(env, name);
    if (value !== undefined) out.push(value);
  }
  for (const name of ['HOOKRUNNER_IDEMPOTENCY_REDIS_URL', 'REDIS_URL']) {
    const value = get(env, name);
    if (value === undefined) continue;
    try {
      const password = new URL(value).password;
      if (password) out.push(...new Set([decodeURIComponent(password), password]));
    } catch {
      // not a URL: the CLI reports it as bad configuration without echoing it
    }
  }
  return out;
}
