/** §5.3: what a task's live health means for its operation state. */
import type { OperationPhase } from '../manifests/index.js';
import type { Health } from './types.js';

/** The verdict on one task: still running, or completed with a phase and message. */
export interface TaskVerdict {
  phase: OperationPhase;
  message: string;
}

/**
 * §5.3 hooks (`getOperationPhase`): Healthy → Succeeded; Progressing/Suspended → Running;
 * Degraded/Unknown → Failed; no health check → Succeeded "<name> created".
 */
export function hookVerdict(health: Health | undefined, name: string): TaskVerdict {
  if (!health) return { phase: 'Succeeded', message: `${name} created` };
  switch (health.status) {
    case 'Healthy':
      return { phase: 'Succeeded', message: health.message ?? '' };
    case 'Progressing':
    case 'Suspended':
    case 'Missing':
      return { phase: 'Running', message: health.message ?? '' };
    case 'Degraded':
    case 'Unknown':
      return { phase: 'Failed', message: health.message ?? '' };
  }
}

/**
 * §5.3 non-hooks: Healthy or no health check → Succeeded; Degraded → Failed; Progressing,
 * Suspended, Missing and Unknown leave it Running.
 */
export function resourceVerdict(health: Health | undefined): TaskVerdict {
  if (!health) return { phase: 'Succeeded', message: '' };
  if (health.status === 'Healthy') return { phase: 'Succeeded', message: health.message ?? '' };
  if (health.status === 'Degraded') return { phase: 'Failed', message: health.message ?? '' };
  return { phase: 'Running', message: health.message ?? '' };
}
