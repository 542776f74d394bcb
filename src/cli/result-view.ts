/** The result table as Argo CD's RESULT view shows it (§12.2), for the terminal. */
import { apiOperationDocument } from '../api/index.js';
import type { Operation } from '../sync/index.js';
import { renderResult } from './view/index.js';

/** Header and RESULT table at full width, without hook logs (the demo's tables; `sync` uses its view). */
export function renderOperation(op: Operation): string {
  return renderResult(apiOperationDocument(op), { logLines: 0 });
}
