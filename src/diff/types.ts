/**
 * The vocabulary of comparing desired with live objects (docs/semantics.md §9.12): Argo CD's
 * `ignoreDifferences` rules and what a comparison finds.
 */

/** One `spec.ignoreDifferences` entry of an Application, as Argo CD reads it. */
export interface IgnoreDifference {
  /** `''` for the core group; omitted matches any group. */
  group?: string;
  kind: string;
  name?: string;
  namespace?: string;
  /** RFC 6901 pointers, e.g. `/spec/replicas`. */
  jsonPointers?: string[];
  /** Argo CD's jq paths; hookrunner evaluates a subset (field paths, `[]`, `[n]`, `select(path == literal)`) and warns about the rest. */
  jqPathExpressions?: string[];
  /** Fields owned by these field managers (from the live object's `managedFields`) are ignored. */
  managedFieldsManagers?: string[];
}

/** One field that differs, by JSON pointer into the desired object. */
export interface Difference {
  path: string;
  desired: unknown;
  /** `undefined` when the live object lacks the field. */
  live: unknown;
}

export interface Comparison {
  /** True when some field the desired object sets differs on the live object. */
  modified: boolean;
  differences: Difference[];
}
