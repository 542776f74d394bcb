/**
 * The real API server's own audit log (Metadata level, writes only) read back as entries shaped
 * like the dev cluster's audit (`verb`, `apiVersion`, `kind`, `namespace`, `name`, `code`, `time`),
 * plus the node agent's process starts and exits — so tests can check, for example, that a Job
 * was created exactly once, against either backend.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { isRecord } from '../util/json.js';

export interface AuditEntry {
  /** Milliseconds since the epoch: when the API server finished the request (or the process event happened). */
  time: number;
  verb: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
  /** HTTP status code; 0 for process events. */
  code: number;
  subresource?: string;
  /** `controller`: the dev cluster's roll-out events (the embedded backend only). */
  source: 'api' | 'runtime' | 'controller';
  /** The authenticated user of a request. */
  user?: string;
  container?: string;
  pid?: number;
  exitCode?: number;
}

/** Writes only; leases, events and reads are left out. */
const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
  - level: None
    verbs: [get, list, watch]
  - level: None
    resources:
      - group: coordination.k8s.io
        resources: [leases]
      - group: ""
        resources: [events]
      - group: events.k8s.io
        resources: [events]
  - level: Metadata
`;

export async function writeAuditPolicy(path: string): Promise<void> {
  await writeFile(path, POLICY);
}

/** `resource` (plural, with group) → `{ kind, apiVersion }`, from discovery. */
export type KindTable = Map<string, { kind: string; apiVersion: string }>;

export const kindKey = (group: string, resource: string): string => `${group}/${resource}`;

/** Parse the audit log's JSON lines (the last line may be partial while it is written). */
export async function readAuditLog(path: string, kinds: KindTable): Promise<AuditEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const out: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isRecord(e) || e.stage !== 'ResponseComplete' || !isRecord(e.objectRef)) continue;
    const ref = e.objectRef;
    const group = typeof ref.apiGroup === 'string' ? ref.apiGroup : '';
    const resource = typeof ref.resource === 'string' ? ref.resource : '';
    const known = kinds.get(kindKey(group, resource));
    const version = typeof ref.apiVersion === 'string' ? ref.apiVersion : 'v1';
    const status = isRecord(e.responseStatus) ? e.responseStatus : {};
    out.push({
      time: Date.parse(typeof e.stageTimestamp === 'string' ? e.stageTimestamp : '') || 0,
      verb: typeof e.verb === 'string' ? e.verb : '',
      apiVersion: known?.apiVersion ?? (group ? `${group}/${version}` : version),
      kind: known?.kind ?? resource,
      ...(typeof ref.namespace === 'string' ? { namespace: ref.namespace } : {}),
      ...(typeof ref.name === 'string' ? { name: ref.name } : {}),
      ...(typeof ref.subresource === 'string' ? { subresource: ref.subresource } : {}),
      code: typeof status.code === 'number' ? status.code : 0,
      source: 'api',
      ...(isRecord(e.user) && typeof e.user.username === 'string' ? { user: e.user.username } : {}),
    });
  }
  return out;
}

/** The kind table from the API server's discovery documents. */
export async function discoverKinds(get: (path: string) => Promise<unknown>): Promise<KindTable> {
  const table: KindTable = new Map();
  const addList = (doc: unknown, group: string): void => {
    if (!isRecord(doc) || !Array.isArray(doc.resources)) return;
    const apiVersion = typeof doc.groupVersion === 'string' ? doc.groupVersion : 'v1';
    for (const r of doc.resources) {
      if (isRecord(r) && typeof r.name === 'string' && typeof r.kind === 'string' && !r.name.includes('/')) table.set(kindKey(group, r.name), { kind: r.kind, apiVersion });
    }
  };
  addList(await get('/api/v1'), '');
  const groups = await get('/apis');
  if (isRecord(groups) && Array.isArray(groups.groups)) {
    for (const g of groups.groups) {
      if (!isRecord(g) || typeof g.name !== 'string' || !isRecord(g.preferredVersion)) continue;
      const gv = g.preferredVersion.groupVersion;
      if (typeof gv === 'string') addList(await get(`/apis/${gv}`), g.name);
    }
  }
  return table;
}
