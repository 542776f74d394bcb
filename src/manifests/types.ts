/** Shapes of Kubernetes objects as the manifest loader sees them. */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Any Kubernetes object: `apiVersion`, `kind` and `metadata` are always present once loaded. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** Where an object came from: the file as the user named it and the 1-based line of its first key. */
export interface SourceRef {
  file: string;
  line: number;
}

/** A loaded object with its source position, and the line of each annotation key (for warnings). */
export interface Manifest {
  object: KubeObject;
  source: SourceRef;
  /** 1-based line of each `metadata.annotations` key, when known. */
  annotationLines: Record<string, number>;
}

/** A value that was dropped or ignored, reported with where it was written (D9). */
export interface Warning {
  file: string;
  line: number;
  message: string;
}

/** Split `apiVersion` into group and version: `apps/v1` → (`apps`, `v1`), `v1` → (``, `v1`). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function formatWarning(w: Warning): string {
  return `${w.file}:${w.line}: ${w.message}`;
}
