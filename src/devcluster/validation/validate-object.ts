/** Per-kind validation of a defaulted object, on create and on update (`old` given). */
import type { KubeObject } from '../../manifests/index.js';
import type { ResourceType } from '../api/resource-types.js';
import { labelSelectorMatches } from '../api/selectors.js';
import type { LabelSelectorSpec } from '../api/selectors.js';
import type { FieldError } from '../errors.js';
import { asArray, deepEqual, getPath, isRecord } from '../json.js';
import type { JsonObject } from '../json.js';
import { checkAnnotations, checkLabels, checkName } from './names.js';
import type { NameRule } from './names.js';
import { checkPodSpec, RESTART_POLICIES } from './pod-spec.js';

function nameRule(type: ResourceType): NameRule {
  if (!type.builtIn) return 'dns1123Subdomain';
  if (type.kind === 'Namespace') return 'dns1123Label';
  if (type.kind === 'Service') return 'dns1035Label';
  return 'dns1123Subdomain';
}

function checkMetadata(type: ResourceType, obj: KubeObject, errs: FieldError[]): void {
  const name = obj.metadata.name;
  if (!name) errs.push({ type: 'Required', field: 'metadata.name', detail: 'name or generateName is required' });
  else if (!(type.group === 'rbac.authorization.k8s.io')) checkName(name, nameRule(type), 'metadata.name', errs);
  checkLabels(obj.metadata.labels, 'metadata.labels', errs);
  checkAnnotations(obj.metadata.annotations, 'metadata.annotations', errs);
  const owners = obj.metadata.ownerReferences;
  if (owners !== undefined) {
    if (!Array.isArray(owners)) errs.push({ type: 'Invalid', field: 'metadata.ownerReferences', value: owners, detail: 'must be a list' });
    else {
      owners.forEach((ref: unknown, i) => {
        for (const key of ['apiVersion', 'kind', 'name', 'uid']) {
          const v = isRecord(ref) ? ref[key] : undefined;
          if (typeof v !== 'string' || v === '') errs.push({ type: 'Invalid', field: `metadata.ownerReferences[${i}].${key}`, value: v ?? '', detail: `${key} must not be empty` });
        }
      });
      const controllers = owners.filter((r: unknown) => isRecord(r) && r.controller === true);
      if (controllers.length > 1) errs.push({ type: 'Invalid', field: 'metadata.ownerReferences', value: owners, detail: 'Only one reference can have Controller set to true' });
    }
  }
  const finalizers = obj.metadata.finalizers;
  if (finalizers !== undefined && !(Array.isArray(finalizers) && finalizers.every((f) => typeof f === 'string'))) {
    errs.push({ type: 'Invalid', field: 'metadata.finalizers', value: finalizers, detail: 'must be a list of strings' });
  }
}

function nonNegative(spec: JsonObject, key: string, path: string, errs: FieldError[]): void {
  const v = spec[key];
  if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
    errs.push({ type: 'Invalid', field: `${path}.${key}`, value: v, detail: 'must be greater than or equal to 0' });
  }
}

function checkSelectorMatchesTemplate(spec: JsonObject, path: string, errs: FieldError[], required: boolean): void {
  const selector = spec.selector;
  if (!isRecord(selector)) {
    if (required) errs.push({ type: 'Required', field: `${path}.selector` });
    return;
  }
  const empty = !isRecord(selector.matchLabels) && !Array.isArray(selector.matchExpressions);
  if (empty && required) {
    errs.push({ type: 'Invalid', field: `${path}.selector`, value: selector, detail: 'empty selector is invalid for deployment' });
    return;
  }
  const labels = getPath(spec, ['template', 'metadata', 'labels']);
  if (!labelSelectorMatches(selector as LabelSelectorSpec, isRecord(labels) ? (labels as Record<string, string>) : {})) {
    errs.push({ type: 'Invalid', field: `${path}.template.metadata.labels`, value: labels ?? {}, detail: '`selector` does not match template `labels`' });
  }
}

function checkTemplate(spec: JsonObject, path: string, restartPolicies: readonly string[], errs: FieldError[]): void {
  const template = spec.template;
  if (!isRecord(template)) {
    errs.push({ type: 'Required', field: `${path}.template` });
    return;
  }
  checkLabels(getPath(template, ['metadata', 'labels']), `${path}.template.metadata.labels`, errs);
  checkPodSpec(template.spec, `${path}.template.spec`, { restartPolicies }, errs);
}

