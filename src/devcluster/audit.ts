/** The audit log: every mutating API request and every container process start and exit, with millisecond timestamps. */

export type AuditVerb = 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'process-started' | 'process-exited' | 'rolled-out';

export interface AuditEntry {
  /** Milliseconds since the epoch, when the request was answered (or the process event happened). */
  time: number;
  verb: AuditVerb;
  apiVersion: string;
  kind: string;
  namespace?: string;
  /** The object's name (the generated one for `generateName` creates, when known). */
  name?: string;
  /** HTTP status code of the answer; 0 for process events. */
  code: number;
  subresource?: string;
  /** `api` for requests, `runtime` for process events, `controller` for a workload whose status caught up with its spec (`rolled-out`). */
  source: 'api' | 'runtime' | 'controller';
  /** Process events: the container, its PID, and (on exit) its exit code. */
  container?: string;
  pid?: number;
  exitCode?: number;
  /** The field manager of a write, when given. */
  fieldManager?: string;
}

export class AuditLog {
  private entries: AuditEntry[] = [];

  /** @param maxEntries Entries kept; the oldest are dropped beyond it. */
  constructor(private readonly maxEntries: number) {}

  record(entry: AuditEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.maxEntries * 1.25) this.entries = this.entries.slice(this.entries.length - this.maxEntries);
  }

  list(): AuditEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }
}
