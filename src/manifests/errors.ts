import type { Warning } from './types.js';

/** One problem in the input, with the file and 1-based line it was found at. */
export interface ManifestIssue {
  file: string;
  line: number;
  message: string;
}

/**
 * Invalid input (D9): unparseable YAML, a document without `apiVersion` or `kind`,
 * a non-hook without a name, an unreadable path. Holds every issue found, not only the first.
 */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  readonly issues: readonly ManifestIssue[];

  constructor(issues: readonly ManifestIssue[], options?: { cause?: unknown }) {
    super(issues.map(formatIssue).join('\n'), options);
    this.issues = issues;
  }

  /** `--strict`: every warning becomes an error. */
  static fromWarnings(warnings: readonly Warning[]): ManifestError {
    return new ManifestError(warnings.map((w) => ({ ...w, message: w.message })));
  }
}

export function formatIssue(issue: ManifestIssue): string {
  return issue.line > 0 ? `${issue.file}:${issue.line}: ${issue.message}` : `${issue.file}: ${issue.message}`;
}
