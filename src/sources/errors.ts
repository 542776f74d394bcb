/**
 * Typed errors of the git source cache. A {@link SourceError} is the user's input being wrong
 * (unknown repository, revision or path) and names the Application field at fault; a
 * {@link GitCommandError} is infrastructure (a timeout, a network failure, a broken cache).
 */

/** The Application field a source error is about. */
export type SourceField = 'repoURL' | 'targetRevision' | 'path';

/** The requested source does not exist. `field` names what to fix. */
export class SourceError extends Error {
  override readonly name: string = 'SourceError';
  constructor(
    readonly field: SourceField,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The repository cannot be cloned: it does not exist, or access is refused. */
export class UnknownRepositoryError extends SourceError {
  override readonly name = 'UnknownRepositoryError';
  constructor(
    readonly repoURL: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('repoURL', `repository ${repoURL} cannot be read: ${reason}`, options);
  }
}

/** The repository URL has a form hookrunner never passes to git (`<helper>::<address>`, which runs a program). */
export class UnsupportedRepositoryUrlError extends SourceError {
  override readonly name = 'UnsupportedRepositoryUrlError';
  constructor(
    readonly repoURL: string,
    reason: string,
  ) {
    super('repoURL', `repository URL ${repoURL} ${reason}`);
  }
}

/** No branch, tag or commit of that name in the repository. */
export class UnknownRevisionError extends SourceError {
  override readonly name = 'UnknownRevisionError';
  constructor(
    readonly repoURL: string,
    readonly revision: string,
    readonly branches: readonly string[],
  ) {
    const known = branches.length > 0 ? ` (branches: ${branches.slice(0, 10).join(', ')}${branches.length > 10 ? ', …' : ''})` : ' (the repository has no branches)';
    super('targetRevision', `revision "${revision}" not found in ${repoURL}: no branch, tag or commit of that name${known}`);
  }
}

/** The path does not exist in that commit, is not a folder or file, or leaves the repository. */
export class SourcePathError extends SourceError {
  override readonly name = 'SourcePathError';
  constructor(
    readonly repoURL: string,
    readonly revision: string,
    readonly path: string,
    reason: string,
  ) {
    super('path', `path "${path}" ${reason} in ${repoURL} at ${revision.slice(0, 12)}`);
  }
}

/** A git command failed for a reason that is not the user's input (or it timed out). */
export class GitCommandError extends Error {
  override readonly name = 'GitCommandError';
  constructor(
    message: string,
    readonly details: { command: string; exitCode?: number | null; stderr: string; timedOut: boolean },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
