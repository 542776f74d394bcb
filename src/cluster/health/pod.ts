/** §8.2 Pod (core/v1): gitops-engine `health_pod.go`. */
import { isHook } from '../../manifests/index.js';
import type { KubeObject } from '../../manifests/index.js';
import { at, list, num, rec, str } from './fields.js';
import type { Json } from './fields.js';
import { health } from './types.js';
import type { HealthStatus } from './types.js';

/** [GE]: judge a Never/OnFailure pod like an Always pod, except hook pods. */
export const IGNORE_RESTART_POLICY_ANNOTATION = 'argocd.argoproj.io/ignore-restart-policy';

function records(value: unknown): Json[] {
  return list(value).flatMap((v) => {
    const r = rec(v);
    return r ? [r] : [];
  });
}

/** The restart policy the rules use; a live Pod always has one (the API server defaults it to Always). */
function restartPolicy(obj: KubeObject): string {
  const annotations = obj.metadata.annotations ?? {};
  const policy = str(at(obj, 'spec', 'restartPolicy')) || 'Always';
  if (policy !== 'Always' && annotations[IGNORE_RESTART_POLICY_ANNOTATION] === 'true' && !isHook(annotations)) return 'Always';
  return policy;
}

function failMessage(ctr: Json): string {
  const terminated = rec(at(ctr, 'state', 'terminated'));
  if (!terminated) return '';
  const message = str(terminated['message']);
  if (message) return message;
  if (terminated['reason'] === 'OOMKilled') return 'OOMKilled';
  const exitCode = num(terminated['exitCode']);
  if (exitCode !== 0) return `container ${JSON.stringify(str(ctr['name']))} failed with exit code ${exitCode}`;
  return '';
}

function isDegradedWaitingReason(reason: string): boolean {
  return reason.startsWith('Err') || reason.endsWith('Error') || reason.endsWith('BackOff');
}

export function podHealth(obj: KubeObject): HealthStatus {
  const policy = restartPolicy(obj);
  const status = rec(obj['status']) ?? {};
  const containerStatuses = records(status['containerStatuses']);
  const podMessage = str(status['message']);

  // Only for Always: a hook pod in ImagePullBackOff must not fail its hook prematurely.
  if (policy === 'Always') {
    const messages: string[] = [];
    let degraded = false;
    for (const cs of containerStatuses) {
      const waiting = rec(at(cs, 'state', 'waiting'));
      if (waiting && isDegradedWaitingReason(str(waiting['reason']))) {
        degraded = true;
        messages.push(str(waiting['message']));
      }
    }
    if (degraded) return health('Degraded', messages.join(', '));
  }

  switch (status['phase']) {
    case 'Pending':
      return health('Progressing', podMessage);
    case 'Succeeded':
      return health('Healthy', podMessage);
    case 'Failed': {
      if (podMessage) return health('Degraded', podMessage);
      for (const ctr of [...records(status['initContainerStatuses']), ...containerStatuses]) {
        const message = failMessage(ctr);
        if (message) return health('Degraded', message);
      }
      return health('Degraded');
    }
    case 'Running':
      if (policy === 'Always') {
        const ready = records(status['conditions']).some((c) => c['type'] === 'Ready' && c['status'] === 'True');
        if (ready) return health('Healthy', podMessage);
        if (containerStatuses.some((cs) => rec(at(cs, 'lastState', 'terminated')))) return health('Degraded', podMessage);
        return health('Progressing', podMessage);
      }
      if (policy === 'OnFailure' || policy === 'Never') {
        // Finite pods (typically hooks) are Progressing until they finish.
        return health('Progressing', podMessage);
      }
  }
  return health('Unknown', podMessage);
}
