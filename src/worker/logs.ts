/** D4: keep the end of every container's log before a hook can be deleted. */
import type { ClusterClient } from '../cluster/types.js';
import type { KubeObject } from '../manifests/index.js';
import type { HookLog } from '../sync/index.js';
import { errorMessage } from '../util/index.js';

interface ContainerStatus {
  name?: string;
  state?: { terminated?: { exitCode?: number; reason?: string; message?: string } };
  lastState?: { terminated?: { exitCode?: number; reason?: string; message?: string } };
}

/** Pods of a Job (both label forms: `batch.kubernetes.io/job-name` and the legacy `job-name`), newest last; the Pod itself for a Pod. */
async function podsOf(cluster: ClusterClient, obj: KubeObject): Promise<KubeObject[]> {
  const namespace = obj.metadata.namespace ?? '';
  if (obj.kind === 'Pod') return [obj];
  if (obj.kind !== 'Job') return [];
  const name = obj.metadata.name ?? '';
  const ref = { apiVersion: 'v1', kind: 'Pod', namespace };
  let { items } = await cluster.list(ref, { labelSelector: `batch.kubernetes.io/job-name=${name}` });
  if (items.length === 0) items = (await cluster.list(ref, { labelSelector: `job-name=${name}` })).items;
  return items.sort((a, b) => String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')));
}

/** The last `tailBytes` of each container's log of a hook object's Pods (at most the 5 newest Pods). */
export async function captureLogs(cluster: ClusterClient, obj: KubeObject, tailBytes: number): Promise<HookLog[]> {
  const out: HookLog[] = [];
  let pods: KubeObject[];
  try {
    pods = (await podsOf(cluster, obj)).slice(-5);
  } catch (err) {
    return [{ pod: obj.metadata.name ?? '', container: '', log: '', truncated: false, reason: `logs unavailable: ${errorMessage(err)}` }];
  }
  for (const pod of pods) {
    const spec = pod['spec'] as { containers?: { name: string }[]; initContainers?: { name: string }[] } | undefined;
    const status = pod['status'] as { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] } | undefined;
    const statuses = [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? [])];
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      const st = statuses.find((s) => s.name === c.name);
      const term = st?.state?.terminated ?? st?.lastState?.terminated;
      let log = '';
      let reason: string | undefined;
      try {
        log = await cluster.podLogs(pod.metadata.namespace ?? '', pod.metadata.name ?? '', { container: c.name, tailLines: 5_000 });
      } catch (err) {
        reason = `logs unavailable: ${errorMessage(err)}`;
      }
      const bytes = Buffer.from(log, 'utf8');
      const truncated = bytes.length > tailBytes;
      const entry: HookLog = { pod: pod.metadata.name ?? '', container: c.name, log: truncated ? bytes.subarray(bytes.length - tailBytes).toString('utf8') : log, truncated };
      if (term?.exitCode !== undefined) entry.exitCode = term.exitCode;
      if (reason ?? term?.reason) entry.reason = reason ?? term?.reason;
      if (term?.message) entry.terminationMessage = term.message;
      out.push(entry);
    }
  }
  return out;
}
