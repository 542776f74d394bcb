/** §8.1 status ranking, best to worst (gitops-engine `IsWorse`). */
import { HEALTH_STATUS_CODES } from './types.js';
import type { HealthStatusCode } from './types.js';

/** 0 = Healthy (best) … 5 = Unknown (worst). */
export function healthRank(code: HealthStatusCode): number {
  return HEALTH_STATUS_CODES.indexOf(code);
}

/** Whether `candidate` is a worse condition than `current`. */
export function isWorse(current: HealthStatusCode, candidate: HealthStatusCode): boolean {
  return healthRank(candidate) > healthRank(current);
}

/** The worst of several codes; `Healthy` for none. */
export function worstHealth(codes: Iterable<HealthStatusCode>): HealthStatusCode {
  let worst: HealthStatusCode = 'Healthy';
  for (const code of codes) if (isWorse(worst, code)) worst = code;
  return worst;
}
