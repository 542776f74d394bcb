/**
 * Label and field selectors as the API server parses them (`k8s.io/apimachinery/pkg/labels`,
 * `pkg/fields`): `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`.
 */
import type { KubeObject } from '../../manifests/index.js';
import { badRequest } from '../errors.js';
import { getPath } from '../json.js';

type LabelOp = 'eq' | 'neq' | 'in' | 'notin' | 'exists' | 'absent' | 'gt' | 'lt';

interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

/** A parsed selector: `matches` is a pure predicate. */
export interface Selector {
  readonly empty: boolean;
  matches(obj: KubeObject): boolean;
}

const EVERYTHING: Selector = { empty: true, matches: () => true };

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

const KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;

function parseRequirement(text: string): LabelRequirement {
  const fail = (why: string): never => {
    throw badRequest(`unable to parse requirement: ${why}: ${JSON.stringify(text)}`);
  };
  const checkKey = (key: string): string => {
    if (!KEY.test(key)) fail(`invalid label key ${JSON.stringify(key)}`);
    return key;
  };
  if (text.startsWith('!')) return { key: checkKey(text.slice(1).trim()), op: 'absent', values: [] };
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (set) {
    const values = (set[3] ?? '').split(',').map((v) => v.trim());
    return { key: checkKey(set[1] ?? ''), op: set[2] === 'in' ? 'in' : 'notin', values };
  }
  const cmp = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(text);
  if (cmp) {
    const op = cmp[2];
    const value = (cmp[3] ?? '').trim();
    if (op === '>' || op === '<') {
      if (!/^-?\d+$/.test(value)) fail(`for 'gt', 'lt' operators, exactly one value is required and it must be an integer`);
      return { key: checkKey(cmp[1] ?? ''), op: op === '>' ? 'gt' : 'lt', values: [value] };
    }
    return { key: checkKey(cmp[1] ?? ''), op: op === '!=' ? 'neq' : 'eq', values: [value] };
  }
  if (/\s/.test(text)) fail('found unexpected whitespace');
  return { key: checkKey(text), op: 'exists', values: [] };
}

function matchRequirement(req: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = labels[req.key];
  switch (req.op) {
    case 'exists':
      return has;
    case 'absent':
      return !has;
    case 'eq':
      return has && value === req.values[0];
    case 'neq':
      return !has || value !== req.values[0];
    case 'in':
      return has && req.values.includes(value ?? '');
    case 'notin':
      return !has || !req.values.includes(value ?? '');
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(value ?? '')) return false;
      const n = Number(value);
      const limit = Number(req.values[0]);
      return req.op === 'gt' ? n > limit : n < limit;
    }
  }
}

/** Parse `labelSelector`; 400 BadRequest when malformed. */
export function parseLabelSelector(text: string | undefined | null): Selector {
  if (!text || !text.trim()) return EVERYTHING;
  const reqs = splitTopLevel(text).map(parseRequirement);
  return {
    empty: reqs.length === 0,
    matches: (obj) => {
      const labels = obj.metadata.labels ?? {};
      return reqs.every((r) => matchRequirement(r, labels));
    },
  };
}

/** A `matchLabels`/`matchExpressions` label selector object, as in Deployment and Job specs. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether labels satisfy a `LabelSelector` object (`metav1.LabelSelectorAsSelector`). */
export function labelSelectorMatches(spec: LabelSelectorSpec, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(spec.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of spec.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key] ?? '';
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(value))) return false;
    if (e.operator === 'NotIn' && has && values.includes(value)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Field paths a field selector may use, beyond `metadata.name` and `metadata.namespace`. */
const EXTRA_FIELDS: Record<string, readonly string[]> = {
  Pod: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  Event: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  Secret: ['type'],
  Namespace: ['status.phase'],
  Job: ['status.successful'],
  Node: ['spec.unschedulable'],
  ReplicaSet: ['status.replicas'],
};

/** Parse `fieldSelector` for a kind; 400 BadRequest for an unsupported field. */
export function parseFieldSelector(text: string | undefined | null, kind: string): Selector {
  if (!text || !text.trim()) return EVERYTHING;
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...(EXTRA_FIELDS[kind] ?? [])]);
  const reqs = splitTopLevel(text).map((part) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${part}'; can't understand '${part}'`);
    const field = (m[1] ?? '').trim();
    if (!allowed.has(field)) throw badRequest(`field label not supported: ${field}`);
    return { path: field.split('.'), negate: m[2] === '!=', value: (m[3] ?? '').trim() };
  });
  return {
    empty: false,
    matches: (obj) =>
      reqs.every((r) => {
        const raw = getPath(obj, r.path);
        const actual = raw === undefined || raw === null ? '' : String(raw);
        return r.negate ? actual !== r.value : actual === r.value;
      }),
  };
}
