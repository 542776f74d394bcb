/** Short, one-line status summaries of live objects, for timeout messages ("last seen: …"). */
import type { KubeObject } from '../manifests/index.js';
import { resourceHealth } from './health/index.js';

const MAX = 300;

type Json = Record<string, unknown>;

function rec(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

function records(v: unknown): Json[] {
  return Array.isArray(v) ? v.flatMap((x) => (rec(x) ? [x as Json] : [])) : [];
}

function conditionList(status: Json | undefined): string {
  const parts = records(status?.['conditions']).map((c) => {
    const reason = typeof c['reason'] === 'string' && c['reason'] ? ` (${c['reason']})` : '';
    return `${String(c['type'])}=${String(c['status'])}${reason}`;
  });
  return parts.length > 0 ? parts.join(', ') : 'none';
}

function containerState(cs: Json): string {
  const state = rec(cs['state']) ?? {};
  const name = String(cs['name'] ?? '?');
  const waiting = rec(state['waiting']);
  if (waiting) return `${name} waiting${waiting['reason'] ? ` (${String(waiting['reason'])})` : ''}`;
  const terminated = rec(state['terminated']);
  if (terminated) return `${name} terminated (exit ${String(terminated['exitCode'] ?? '?')}${terminated['reason'] ? `, ${String(terminated['reason'])}` : ''})`;
  if (rec(state['running'])) return `${name} running`;
  return `${name} unknown`;
}

function clip(text: string): string {
  return text.length > MAX ? `${text.slice(0, MAX - 1)}…` : text;
}

/** `Job app/pre-job`. */
export function objectName(obj: Pick<KubeObject, 'kind' | 'metadata'>): string {
  const ns = obj.metadata.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.kind} ${ns}${obj.metadata.name ?? obj.metadata.generateName ?? '?'}`;
}

/**
 * A one-line summary: for a Job its conditions and active/succeeded/failed counts, for a Pod its
 * phase and container states, for anything else its health (§8) and conditions.
 */
export function describeObject(obj: KubeObject | undefined): string {
  if (!obj) return 'not found';
  const status = rec(obj['status']);
  const deleting = obj.metadata.deletionTimestamp ? ', being deleted' : '';
  let summary: string;
  if (obj.kind === 'Job') {
    const n = (k: string): number => (typeof status?.[k] === 'number' ? (status[k] as number) : 0);
    summary = `conditions ${conditionList(status)}; active ${n('active')}, succeeded ${n('succeeded')}, failed ${n('failed')}`;
  } else if (obj.kind === 'Pod') {
    const containers = [...records(status?.['initContainerStatuses']), ...records(status?.['containerStatuses'])].map(containerState);
    summary = `phase ${String(status?.['phase'] ?? 'unknown')}${containers.length > 0 ? `; ${containers.join(', ')}` : ''}`;
    if (typeof status?.['message'] === 'string') summary += `; ${status['message']}`;
  } else {
    const health = resourceHealth(obj);
    const h = health ? `health ${health.status}${health.message ? ` (${health.message})` : ''}; ` : '';
    summary = `${h}conditions ${conditionList(status)}`;
  }
  return clip(`${objectName(obj)}: ${summary}${deleting}`);
}
