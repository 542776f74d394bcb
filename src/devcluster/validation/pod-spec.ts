/** Pod spec validation (`pkg/apis/core/validation`): what hooks meet most often. */
import type { FieldError } from '../errors.js';
import { asArray, isRecord } from '../json.js';
import { checkName, parseQuantity } from './names.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;

export interface PodSpecRules {
  /** Restart policies this owner accepts (Jobs: OnFailure, Never; workloads: Always). */
  restartPolicies: readonly string[];
}

function checkResources(resources: unknown, path: string, errs: FieldError[]): void {
  if (resources === undefined || resources === null) return;
  if (!isRecord(resources)) {
    errs.push({ type: 'Invalid', field: path, value: resources, detail: 'must be an object' });
    return;
  }
  const parsed: Record<'requests' | 'limits', Map<string, { text: string; value: number }>> = { requests: new Map(), limits: new Map() };
  for (const which of ['limits', 'requests'] as const) {
    const list = resources[which];
    if (list === undefined || list === null) continue;
    if (!isRecord(list)) {
      errs.push({ type: 'Invalid', field: `${path}.${which}`, value: list, detail: 'must be a map of quantities' });
      continue;
    }
    for (const [name, raw] of Object.entries(list)) {
      const field = `${path}.${which}[${name}]`;
      const text = typeof raw === 'number' ? String(raw) : raw;
      if (typeof text !== 'string') {
        errs.push({ type: 'Invalid', field, value: raw, detail: 'quantities must be strings or numbers' });
        continue;
      }
      const q = parseQuantity(text);
      if ('error' in q) {
        errs.push({ type: 'Invalid', field, value: text, detail: q.error });
        continue;
      }
      if (q.value < 0) {
        errs.push({ type: 'Invalid', field, value: text, detail: 'must be greater than or equal to 0' });
        continue;
      }
      parsed[which].set(name, { text, value: q.value });
    }
  }
  for (const [name, req] of parsed.requests) {
    const limit = parsed.limits.get(name);
    if (limit && req.value > limit.value) {
      errs.push({ type: 'Invalid', field: `${path}.requests[${name}]`, value: req.text, detail: `must be less than or equal to ${name} limit of ${limit.text}` });
    }
  }
}

function checkEnv(env: unknown, path: string, errs: FieldError[]): void {
  if (env === undefined || env === null) return;
  const list = asArray(env);
  if (!list) {
    errs.push({ type: 'Invalid', field: path, value: env, detail: 'must be a list' });
    return;
  }
  list.forEach((item, i) => {
    const p = `${path}[${i}]`;
    if (!isRecord(item) || typeof item.name !== 'string' || item.name === '') {
      errs.push({ type: 'Required', field: `${p}.name` });
      return;
    }
    if (item.value !== undefined && item.valueFrom !== undefined) {
      errs.push({ type: 'Invalid', field: `${p}.valueFrom`, value: '', detail: 'may not be specified when `value` is not empty' });
    }
    if (isRecord(item.valueFrom)) {
      const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'].filter((k) => isRecord((item.valueFrom as Record<string, unknown>)[k]));
      if (sources.length !== 1) errs.push({ type: 'Invalid', field: `${p}.valueFrom`, value: '', detail: 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`' });
    }
  });
}

function checkContainers(list: unknown, path: string, required: boolean, names: Set<string>, errs: FieldError[]): void {
  if (list === undefined || list === null) {
    if (required) errs.push({ type: 'Required', field: path });
    return;
  }
  const containers = asArray(list);
  if (!containers) {
    errs.push({ type: 'Invalid', field: path, value: list, detail: 'must be a list' });
    return;
  }
  if (required && containers.length === 0) errs.push({ type: 'Required', field: path });
  containers.forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (!isRecord(c)) {
      errs.push({ type: 'Invalid', field: p, value: c, detail: 'must be an object' });
      return;
    }
    if (typeof c.name !== 'string' || c.name === '') errs.push({ type: 'Required', field: `${p}.name` });
    else {
      checkName(c.name, 'dns1123Label', `${p}.name`, errs);
      if (names.has(c.name)) errs.push({ type: 'Duplicate', field: `${p}.name`, value: c.name });
      names.add(c.name);
    }
    if (typeof c.image !== 'string' || c.image.trim() === '') errs.push({ type: 'Required', field: `${p}.image` });
    for (const key of ['command', 'args'] as const) {
      const v = c[key];
      if (v !== undefined && v !== null && !(Array.isArray(v) && v.every((s) => typeof s === 'string'))) {
        errs.push({ type: 'Invalid', field: `${p}.${key}`, value: v, detail: 'must be a list of strings' });
      }
    }
    checkEnv(c.env, `${p}.env`, errs);
    checkResources(c.resources, `${p}.resources`, errs);
    asArray(c.ports)?.forEach((port, j) => {
      const n = isRecord(port) ? port.containerPort : undefined;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) {
        errs.push({ type: 'Invalid', field: `${p}.ports[${j}].containerPort`, value: n, detail: 'must be between 1 and 65535, inclusive' });
      }
    });
    const policy = c.terminationMessagePolicy;
    if (policy !== undefined && policy !== 'File' && policy !== 'FallbackToLogsOnError') {
      errs.push({ type: 'NotSupported', field: `${p}.terminationMessagePolicy`, value: policy, supported: ['File', 'FallbackToLogsOnError'] });
    }
  });
}

/** Validate a (defaulted) pod spec at `path` (e.g. `spec` or `spec.template.spec`). */
export function checkPodSpec(spec: unknown, path: string, rules: PodSpecRules, errs: FieldError[]): void {
  if (!isRecord(spec)) {
    errs.push({ type: 'Required', field: path });
    return;
  }
  const names = new Set<string>();
  checkContainers(spec.initContainers, `${path}.initContainers`, false, names, errs);
  checkContainers(spec.containers, `${path}.containers`, true, names, errs);
  const policy = spec.restartPolicy;
  if (!rules.restartPolicies.includes(String(policy))) {
    if (policy === undefined || policy === '') errs.push({ type: 'Required', field: `${path}.restartPolicy`, detail: `valid values: ${rules.restartPolicies.map((p) => JSON.stringify(p)).join(', ')}` });
    else if (!rules.restartPolicies.includes('Always')) {
      // Jobs: batch validation says Required for any other value (kube-apiserver 1.34), after the pod's own check.
      if (!(RESTART_POLICIES as readonly string[]).includes(String(policy))) errs.push({ type: 'NotSupported', field: `${path}.restartPolicy`, value: policy, supported: RESTART_POLICIES });
      errs.push({ type: 'Required', field: `${path}.restartPolicy`, detail: `valid values: ${rules.restartPolicies.map((p) => JSON.stringify(p)).join(', ')}` });
    } else errs.push({ type: 'NotSupported', field: `${path}.restartPolicy`, value: policy, supported: rules.restartPolicies });
  }
  const grace = spec.terminationGracePeriodSeconds;
  if (grace !== undefined && (typeof grace !== 'number' || grace < 0)) {
    errs.push({ type: 'Invalid', field: `${path}.terminationGracePeriodSeconds`, value: grace, detail: 'must be greater than or equal to 0' });
  }
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && (typeof deadline !== 'number' || deadline <= 0)) {
    errs.push({ type: 'Invalid', field: `${path}.activeDeadlineSeconds`, value: deadline, detail: 'must be between 1 and 2147483647, inclusive' });
  }
}
