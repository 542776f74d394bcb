/**
 * How the cluster differs from the source (`GET /api/v1/applications/<name>/diff`): one collapsible
 * block per object (to create, changed, to prune) with its unified YAML diff, added lines green,
 * removed lines red; "No differences" when the cluster matches.
 */
import { ApiError } from '../api.js';
import { fill, h, shortSha } from '../dom.js';

const ACTION = {
  create: { text: 'to create', tone: 'create' },
  change: { text: 'changed', tone: 'change' },
  prune: { text: 'to prune', tone: 'prune' },
};

/** The class of a unified diff line. */
function lineClass(line) {
  if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('Index:') || line.startsWith('====')) return 'meta';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  if (line.startsWith('\\')) return 'meta';
  return 'ctx';
}

function diffText(text) {
  const lines = (text ?? '').replace(/\n$/, '').split('\n');
  return h(
    'pre',
    { class: 'diff', tabindex: '0' },
    lines.map((line) => h('span', { class: `dl dl-${lineClass(line)}` }, line || ' ')),
  );
}

const countOf = (text, sign) => (text ?? '').split('\n').filter((l) => l.startsWith(sign) && !l.startsWith(sign.repeat(3))).length;

function block(entry, open) {
  const action = ACTION[entry.action] ?? { text: entry.action, tone: 'change' };
  const added = countOf(entry.diff, '+');
  const removed = countOf(entry.diff, '-');
  const where = [entry.namespace, entry.name].filter(Boolean).join('/');
  return h(
    'details',
    { class: 'diff-item', open, dataset: { kind: entry.kind, name: entry.name, action: entry.action } },
    h(
      'summary',
      {},
      h('span', { class: `diff-action act-${action.tone}` }, action.text),
      h('span', { class: 'mono diff-kind' }, `${entry.group ? `${entry.group}/` : ''}${entry.kind}`),
      h('span', { class: 'mono diff-name' }, where),
      h('span', { class: 'diff-count' }, h('span', { class: 'dl-add' }, `+${added}`), ' ', h('span', { class: 'dl-del' }, `−${removed}`)),
    ),
    entry.differences?.length
      ? h('ul', { class: 'diff-fields', 'aria-label': 'changed fields' }, entry.differences.map((d) => h('li', { class: 'mono' }, d.path)))
      : null,
    entry.diff ? diffText(entry.diff) : h('p', { class: 'muted' }, 'No diff text.'),
  );
}

/** @returns { element, load() } */
export function diffPanel(ctx, name) {
  const body = h('div', { class: 'diff-body' });
  const summary = h('span', { class: 'muted', id: 'diff-summary' });
  const expand = h('button', { type: 'button', class: 'small', id: 'diff-expand', hidden: true }, 'Expand all');
  const collapse = h('button', { type: 'button', class: 'small', id: 'diff-collapse', hidden: true }, 'Collapse all');
  expand.addEventListener('click', () => body.querySelectorAll('details').forEach((d) => (d.open = true)));
  collapse.addEventListener('click', () => body.querySelectorAll('details').forEach((d) => (d.open = false)));
  const element = h(
    'section',
    { id: 'diff', class: 'panel', 'aria-labelledby': 'diff-title' },
    h('div', { class: 'toolbar' }, h('h2', { id: 'diff-title' }, 'Diff'), summary, h('div', { class: 'buttons' }, expand, collapse)),
    body,
  );
  let shown = '';

  async function load() {
    let doc;
    try {
      doc = await ctx.call(`/applications/${encodeURIComponent(name)}/diff`);
    } catch (err) {
      shown = '';
      expand.hidden = collapse.hidden = true;
      summary.textContent = '';
      const text =
        err instanceof ApiError && err.status === 503
          ? 'No cluster connection: the diff cannot be computed.'
          : err instanceof ApiError && err.problem.type === 'urn:hookrunner:problem:no-route'
            ? 'This server does not compute diffs.'
            : `Cannot compute the diff: ${err.message}`;
      fill(body, h('p', { class: 'muted', role: 'status' }, text));
      return;
    }
    const next = JSON.stringify(doc);
    if (next === shown) return;
    shown = next;
    const items = doc.items ?? [];
    const against = doc.revision ? ` at ${shortSha(doc.revision)}` : '';
    summary.textContent = items.length ? `${items.length} ${items.length === 1 ? 'object differs' : 'objects differ'} from the source${against}` : '';
    expand.hidden = collapse.hidden = items.length < 2;
    // Remember which blocks were open across a reload of the same objects.
    const open = new Set([...body.querySelectorAll('details[open]')].map((d) => `${d.dataset.kind}/${d.dataset.name}`));
    const first = !body.querySelector('details');
    fill(
      body,
      items.length
        ? items.map((entry) => block(entry, first ? items.length <= 5 : open.has(`${entry.kind}/${entry.name}`)))
        : h('p', { class: 'no-diff', role: 'status' }, `No differences: the cluster matches the source${against}.`),
    );
  }
  return { element, load };
}
