/** Start a sync from any view: on 202 go to the new operation; on 409 say which one runs (D6), with a link. */
import { ApiError } from '../api.js';
import { h, notice } from '../dom.js';

export async function startSync(ctx, app, options, messages) {
  try {
    const doc = await ctx.call(`/applications/${encodeURIComponent(app)}/sync`, { method: 'POST', body: options });
    ctx.navigate(`#/operations/${encodeURIComponent(doc.operation.id)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 409 && err.problem.runningOperation) {
      const id = err.problem.runningOperation;
      messages.append(notice(`${app} already has a running operation: `, 'warn', h('a', { href: `#/operations/${encodeURIComponent(id)}` }, id)));
      return;
    }
    const fields = (err.problem?.errors ?? []).map((e) => h('li', {}, `${e.field}: ${e.message}`));
    messages.append(notice(`Sync of ${app} failed: ${err.message}`, 'bad', fields.length ? h('ul', {}, fields) : null));
  }
}
