/** The JSON helpers live in `util/json.ts` (shared with the pod runtime). */
export * from '../util/json.js';
