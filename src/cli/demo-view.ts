/** What the demo prints besides result tables: Jobs as `kubectl get jobs` shows them. */
import type { ClusterClient } from '../cluster/types.js';
import { formatMs } from '../util/index.js';
import { renderTable } from './table.js';

interface JobStatus {
  succeeded?: number;
  failed?: number;
  active?: number;
  startTime?: string;
  completionTime?: string;
  conditions?: { type: string; status: string; lastTransitionTime?: string }[];
}

export interface JobRow {
  name: string;
  status: string;
  uid: string;
}

/** `kubectl get jobs -n NS`: NAME STATUS COMPLETIONS DURATION AGE (Jobs being deleted are left out, as they vanish). */
export async function listJobs(cluster: ClusterClient, namespace: string, now = Date.now()): Promise<{ rows: JobRow[]; text: string }> {
  const { items } = await cluster.list({ apiVersion: 'batch/v1', kind: 'Job', namespace });
  const jobs = items.filter((j) => !j.metadata.deletionTimestamp).sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  const rows: JobRow[] = [];
  const table = jobs.map((job) => {
    const status = (job['status'] ?? {}) as JobStatus;
    const spec = (job['spec'] ?? {}) as { completions?: number };
    const cond = (type: string): boolean => (status.conditions ?? []).some((c) => c.type === type && c.status === 'True');
    const state = cond('Complete') ? 'Complete' : cond('Failed') ? 'Failed' : (status.active ?? 0) > 0 ? 'Running' : 'Pending';
    const started = status.startTime ? Date.parse(status.startTime) : undefined;
    const ended = status.completionTime ? Date.parse(status.completionTime) : (status.conditions ?? []).find((c) => c.type === 'Failed')?.lastTransitionTime;
    const end = typeof ended === 'string' ? Date.parse(ended) : ended;
    const duration = started !== undefined ? formatMs(Math.max(0, (end ?? now) - started)) : '-';
    const created = job.metadata.creationTimestamp ? Date.parse(job.metadata.creationTimestamp) : now;
    rows.push({ name: job.metadata.name ?? '', status: state, uid: job.metadata.uid ?? '' });
    return [job.metadata.name ?? '', state, `${status.succeeded ?? 0}/${spec.completions ?? 1}`, duration, formatMs(Math.max(0, now - created))];
  });
  const text = jobs.length === 0 ? `No resources found in ${namespace} namespace.\n` : renderTable(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'], table);
  return { rows, text };
}

/** Indent every line of a block. */
export function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n');
}
