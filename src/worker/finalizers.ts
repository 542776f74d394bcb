/**
 * D7: no hook object is left undeletable. Finalizers are released when a hook completes, times
 * out or is terminated; this start-up sweep catches the rest (an operation lost with its Redis, a
 * worker that died between completion and release): every hook object (label
 * `hookrunner.io/hook=true`) of the kinds that run — Jobs and Pods — whose operation attempt is
 * not running gives up our finalizer.
 */
import { HOOK_FINALIZER } from '../manifests/index.js';
import type { ClusterClient } from '../cluster/types.js';
import { TrackingKeys } from '../sync/index.js';
import { errorMessage } from '../util/index.js';
import type { Logger } from '../util/index.js';

const KINDS = [
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'v1', kind: 'Pod' },
];

export async function sweepFinalizers(cluster: ClusterClient, runningSyncIds: readonly string[], logger: Logger): Promise<number> {
  const running = new Set(runningSyncIds);
  let released = 0;
  for (const ref of KINDS) {
    let items;
    try {
      ({ items } = await cluster.list(ref, { labelSelector: `${TrackingKeys.hook}=true` }));
    } catch (err) {
      // A namespaced installation cannot list across namespaces: then only completion releases finalizers.
      logger.warn('finalizer sweep: cannot list hook objects', { kind: ref.kind, error: errorMessage(err) });
      continue;
    }
    for (const obj of items) {
      if (!obj.metadata.finalizers?.includes(HOOK_FINALIZER)) continue;
      const syncId = (obj.metadata.annotations?.[TrackingKeys.syncId] ?? '').split('/')[0] ?? '';
      if (running.has(syncId)) continue;
      try {
        await cluster.removeFinalizer({ ...ref, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}), name: obj.metadata.name ?? '' }, HOOK_FINALIZER);
        released++;
      } catch (err) {
        logger.warn('finalizer sweep: cannot release', { kind: ref.kind, namespace: obj.metadata.namespace, name: obj.metadata.name, error: errorMessage(err) });
      }
    }
  }
  if (released > 0) logger.info('finalizer sweep released hook finalizers', { released });
  return released;
}
