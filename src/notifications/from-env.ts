/**
 * Notifiers for the built-in triggers, from this process's environment: `MATTERMOST_URL` +
 * `MATTERMOST_TOKEN` (+ `MATTERMOST_TEAM` as the default team), `SLACK_TOKEN` (+ `SLACK_API_URL`).
 * Tokens stay in the environment; subscriptions only name services and channels.
 */
import { createLogNotifier, createMattermostNotifier, createSlackNotifier, secretsFromEnv } from '../chat/index.js';
import type { IdempotencyStore, Notifier } from '../chat/index.js';
import type { Subscription } from '../sync/index.js';
import type { NotifierFactory } from './delivery.js';
import { destinationKey } from './triggers.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Notifiers from the environment, and what is missing for a destination this environment cannot reach. */
export interface EnvNotifiers {
  notifierFor: NotifierFactory;
  secrets: string[];
  /** Why a subscription's destination would be skipped here (e.g. `SLACK_TOKEN is not set`), or undefined when it can be reached. */
  missingConfig(subscription: Pick<Subscription, 'service' | 'recipient'>): string | undefined;
  /** Each chat service and whether this process can post to it: `configured`, or what is missing. */
  services(): Record<'mattermost' | 'slack', string>;
}

/** Why `service` cannot be reached from this environment, or undefined. */
function missing(env: Env, s: Pick<Subscription, 'service' | 'recipient'>): string | undefined {
  if (s.service === 'log') return undefined;
  if (s.service === 'slack') return env['SLACK_TOKEN'] ? undefined : 'SLACK_TOKEN is not set';
  const unset = ['MATTERMOST_URL', 'MATTERMOST_TOKEN'].filter((name) => !env[name]);
  if (unset.length > 0) return `${unset.join(' and ')} ${unset.length > 1 ? 'are' : 'is'} not set`;
  if (!s.recipient.includes('/') && !env['MATTERMOST_TEAM']) return `"${s.recipient}" names no team (use <team>/<channel> or set MATTERMOST_TEAM)`;
  return undefined;
}

export function notifierFactory(env: Env, logStream: { write(s: string): unknown }): EnvNotifiers {
  // One notifier per destination and idempotency store (an engine restarted in-process brings a new store).
  const caches = new WeakMap<IdempotencyStore, Map<string, Notifier | undefined>>();
  const build = (s: Subscription, idempotency: IdempotencyStore): Notifier | undefined => {
    if (missing(env, s) !== undefined) return undefined;
    if (s.service === 'log') return createLogNotifier({ stream: logStream, name: s.recipient, idempotency });
    if (s.service === 'slack') {
      const apiUrl = env['SLACK_API_URL'];
      return createSlackNotifier({ token: env['SLACK_TOKEN'] ?? '', channel: s.recipient, idempotency, ...(apiUrl ? { apiUrl } : {}) });
    }
    const [team, channel] = s.recipient.includes('/') ? (s.recipient.split('/', 2) as [string, string]) : [env['MATTERMOST_TEAM'] ?? '', s.recipient];
    return createMattermostNotifier({ url: env['MATTERMOST_URL'] ?? '', token: env['MATTERMOST_TOKEN'] ?? '', team, channel, idempotency });
  };
  return {
    notifierFor: (s, { idempotency }) => {
      const key = destinationKey(s);
      let cache = caches.get(idempotency);
      if (!cache) caches.set(idempotency, (cache = new Map()));
      if (!cache.has(key)) cache.set(key, build(s, idempotency));
      return cache.get(key);
    },
    secrets: secretsFromEnv(env),
    missingConfig: (s) => missing(env, s),
    services: () => ({
      mattermost: missing(env, { service: 'mattermost', recipient: 'team/channel' }) ?? 'configured',
      slack: missing(env, { service: 'slack', recipient: '#channel' }) ?? 'configured',
    }),
  };
}

