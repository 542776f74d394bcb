/** Building an {@link OperationSpec} with the documented defaults. */
import type { OperationSpec } from './types.js';

/** D3: an operation's default deadline (60 min) and a hook's (30 min). */
export const DEFAULT_OPERATION_TIMEOUT_MS = 60 * 60_000;
export const DEFAULT_HOOK_TIMEOUT_MS = 30 * 60_000;

export type OperationSpecInput = Pick<OperationSpec, 'app' | 'namespace' | 'revision' | 'manifests' | 'initiatedBy'> & Partial<OperationSpec>;

/** Fill in what was not given: no CreateNamespace, no prune, D3 timeouts, D2 wave delay 0. */
export function operationSpec(input: OperationSpecInput): OperationSpec {
  return {
    warnings: [],
    createNamespace: false,
    prune: false,
    pruneLast: false,
    dryRun: false,
    timeoutMs: DEFAULT_OPERATION_TIMEOUT_MS,
    hookTimeoutMs: DEFAULT_HOOK_TIMEOUT_MS,
    waveDelayMs: 0,
    ...input,
  };
}
