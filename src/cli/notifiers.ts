/**
 * Notifiers for the built-in triggers, from this process's environment: `MATTERMOST_URL` +
 * `MATTERMOST_TOKEN` (+ `MATTERMOST_TEAM` as the default team), `SLACK_TOKEN` (+ `SLACK_API_URL`).
 * Tokens stay in the environment; subscriptions only name services and channels.
 */
import { InvalidArgumentError } from 'commander';
import { createLogNotifier, createMattermostNotifier, createSlackNotifier, secretsFromEnv } from '../notify/index.js';
import type { IdempotencyStore, Notifier } from '../notify/index.js';
import type { NotifierFactory } from '../orchestrator/index.js';
import { destinationKey } from '../orchestrator/index.js';
import { TRIGGERS } from '../sync/index.js';
import type { Subscription, TriggerName } from '../sync/index.js';

type Env = Readonly<Record<string, string | undefined>>;

export function notifierFactory(env: Env, logStream: { write(s: string): unknown }): { notifierFor: NotifierFactory; secrets: string[] } {
  // One notifier per destination and idempotency store (an engine restarted in-process brings a new store).
  const caches = new WeakMap<IdempotencyStore, Map<string, Notifier | undefined>>();
  const build = (s: Subscription, idempotency: IdempotencyStore): Notifier | undefined => {
    if (s.service === 'log') return createLogNotifier({ stream: logStream, name: s.recipient, idempotency });
    if (s.service === 'slack') {
      const token = env['SLACK_TOKEN'];
      if (!token) return undefined;
      return createSlackNotifier({ token, channel: s.recipient, idempotency, ...(env['SLACK_API_URL'] ? { apiUrl: env['SLACK_API_URL'] } : {}) });
    }
    const url = env['MATTERMOST_URL'];
    const token = env['MATTERMOST_TOKEN'];
    if (!url || !token) return undefined;
    const [team, channel] = s.recipient.includes('/') ? (s.recipient.split('/', 2) as [string, string]) : [env['MATTERMOST_TEAM'] ?? '', s.recipient];
    if (!team) return undefined;
    return createMattermostNotifier({ url, token, team, channel, idempotency });
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
  };
}

/** `--notify service:recipient` (repeatable): `mattermost:team/channel`, `slack:#deploys`, `log:stderr`. */
export function parseNotifyFlag(value: string, previous: Subscription[]): Subscription[] {
  const colon = value.indexOf(':');
  const service = colon > 0 ? value.slice(0, colon) : '';
  const recipient = value.slice(colon + 1).trim();
  if (service !== 'mattermost' && service !== 'slack' && service !== 'log') throw new InvalidArgumentError(`must be mattermost:<team>/<channel>, slack:<channel> or log:<name>, got "${value}"`);
  if (!recipient) throw new InvalidArgumentError(`names no channel: "${value}"`);
  return [...previous, { service, recipient, triggers: [...TRIGGERS] }];
}

export function parseTriggers(value: string): TriggerName[] {
  const out: TriggerName[] = [];
  for (const item of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(TRIGGERS as readonly string[]).includes(item)) throw new InvalidArgumentError(`unknown trigger "${item}"; valid: ${TRIGGERS.join(', ')}`);
    out.push(item as TriggerName);
  }
  return out;
}
