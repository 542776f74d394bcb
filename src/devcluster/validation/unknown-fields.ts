/**
 * `fieldValidation=Strict`: unknown fields are refused with 400 BadRequest. Checked for the top
 * level and `metadata` of built-in kinds, and for pod specs and containers (where typos in hook
 * manifests land); custom resources are not checked (no schema validation).
 */
import type { ResourceType } from '../api/resource-types.js';
import { badRequest, typedPatchFailure } from '../errors.js';
import type { ApiError } from '../errors.js';
import { asArray, getPath, isRecord } from '../json.js';

const COMMON = ['apiVersion', 'kind', 'metadata'];
const SPEC_STATUS = ['spec', 'status'];

const TOP_LEVEL: Record<string, readonly string[]> = {
  ConfigMap: ['data', 'binaryData', 'immutable'],
  Secret: ['data', 'stringData', 'type', 'immutable'],
  ServiceAccount: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  Role: ['rules'],
  ClusterRole: ['rules', 'aggregationRule'],
  RoleBinding: ['subjects', 'roleRef'],
  ClusterRoleBinding: ['subjects', 'roleRef'],
  Endpoints: ['subsets'],
  PodTemplate: ['template'],
  ControllerRevision: ['data', 'revision'],
  Event: ['involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type', 'eventTime', 'series', 'action', 'related', 'reportingComponent', 'reportingInstance'],
};

const METADATA = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

const POD_SPEC = [
  'volumes', 'initContainers', 'containers', 'ephemeralContainers', 'restartPolicy', 'terminationGracePeriodSeconds',
  'activeDeadlineSeconds', 'dnsPolicy', 'nodeSelector', 'serviceAccountName', 'serviceAccount', 'automountServiceAccountToken',
  'nodeName', 'hostNetwork', 'hostPID', 'hostIPC', 'shareProcessNamespace', 'securityContext', 'imagePullSecrets', 'hostname',
  'subdomain', 'affinity', 'schedulerName', 'tolerations', 'hostAliases', 'priorityClassName', 'priority', 'dnsConfig',
  'readinessGates', 'runtimeClassName', 'enableServiceLinks', 'preemptionPolicy', 'overhead', 'topologySpreadConstraints',
  'setHostnameAsFQDN', 'os', 'hostUsers', 'schedulingGates', 'resourceClaims', 'resources', 'hostnameOverride',
];

const CONTAINER = [
  'name', 'image', 'command', 'args', 'workingDir', 'ports', 'envFrom', 'env', 'resources', 'resizePolicy', 'restartPolicy',
  'restartPolicyRules', 'volumeMounts', 'volumeDevices', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle',
  'terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty',
];

function podSpecPaths(kind: string): string[][] {
  switch (kind) {
    case 'Pod':
      return [['spec']];
    case 'CronJob':
      return [['spec', 'jobTemplate', 'spec', 'template', 'spec']];
    case 'Job':
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicationController':
      return [['spec', 'template', 'spec']];
    case 'PodTemplate':
      return [['template', 'spec']];
    default:
      return [];
  }
}

/** Where an unknown field sits: its parent object, its key, and its dotted path. */
type UnknownVisitor = (parent: Record<string, unknown>, key: string, path: string) => void;

function unknownKeys(value: unknown, known: readonly string[], prefix: string, visit: UnknownVisitor): void {
  if (!isRecord(value)) return;
  for (const key of Object.keys(value)) if (!known.includes(key)) visit(value, key, `${prefix}${key}`);
}

/** Every unknown field of a body of a built-in kind, top level first. */
function visitUnknownFields(type: ResourceType, body: unknown, visit: UnknownVisitor): void {
  if (!type.builtIn || !isRecord(body)) return;
  unknownKeys(body, [...COMMON, ...(TOP_LEVEL[type.kind] ?? SPEC_STATUS)], '', visit);
  unknownKeys(body.metadata, METADATA, 'metadata.', visit);
  for (const path of podSpecPaths(type.kind)) {
    const spec = getPath(body, path);
    unknownKeys(spec, POD_SPEC, `${path.join('.')}.`, visit);
    for (const list of ['containers', 'initContainers']) {
      asArray(getPath(spec, [list]))?.forEach((c, i) => unknownKeys(c, CONTAINER, `${path.join('.')}.${list}[${i}].`, visit));
    }
  }
}

/** The unknown fields of a body (dotted paths), for a built-in kind. */
export function unknownFields(type: ResourceType, body: unknown): string[] {
  const out: string[] = [];
  visitUnknownFields(type, body, (_parent, _key, path) => out.push(path));
  return out;
}

/** Drop the unknown fields of a body in place, as the API server's decoder does with `fieldValidation` Warn or Ignore. */
export function dropUnknownFields(type: ResourceType, body: unknown): void {
  const found: [Record<string, unknown>, string][] = [];
  visitUnknownFields(type, body, (parent, key) => found.push([parent, key]));
  for (const [parent, key] of found) delete parent[key];
}

/** 400 BadRequest as the API server words a strict decoding error, or undefined. */
export function strictDecodingError(type: ResourceType, body: unknown): ApiError | undefined {
  const unknown = unknownFields(type, body);
  if (unknown.length === 0) return undefined;
  const version = type.group ? `${type.group}/${type.version}` : type.version;
  return badRequest(
    `${type.kind} in version "${version}" cannot be handled as a ${type.kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`,
  );
}

/**
 * Server-side apply refuses an unknown field whatever `fieldValidation` says: the patch cannot be
 * typed against the schema (kube-apiserver answers 500 "failed to create typed patch object").
 */
export function typedPatchError(type: ResourceType, body: unknown, namespace: string | undefined, name: string): ApiError | undefined {
  const [first] = unknownFields(type, body);
  if (first === undefined) return undefined;
  const groupVersion = type.group ? `${type.group}/${type.version}` : type.version;
  return typedPatchFailure(`${namespace ? `${namespace}/` : ''}${name}`, groupVersion, type.kind, first);
}
