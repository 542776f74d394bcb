/**
 * Defaulting as the API server does it on every write (the `defaults.go` of each API group).
 * These functions change the object they are given: call them on fresh copies only.
 */
import type { KubeObject } from '../../manifests/index.js';
import { asArray, ensurePath, getPath, isRecord } from '../json.js';
import type { JsonObject } from '../json.js';

function setDefault(obj: JsonObject, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

function defaultContainer(c: unknown): void {
  if (!isRecord(c)) return;
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  const image = typeof c.image === 'string' ? c.image : '';
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const tag = image.includes('@') ? 'digest' : lastPart.includes(':') ? lastPart.slice(lastPart.indexOf(':') + 1) : undefined;
  setDefault(c, 'imagePullPolicy', tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent');
  setDefault(c, 'resources', {});
  for (const port of asArray(c.ports) ?? []) if (isRecord(port)) setDefault(port, 'protocol', 'TCP');
}

/** Pod spec defaults; `isPod` adds what only Pods get (service account, priority). */
export function defaultPodSpec(spec: unknown, isPod: boolean): void {
  if (!isRecord(spec)) return;
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const c of asArray(spec.containers) ?? []) defaultContainer(c);
  for (const c of asArray(spec.initContainers) ?? []) defaultContainer(c);
  if (isPod) {
    if (typeof spec.serviceAccountName !== 'string' || spec.serviceAccountName === '') spec.serviceAccountName = 'default';
    setDefault(spec, 'serviceAccount', spec.serviceAccountName);
    setDefault(spec, 'enableServiceLinks', true);
    setDefault(spec, 'priority', 0);
    setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  }
}

function defaultTemplate(spec: JsonObject): void {
  const template = spec.template;
  if (isRecord(template)) defaultPodSpec(template.spec, false);
}

function defaultJobSpec(spec: JsonObject): void {
  setDefault(spec, 'backoffLimit', 6);
  setDefault(spec, 'completions', 1);
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
  defaultTemplate(spec);
}

/** Fill in the defaults of a built-in kind. */
export function applyDefaults(obj: KubeObject): void {
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.slice(0, obj.apiVersion.indexOf('/')) : '';
  const spec = isRecord(obj.spec) ? obj.spec : undefined;
  switch (`${group}/${obj.kind}`) {
    case '/Pod':
      defaultPodSpec(spec, true);
      break;
    case 'batch/Job':
      if (spec) defaultJobSpec(spec);
      break;
    case 'batch/CronJob':
      if (spec) {
        setDefault(spec, 'concurrencyPolicy', 'Allow');
        setDefault(spec, 'suspend', false);
        setDefault(spec, 'successfulJobsHistoryLimit', 3);
        setDefault(spec, 'failedJobsHistoryLimit', 1);
        const jobSpec = getJobTemplateSpec(spec);
        if (jobSpec) defaultTemplate(jobSpec);
      }
      break;
    case 'apps/Deployment':
      if (spec) {
        setDefault(spec, 'replicas', 1);
        setDefault(spec, 'strategy', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
        setDefault(spec, 'revisionHistoryLimit', 10);
        setDefault(spec, 'progressDeadlineSeconds', 600);
        defaultTemplate(spec);
      }
      break;
    case 'apps/StatefulSet':
      if (spec) {
        setDefault(spec, 'replicas', 1);
        setDefault(spec, 'podManagementPolicy', 'OrderedReady');
        setDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
        setDefault(spec, 'revisionHistoryLimit', 10);
        setDefault(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
        defaultTemplate(spec);
      }
      break;
    case 'apps/DaemonSet':
      if (spec) {
        setDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
        setDefault(spec, 'revisionHistoryLimit', 10);
        defaultTemplate(spec);
      }
      break;
    case 'apps/ReplicaSet':
      if (spec) {
        setDefault(spec, 'replicas', 1);
        defaultTemplate(spec);
      }
      break;
    case '/Service':
      if (spec) defaultServiceSpec(spec);
      // SetDefaults_LoadBalancerIngress: an address given by IP is a VIP unless said otherwise.
      for (const ingress of asArray(getPath(obj.status, ['loadBalancer', 'ingress'])) ?? []) {
        if (isRecord(ingress) && typeof ingress.ip === 'string' && ingress.ip) setDefault(ingress, 'ipMode', 'VIP');
      }
      break;
    case '/Secret':
      defaultSecret(obj);
      break;
    case '/PersistentVolumeClaim':
      if (spec) setDefault(spec, 'volumeMode', 'Filesystem');
      break;
    case '/Namespace': {
      const nsSpec = ensurePath(obj, ['spec']);
      setDefault(nsSpec, 'finalizers', ['kubernetes']);
      const name = obj.metadata.name;
      if (name) obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
      break;
    }
  }
}

export function getJobTemplateSpec(cronSpec: JsonObject): JsonObject | undefined {
  const jt = cronSpec.jobTemplate;
  return isRecord(jt) && isRecord(jt.spec) ? jt.spec : undefined;
}

function defaultServiceSpec(spec: JsonObject): void {
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.type !== 'ExternalName') {
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
    setDefault(spec, 'ipFamilies', ['IPv4']);
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  for (const port of asArray(spec.ports) ?? []) {
    if (!isRecord(port)) continue;
    setDefault(port, 'protocol', 'TCP');
    setDefault(port, 'targetPort', port.port);
  }
}

function defaultSecret(obj: KubeObject): void {
  if (obj.type === undefined || obj.type === '') obj.type = 'Opaque';
  const stringData = obj.stringData;
  if (isRecord(stringData)) {
    const data: JsonObject = isRecord(obj.data) ? { ...obj.data } : {};
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    obj.data = data;
    delete obj.stringData;
  }
}
