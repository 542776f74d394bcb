/** What the API server fills in when an object is created (`PrepareForCreate` of each strategy). */
import type { KubeObject } from '../../manifests/index.js';
import { asArray, ensurePath, isRecord } from '../json.js';
import type { JsonObject } from '../json.js';
import type { ResourceType } from './resource-types.js';

export const JOB_LABELS = {
  jobName: 'batch.kubernetes.io/job-name',
  legacyJobName: 'job-name',
  controllerUid: 'batch.kubernetes.io/controller-uid',
  legacyControllerUid: 'controller-uid',
} as const;

/** The dev cluster's single Node, where every Pod runs. */
export const NODE_NAME = 'dev-cluster';

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/**
 * Job `generateSelector`: unless `manualSelector`, the template gets the job-name and
 * controller-uid labels and `spec.selector.matchLabels` selects `batch.kubernetes.io/controller-uid`.
 */
function generateJobSelector(obj: KubeObject): void {
  const spec = isRecord(obj.spec) ? obj.spec : undefined;
  if (!spec || spec.manualSelector === true) return;
  const name = obj.metadata.name ?? '';
  const uid = obj.metadata.uid ?? '';
  const templateMeta = ensurePath(spec, ['template', 'metadata']);
  const labels: Record<string, unknown> = isRecord(templateMeta.labels) ? { ...templateMeta.labels } : {};
  for (const key of [JOB_LABELS.legacyJobName, JOB_LABELS.jobName]) if (labels[key] === undefined) labels[key] = name;
  for (const key of [JOB_LABELS.legacyControllerUid, JOB_LABELS.controllerUid]) if (labels[key] === undefined) labels[key] = uid;
  templateMeta.labels = labels;
  const selector: JsonObject = isRecord(spec.selector) ? { ...spec.selector } : {};
  const matchLabels: JsonObject = isRecord(selector.matchLabels) ? { ...selector.matchLabels } : {};
  if (matchLabels[JOB_LABELS.controllerUid] === undefined) matchLabels[JOB_LABELS.controllerUid] = uid;
  selector.matchLabels = matchLabels;
  spec.selector = selector;
}

function quantityOf(resources: unknown, which: 'requests' | 'limits'): JsonObject {
  const r = isRecord(resources) ? resources[which] : undefined;
  return isRecord(r) ? r : {};
}

/** `qos.GetPodQOS`, simplified to cpu and memory. */
export function podQosClass(spec: unknown): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(asArray(isRecord(spec) ? spec.containers : undefined) ?? []), ...(asArray(isRecord(spec) ? spec.initContainers : undefined) ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const resources = isRecord(c) ? c.resources : undefined;
    const requests = quantityOf(resources, 'requests');
    const limits = quantityOf(resources, 'limits');
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      if (limits[r] === undefined) guaranteed = false;
      else if (requests[r] !== undefined && String(requests[r]) !== String(limits[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Kind-specific creation steps; changes `obj` (a fresh copy). */
export function prepareCreate(type: ResourceType, obj: KubeObject): void {
  if (!type.builtIn) return;
  switch (`${type.group}/${type.kind}`) {
    case 'batch/Job':
      generateJobSelector(obj);
      break;
    case '/Pod':
      // Scheduled at once onto the one node.
      if (isRecord(obj.spec) && !obj.spec.nodeName) obj.spec.nodeName = NODE_NAME;
      obj.status = { phase: 'Pending', qosClass: podQosClass(obj.spec) };
      break;
    case '/Namespace':
      obj.status = { phase: 'Active' };
      break;
    case '/PersistentVolumeClaim':
      obj.status = { phase: 'Pending' };
      break;
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      if (!(obj.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) obj.metadata.finalizers = [...(obj.metadata.finalizers ?? []), CRD_CLEANUP_FINALIZER];
      break;
  }
}

/** Cluster IPs (from 10.96.0.0/16) and node ports (30000–32767) for Services. */
export class ServiceAllocator {
  private nextIp = 1;
  private nextPort = 30000;

  /** Fill `clusterIP`/`clusterIPs` and node ports of a Service being created. */
  allocate(type: ResourceType, obj: KubeObject, dryRun: boolean): void {
    if (!(type.group === '' && type.kind === 'Service')) return;
    const spec = isRecord(obj.spec) ? obj.spec : undefined;
    if (!spec || spec.type === 'ExternalName') return;
    if (spec.clusterIP === undefined || spec.clusterIP === '') {
      const n = dryRun ? this.nextIp : this.nextIp++;
      spec.clusterIP = `10.96.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
    }
    spec.clusterIPs = [spec.clusterIP];
    if (spec.clusterIP === 'None') return;
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      for (const port of asArray(spec.ports) ?? []) {
        if (isRecord(port) && port.nodePort === undefined) port.nodePort = dryRun ? this.nextPort : this.nextPort++;
      }
    }
  }
}
