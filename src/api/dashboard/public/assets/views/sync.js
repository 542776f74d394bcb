/** Start a sync from any view: on 202 go to the new operation; on 409 say which one runs (D6), with a link. */
import { ApiError } from '../api.js';
import { h, notice } from '../dom.js';

/**
 * The notice for a refused sync or deletion: 409 names the running operation (D6) with a link,
 * anything else gives the problem's detail and its field errors (400, 422).
 */
export function problemNotice(app, what, err) {
  if (err instanceof ApiError && err.status === 409 && err.problem.runningOperation) {
    const id = err.problem.runningOperation;
    return notice(`${app} already has a running operation: `, 'warn', h('a', { href: `#/operations/${encodeURIComponent(id)}` }, id));
  }
  const fields = (err.problem?.errors ?? []).map((e) => h('li', {}, `${e.field}: ${e.message}`));
  return notice(`${what} of ${app} failed: ${err.message}`, 'bad', fields.length ? h('ul', {}, fields) : null);
}

export async function startSync(ctx, app, options, messages) {
  try {
    const doc = await ctx.call(`/applications/${encodeURIComponent(app)}/sync`, { method: 'POST', body: options });
    ctx.navigate(`#/operations/${encodeURIComponent(doc.operation.id)}`);
  } catch (err) {
    messages.append(problemNotice(app, options.resources ? 'Selective sync' : 'Sync', err));
  }
}
