/**
 * The application's diff (docs/semantics.md §17.2): each declared object against its live one as
 * the comparison sees it (`compareObjects`, the app's `ignoreDifferences`), objects still to
 * create, and live objects the source no longer declares. Pure.
 */
import { compareObjects, unifiedDiff } from '../diff/index.js';
import type { IgnoreDifference } from '../diff/index.js';
import { splitApiVersion } from '../manifests/index.js';
import type { KubeObject } from '../manifests/index.js';
import { identityOf, isLiveHook } from './compare.js';
import type { DesiredState } from './compare.js';
import type { ResourceDiff } from './types.js';

function head(obj: KubeObject): Pick<ResourceDiff, 'group' | 'kind' | 'namespace' | 'name'> {
  return { group: splitApiVersion(obj.apiVersion).group, kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' };
}

export function diffApplication(input: { desired: DesiredState; live: readonly KubeObject[]; ignore?: readonly IgnoreDifference[] }): ResourceDiff[] {
  const { desired, ignore = [] } = input;
  const live = new Map(input.live.filter((o) => !isLiveHook(o)).map((o) => [identityOf(o), o]));
  const out: ResourceDiff[] = [];
  for (const target of desired.objects) {
    const id = identityOf(target);
    const obj = live.get(id);
    live.delete(id);
    if (!obj) {
      out.push({ ...head(target), action: 'create', differences: [{ path: '', desired: target, live: undefined }], diff: unifiedDiff(target, undefined) });
      continue;
    }
    const { differences } = compareObjects(target, obj, { ignore });
    if (differences.length > 0) out.push({ ...head(target), action: 'change', differences, diff: unifiedDiff(target, obj, ignore) });
  }
  for (const [id, obj] of live) {
    if (desired.skipped.has(id)) continue;
    out.push({ ...head(obj), action: 'prune', differences: [{ path: '', desired: undefined, live: obj }], diff: unifiedDiff(undefined, obj) });
  }
  return out;
}
