/** §8.2 HorizontalPodAutoscaler (autoscaling v1, v2): gitops-engine `health_hpa.go` ([GE]). */
import type { KubeObject } from '../../manifests/index.js';
import { conditions, rec, str } from './fields.js';
import type { Json } from './fields.js';
import { health } from './types.js';
import type { HealthStatus } from './types.js';

/** autoscaling/v1 keeps its conditions as JSON in this annotation. */
export const HPA_V1_CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';

const WAITING: HealthStatus = { status: 'Progressing', message: 'Waiting to Autoscale' };

/** Condition type → reasons that make the HPA Degraded (§8.2). */
const DEGRADED_REASONS: Readonly<Record<string, readonly string[]>> = {
  AbleToScale: ['FailedGetScale', 'FailedUpdateScale'],
  ScalingActive: [
    'FailedGetResourceMetric',
    'FailedGetObjectMetric',
    'FailedGetPodsMetric',
    'FailedGetExternalMetric',
    'FailedComputeMetricsReplicas',
    'InvalidSelector',
  ],
};
const HEALTHY_TYPES = ['AbleToScale', 'ScalingLimited'];

/** Degraded is checked across all conditions before Healthy ([GE]). */
function checkConditions(list: Json[]): HealthStatus {
  const degraded = list.find((c) => DEGRADED_REASONS[str(c['type'])]?.includes(str(c['reason'])));
  if (degraded) return health('Degraded', str(degraded['message']));
  const healthy = list.find((c) => HEALTHY_TYPES.includes(str(c['type'])) && c['status'] === 'True');
  if (healthy) return health('Healthy', str(healthy['message']));
  return WAITING;
}

export function hpaV1Health(obj: KubeObject): HealthStatus {
  const annotation = obj.metadata.annotations?.[HPA_V1_CONDITIONS_ANNOTATION];
  if (annotation === undefined) return WAITING;
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation);
  } catch {
    return health('Unknown', `failed to convert conditions annotation to typed: ${HPA_V1_CONDITIONS_ANNOTATION} is not valid JSON`);
  }
  if (parsed !== null && !Array.isArray(parsed)) {
    return health('Unknown', `failed to convert conditions annotation to typed: ${HPA_V1_CONDITIONS_ANNOTATION} is not a list`);
  }
  const list = (parsed ?? []).flatMap((c: unknown) => {
    const r = rec(c);
    return r ? [r] : [];
  });
  return list.length === 0 ? WAITING : checkConditions(list);
}

export function hpaV2Health(obj: KubeObject): HealthStatus {
  return checkConditions(conditions(obj));
}
