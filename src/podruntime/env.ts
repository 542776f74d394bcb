/**
 * A container's environment as the kubelet builds it: `envFrom`, then `env` in order, with
 * `valueFrom` (Secret and ConfigMap keys, the Downward API `fieldRef`, `resourceFieldRef`) and
 * `$(VAR)` expansion (`third_party/forked/golang/expansion`).
 */
import { cpus, totalmem } from 'node:os';
import type { KubeObject } from '../manifests/index.js';
import { asArray, asString, getPath, isRecord } from '../util/json.js';
import { parseQuantity } from '../util/quantity.js';

/** Reads Secrets and ConfigMaps of the pod's namespace. */
export interface ConfigSource {
  secret(namespace: string, name: string): KubeObject | undefined;
  configMap(namespace: string, name: string): KubeObject | undefined;
}

export type EnvResult = { env: Record<string, string> } | { error: string };

/** Expand `$(VAR)` from `vars`; `$$` is a literal `$`; unknown references stay as written. */
export function expand(input: string, vars: Readonly<Record<string, string>>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const value = vars[name];
      out += value !== undefined ? value : `$(${name})`;
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

function decode(obj: KubeObject, key: string): string | undefined {
  const data = isRecord(obj.data) ? obj.data : {};
  const raw = data[key];
  if (typeof raw !== 'string') return undefined;
  return obj.kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
}

function dataOf(obj: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  const data = isRecord(obj.data) ? obj.data : {};
  for (const key of Object.keys(data)) {
    const v = decode(obj, key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

const FIELD_PATHS: Record<string, (pod: KubeObject) => string | undefined> = {
  'metadata.name': (p) => p.metadata.name,
  'metadata.namespace': (p) => p.metadata.namespace,
  'metadata.uid': (p) => p.metadata.uid,
  'spec.nodeName': (p) => asString(getPath(p, ['spec', 'nodeName'])),
  'spec.serviceAccountName': (p) => asString(getPath(p, ['spec', 'serviceAccountName'])),
  'status.podIP': (p) => asString(getPath(p, ['status', 'podIP'])),
  'status.hostIP': () => '127.0.0.1',
};

function fieldRef(pod: KubeObject, path: string): string | undefined {
  const fixed = FIELD_PATHS[path];
  if (fixed) return fixed(pod) ?? '';
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) {
    const map = m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations;
    return map?.[m[2] ?? ''] ?? '';
  }
  return undefined;
}

function resourceField(container: Record<string, unknown>, resource: string, divisor: unknown): string {
  const [which, name] = resource.split('.') as [string, string];
  const value = asString(getPath(container, ['resources', which, name])) ?? String(getPath(container, ['resources', which, name]) ?? '');
  let amount = value ? parseQuantity(value) : undefined;
  if (!amount || 'error' in amount) amount = { value: name === 'cpu' ? cpus().length : totalmem() };
  const div = typeof divisor === 'string' ? parseQuantity(divisor) : { value: 1 };
  const d = 'error' in div || div.value === 0 ? 1 : div.value;
  return String(Math.ceil(amount.value / d));
}

/** The container's variables, or the `CreateContainerConfigError` message. */
export function resolveEnv(pod: KubeObject, container: Record<string, unknown>, source: ConfigSource): EnvResult {
  const ns = pod.metadata.namespace ?? 'default';
  const env: Record<string, string> = {};
  for (const from of asArray(container.envFrom) ?? []) {
    if (!isRecord(from)) continue;
    const prefix = asString(from.prefix) ?? '';
    for (const [field, kindName, read] of [
      ['configMapRef', 'configmap', (n: string) => source.configMap(ns, n)],
      ['secretRef', 'secret', (n: string) => source.secret(ns, n)],
    ] as const) {
      const ref = from[field];
      if (!isRecord(ref)) continue;
      const name = asString(ref.name) ?? '';
      const obj = read(name);
      if (!obj) {
        if (ref.optional === true) continue;
        return { error: `${kindName} "${name}" not found` };
      }
      for (const [k, v] of Object.entries(dataOf(obj))) env[prefix + k] = v;
    }
  }
  for (const item of asArray(container.env) ?? []) {
    if (!isRecord(item) || typeof item.name !== 'string') continue;
    if (!isRecord(item.valueFrom)) {
      env[item.name] = expand(asString(item.value) ?? '', env);
      continue;
    }
    const from = item.valueFrom;
    let value: string | undefined;
    for (const [field, kind, kindName, read] of [
      ['secretKeyRef', 'Secret', 'secret', (n: string) => source.secret(ns, n)],
      ['configMapKeyRef', 'ConfigMap', 'configmap', (n: string) => source.configMap(ns, n)],
    ] as const) {
      const ref = from[field];
      if (!isRecord(ref)) continue;
      const name = asString(ref.name) ?? '';
      const key = asString(ref.key) ?? '';
      const obj = read(name);
      const optional = ref.optional === true;
      if (!obj) {
        if (optional) break;
        return { error: `${kindName} "${name}" not found` };
      }
      value = decode(obj, key);
      if (value === undefined && !optional) return { error: `couldn't find key ${key} in ${kind} ${ns}/${name}` };
    }
    if (isRecord(from.fieldRef)) {
      const path = asString(from.fieldRef.fieldPath) ?? '';
      value = fieldRef(pod, path);
      if (value === undefined) return { error: `unsupported fieldPath: ${path}` };
    }
    if (isRecord(from.resourceFieldRef)) value = resourceField(container, asString(from.resourceFieldRef.resource) ?? 'limits.cpu', from.resourceFieldRef.divisor);
    if (value !== undefined) env[item.name] = value;
  }
  return { env };
}
