export { createGitCache } from './git-cache.js';
export type { GitCache, GitCacheOptions, LoadedSource, SourceRequest } from './git-cache.js';
export type { ResolvedRevision } from './mirror.js';
export { GitCommandError, SourceError, SourcePathError, UnknownRepositoryError, UnknownRevisionError, UnsupportedRepositoryUrlError } from './errors.js';
export type { SourceField } from './errors.js';
export { TRANSPORT_HELPER_MESSAGE, isTransportHelperForm, normalizeRepoUrl, redactText, redactUrl, repoUrlKind } from './repo-url.js';
export type { RepoUrlKind } from './repo-url.js';
