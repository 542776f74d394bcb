export * from './types.js';
export { argoGlobMatch, globMatch, isValidGlob, pathMatch } from './glob.js';
export { groupKindText, isDestinationPermitted, isGroupKindPermitted, isResourcePermitted, isSourcePermitted, normalizeGitUrl, resourceViolations } from './permissions.js';
export { UNSUPPORTED_SPEC_FIELDS, builtinDefaultProject, parseProject, projectDocument } from './parse.js';
export type { ProjectCheck } from './parse.js';