function checkJobSpec(spec: unknown, path: string, errs: FieldError[]): void {
  if (!isRecord(spec)) {
    errs.push({ type: 'Required', field: path });
    return;
  }
  for (const key of ['backoffLimit', 'completions', 'parallelism', 'ttlSecondsAfterFinished']) nonNegative(spec, key, path, errs);
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && deadline !== null && (typeof deadline !== 'number' || deadline <= 0)) {
    errs.push({ type: 'Invalid', field: `${path}.activeDeadlineSeconds`, value: deadline, detail: 'must be greater than or equal to 1' });
  }
  checkTemplate(spec, path, ['OnFailure', 'Never'], errs);
  if (isRecord(spec.template)) checkSelectorMatchesTemplate(spec, path, errs, false);
}

function checkService(spec: unknown, errs: FieldError[]): void {
  if (!isRecord(spec)) {
    errs.push({ type: 'Required', field: 'spec' });
    return;
  }
  const type = spec.type;
  const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
  if (!types.includes(String(type))) errs.push({ type: 'NotSupported', field: 'spec.type', value: type, supported: types });
  const ports = asArray(spec.ports);
  if (type !== 'ExternalName' && spec.clusterIP !== 'None' && (!ports || ports.length === 0)) errs.push({ type: 'Required', field: 'spec.ports' });
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const p = `spec.ports[${i}]`;
    if (!isRecord(port)) return;
    const n = port.port;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) errs.push({ type: 'Invalid', field: `${p}.port`, value: n, detail: 'must be between 1 and 65535, inclusive' });
    if ((ports ?? []).length > 1 && (typeof port.name !== 'string' || port.name === '')) errs.push({ type: 'Required', field: `${p}.name` });
    if (typeof port.name === 'string' && port.name) {
      if (names.has(port.name)) errs.push({ type: 'Duplicate', field: `${p}.name`, value: port.name });
      names.add(port.name);
    }
  });
  if (type === 'ExternalName' && (typeof spec.externalName !== 'string' || spec.externalName === '')) errs.push({ type: 'Required', field: 'spec.externalName' });
}

/** `ValidateServiceStatusUpdate`: load-balancer ingress only on a LoadBalancer Service. */
function checkServiceStatus(obj: KubeObject, errs: FieldError[]): void {
  const ingress = asArray(getPath(obj.status, ['loadBalancer', 'ingress']));
  if (ingress && ingress.length > 0 && getPath(obj.spec, ['type']) !== 'LoadBalancer') {
    errs.push({ type: 'Forbidden', field: 'status.loadBalancer.ingress', detail: "may only be used when `spec.type` is 'LoadBalancer'" });
  }
}

function checkDataKeys(data: unknown, path: string, errs: FieldError[]): void {
  if (!isRecord(data)) return;
  for (const key of Object.keys(data)) {
    if (!/^[-._a-zA-Z0-9]+$/.test(key) || key.length > 253) {
      errs.push({ type: 'Invalid', field: `${path}[${key}]`, value: key, detail: "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')" });
    }
  }
}

