/**
 * What the real API server finds while decoding a body into its Go type, before any validation:
 * a `resource.Quantity` that does not parse. It answers a create or update with 400 "Pod in version
 * "v1" cannot be handled as a Pod: …" and a server-side apply with 500 "failed to convert new
 * object …" (both checked against kube-apiserver 1.34; see the conformance suite).
 */
import { parseQuantity } from '../../util/quantity.js';
import { asArray, getPath, isRecord } from '../json.js';

const QUANTITY_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

function badQuantities(map: unknown): boolean {
  if (!isRecord(map)) return false;
  for (const raw of Object.values(map)) {
    if (typeof raw === 'number') continue;
    if (typeof raw !== 'string' || 'error' in parseQuantity(raw)) return true;
  }
  return false;
}

function podSpecHasBadQuantity(spec: unknown): boolean {
  if (!isRecord(spec)) return false;
  for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers]) {
    for (const c of asArray(list) ?? []) {
      if (!isRecord(c) || !isRecord(c.resources)) continue;
      if (badQuantities(c.resources.limits) || badQuantities(c.resources.requests)) return true;
    }
  }
  return isRecord(spec.overhead) && badQuantities(spec.overhead);
}

/** The decoding error of a built-in object, or `undefined`. */
export function typedDecodeError(group: string, kind: string, obj: Record<string, unknown>): string | undefined {
  const spec = obj.spec;
  const bad =
    (group === '' && kind === 'Pod' && podSpecHasBadQuantity(spec)) ||
    podSpecHasBadQuantity(getPath(spec, ['template', 'spec'])) ||
    podSpecHasBadQuantity(getPath(spec, ['jobTemplate', 'spec', 'template', 'spec'])) ||
    (group === '' && kind === 'PersistentVolumeClaim' && (badQuantities(getPath(spec, ['resources', 'requests'])) || badQuantities(getPath(spec, ['resources', 'limits'])))) ||
    (group === '' && kind === 'ResourceQuota' && badQuantities(getPath(spec, ['hard'])));
  return bad ? QUANTITY_MESSAGE : undefined;
}
