/**
 * Notification subscriptions written as Argo CD writes them, on the Application:
 * `notifications.argoproj.io/subscribe.<trigger>.<service>: <recipient>;<recipient>` — or
 * `notifications.argoproj.io/subscribe.<service>` for every built-in trigger. Services: `slack`
 * (a channel), `mattermost` (`team/channel`, or a channel of `MATTERMOST_TEAM`). Argo's
 * `on-deployed` is read as `on-sync-succeeded`.
 */
import { TRIGGERS } from '../sync/index.js';
import type { Subscription, TriggerName } from '../sync/index.js';

export const SUBSCRIBE_PREFIX = 'notifications.argoproj.io/subscribe.';
const SERVICES = ['slack', 'mattermost'] as const;
const ALIASES: Record<string, TriggerName> = { 'on-deployed': 'on-sync-succeeded' };

export interface SubscriptionResult {
  subscriptions: Subscription[];
  errors: { field: string; message: string }[];
}

export function subscriptionsFromAnnotations(annotations: Readonly<Record<string, string>> | undefined): SubscriptionResult {
  const byDestination = new Map<string, Subscription>();
  const errors: SubscriptionResult['errors'] = [];
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (!key.startsWith(SUBSCRIBE_PREFIX)) continue;
    const field = `metadata.annotations["${key}"]`;
    const rest = key.slice(SUBSCRIBE_PREFIX.length).split('.');
    const service = rest.pop() ?? '';
    const triggerName = rest.join('.');
    if (!(SERVICES as readonly string[]).includes(service)) {
      errors.push({ field, message: `service "${service}" is not supported; use one of ${SERVICES.join(', ')}` });
      continue;
    }
    let triggers: TriggerName[];
    if (triggerName === '') triggers = [...TRIGGERS];
    else {
      const trigger = ALIASES[triggerName] ?? triggerName;
      if (!(TRIGGERS as readonly string[]).includes(trigger)) {
        errors.push({ field, message: `trigger "${triggerName}" is not a built-in trigger; use one of ${TRIGGERS.join(', ')} (or on-deployed)` });
        continue;
      }
      triggers = [trigger as TriggerName];
    }
    const recipients = value.split(';').map((r) => r.trim()).filter(Boolean);
    if (recipients.length === 0) errors.push({ field, message: 'names no recipient (a channel, or team/channel for mattermost)' });
    for (const recipient of recipients) {
      const id = `${service}:${recipient}`;
      const current = byDestination.get(id) ?? { service: service as Subscription['service'], recipient, triggers: [] };
      for (const t of triggers) if (!current.triggers.includes(t)) current.triggers.push(t);
      byDestination.set(id, current);
    }
  }
  return { subscriptions: [...byDestination.values()], errors };
}