function checkCrd(obj: KubeObject, errs: FieldError[]): void {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const group = spec.group;
  const names = isRecord(spec.names) ? spec.names : {};
  if (typeof group !== 'string' || !group) errs.push({ type: 'Required', field: 'spec.group' });
  if (typeof names.plural !== 'string' || !names.plural) errs.push({ type: 'Required', field: 'spec.names.plural' });
  if (typeof names.kind !== 'string' || !names.kind) errs.push({ type: 'Required', field: 'spec.names.kind' });
  if (typeof names.plural === 'string' && typeof group === 'string' && obj.metadata.name !== `${names.plural}.${group}`) {
    errs.push({ type: 'Invalid', field: 'metadata.name', value: obj.metadata.name, detail: 'must be spec.names.plural+"."+spec.group' });
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') errs.push({ type: 'NotSupported', field: 'spec.scope', value: spec.scope, supported: ['Cluster', 'Namespaced'] });
  const versions = asArray(spec.versions) ?? [];
  if (versions.length === 0) errs.push({ type: 'Invalid', field: 'spec.versions', value: spec.versions, detail: 'must have exactly one version marked as storage version' });
  else if (versions.filter((v) => isRecord(v) && v.storage === true).length !== 1) {
    errs.push({ type: 'Invalid', field: 'spec.versions', value: versions.length, detail: 'must have exactly one version marked as storage version' });
  }
  versions.forEach((v, i) => {
    if (!isRecord(v) || typeof v.name !== 'string' || !v.name) errs.push({ type: 'Required', field: `spec.versions[${i}].name` });
  });
}

/** Validation of a whole object on create. */
export function validateCreate(type: ResourceType, obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  checkMetadata(type, obj, errs);
  if (!type.builtIn) return errs;
  const spec = isRecord(obj.spec) ? obj.spec : undefined;
  switch (`${type.group}/${type.kind}`) {
    case '/Pod':
      checkPodSpec(obj.spec, 'spec', { restartPolicies: RESTART_POLICIES }, errs);
      break;
    case 'batch/Job':
      checkJobSpec(obj.spec, 'spec', errs);
      break;
    case 'batch/CronJob':
      if (!spec || typeof spec.schedule !== 'string' || !spec.schedule) errs.push({ type: 'Required', field: 'spec.schedule' });
      checkJobSpec(getPath(spec, ['jobTemplate', 'spec']), 'spec.jobTemplate.spec', errs);
      break;
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet':
      if (!spec) {
        errs.push({ type: 'Required', field: 'spec' });
        break;
      }
      nonNegative(spec, 'replicas', 'spec', errs);
      checkSelectorMatchesTemplate(spec, 'spec', errs, true);
      checkTemplate(spec, 'spec', ['Always'], errs);
      break;
    case '/Service':
      checkService(obj.spec, errs);
      checkServiceStatus(obj, errs);
      break;
    case '/ConfigMap':
      checkDataKeys(obj.data, 'data', errs);
      checkDataKeys(obj.binaryData, 'binaryData', errs);
      break;
    case '/Secret':
      checkDataKeys(obj.data, 'data', errs);
      break;
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      checkCrd(obj, errs);
      break;
  }
  return errs;
}

function immutable(field: string, value: unknown, errs: FieldError[]): void {
  errs.push({ type: 'Invalid', field, value, detail: 'field is immutable' });
}

/** Pod fields an update may change (`ValidatePodUpdate`). */
function podSpecWithoutMutable(spec: unknown): unknown {
  if (!isRecord(spec)) return spec;
  const copy: JsonObject = { ...spec };
  delete copy.activeDeadlineSeconds;
  delete copy.tolerations;
  delete copy.terminationGracePeriodSeconds;
  for (const key of ['containers', 'initContainers']) {
    const list = asArray(copy[key]);
    if (list) copy[key] = list.map((c) => (isRecord(c) ? { ...c, image: '' } : c));
  }
  return copy;
}

/** Validation of an update: the create rules plus immutable fields. */
export function validateUpdate(type: ResourceType, obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateCreate(type, obj);
  if (!type.builtIn) return errs;
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const oldSpec = isRecord(old.spec) ? old.spec : {};
  switch (`${type.group}/${type.kind}`) {
    case 'batch/Job':
      for (const key of ['template', 'selector', 'completions', 'completionMode', 'podFailurePolicy']) {
        if (!deepEqual(spec[key], oldSpec[key])) immutable(`spec.${key}`, spec[key], errs);
      }
      break;
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/DaemonSet':
    case 'apps/StatefulSet':
      if (!deepEqual(spec.selector, oldSpec.selector)) immutable('spec.selector', spec.selector, errs);
      break;
    case '/Pod':
      if (!deepEqual(podSpecWithoutMutable(spec), podSpecWithoutMutable(oldSpec))) {
        errs.push({
          type: 'Forbidden',
          field: 'spec',
          detail:
            'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
        });
      }
      break;
    case '/Service':
      if (oldSpec.clusterIP && spec.clusterIP !== oldSpec.clusterIP) immutable('spec.clusterIP', spec.clusterIP, errs);
      break;
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      if (spec.group !== oldSpec.group) immutable('spec.group', spec.group, errs);
      break;
  }
  return errs;
}
