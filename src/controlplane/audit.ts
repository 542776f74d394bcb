/**
 * The real API server's own audit log (Metadata level, writes only) read back as entries shaped
 * like the dev cluster's audit (`verb`, `apiVersion`, `kind`, `namespace`, `name`, `code`, `time`),
 * plus the node agent's process starts and exits — so tests can check, for example, that a Job
 * was created exactly once, against either backend.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
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

/**
 * The audit log's records, oldest first: the backups the API server rotated out
 * (`<name>-<timestamp><ext>` next to it, past `--audit-log-maxsize`), then the log itself. A line
 * that is not JSON (the last one while it is written) is skipped; no log yet gives nothing; any
 * other read failure is thrown.
 */
async function* auditRecords(path: string): AsyncGenerator<unknown> {
  const dir = dirname(path);
  const ext = extname(path);
  const stem = basename(path, ext);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const backups = names.filter((n) => n.startsWith(`${stem}-`) && n.endsWith(ext)).sort();
  for (const name of [...backups, basename(path)]) {
    let text: string;
    try {
      text = await readFile(join(dir, name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        yield JSON.parse(line) as unknown;
      } catch {
        // a partial last line
      }
    }
  }
}

/** The audited requests as entries like the dev cluster's audit (see the module comment). */
export async function readAuditLog(path: string, kinds: KindTable): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const e of auditRecords(path)) {
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

export interface AuditPolicyOptions {
  /** Users whose every request (reads and watches included) is logged at Metadata level, e.g. `hookrunner-admin`. */
  allRequestsOf: readonly string[];
  /** Non-resource paths of those users left out (e.g. a benchmark's own `/metrics` scrapes). @defaultValue [] */
  skipPaths?: readonly string[];
}

/**
 * A policy that logs the writes of everyone (as the default policy does) and every request of
 * `allRequestsOf`, reads and watches included. It keeps the `ResponseStarted` stage, which only
 * long-running requests (watches) have, so a watch still open is in the log.
 */
export function auditPolicyFor(options: AuditPolicyOptions): string {
  const users = JSON.stringify(options.allRequestsOf);
  const skip = options.skipPaths && options.skipPaths.length > 0 ? `  - level: None\n    users: ${users}\n    nonResourceURLs: ${JSON.stringify(options.skipPaths)}\n` : '';
  const defaults = POLICY.slice(POLICY.indexOf('rules:\n') + 'rules:\n'.length);
  return `apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n${skip}  - level: Metadata\n    users: ${users}\n${defaults}`;
}

/** One request as the audit log has it (one entry per stage: watches have `ResponseStarted` and, once ended, `ResponseComplete`). */
export interface AuditRequest {
  auditId: string;
  stage: 'ResponseStarted' | 'ResponseComplete';
  /** `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`, or the HTTP method's for non-resource paths. */
  verb: string;
  /** Path and query. */
  requestUri: string;
  user?: string;
  userAgent?: string;
  /** Milliseconds since the epoch: when the API server received the request. */
  received: number;
  /** Milliseconds since the epoch: when this stage happened. */
  time: number;
  code: number;
  namespace?: string;
  resource?: string;
  name?: string;
  subresource?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Every `ResponseStarted` and `ResponseComplete` entry of the audit log and its rotated backups, oldest first (the last line may be partial). */
export async function readAuditRequests(path: string): Promise<AuditRequest[]> {
  const out: AuditRequest[] = [];
  for await (const e of auditRecords(path)) {
    if (!isRecord(e) || (e.stage !== 'ResponseComplete' && e.stage !== 'ResponseStarted')) continue;
    const ref = isRecord(e.objectRef) ? e.objectRef : {};
    const status = isRecord(e.responseStatus) ? e.responseStatus : {};
    const user = isRecord(e.user) ? str(e.user.username) : undefined;
    const optional: Partial<AuditRequest> = {};
    if (user !== undefined) optional.user = user;
    for (const [key, value] of [['userAgent', e.userAgent], ['namespace', ref.namespace], ['resource', ref.resource], ['name', ref.name], ['subresource', ref.subresource]] as const) {
      if (typeof value === 'string') optional[key] = value;
    }
    out.push({
      auditId: str(e.auditID) ?? '',
      stage: e.stage,
      verb: str(e.verb) ?? '',
      requestUri: str(e.requestURI) ?? '',
      received: Date.parse(str(e.requestReceivedTimestamp) ?? '') || 0,
      time: Date.parse(str(e.stageTimestamp) ?? '') || 0,
      code: typeof status.code === 'number' ? status.code : 0,
      ...optional,
    });
  }
  return out;
}
