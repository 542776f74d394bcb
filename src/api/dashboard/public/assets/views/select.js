/**
 * Selective sync (docs/semantics.md §9.9) from the application view: the resources of the last
 * operation, a checkbox each, and "Sync selected (N)". Hook rows and deletion rows are left out:
 * a selective sync runs no hooks and applies only what is checked.
 */
import { badge, fill, h } from '../dom.js';
import { startSync } from './sync.js';

const DELETION_PHASES = new Set(['PreDelete', 'Delete', 'PostDelete']);

/** `group/kind/namespace/name`: one line per object however many rows it has. */
const keyOf = (r) => `${r.group}/${r.kind}/${r.namespace}/${r.name}`;
const kindOf = (r) => `${r.group ? `${r.group}/` : ''}${r.version}/${r.kind}`;

/** The rows of an operation document a selective sync can take, one per object. */
export function selectableResources(resources) {
  const seen = new Map();
  for (const r of resources ?? []) {
    if (r.hookType || DELETION_PHASES.has(r.syncPhase)) continue;
    if (!seen.has(keyOf(r))) seen.set(keyOf(r), r);
  }
  return [...seen.values()];
}

/** @returns { element, show(doc | null) } — `null` when the application has no operation yet. */
export function resourcePicker(ctx, name, messages) {
  const checked = new Set();
  let rows = [];
  let drawn = '';
  const body = h('tbody');
  const all = h('input', { type: 'checkbox', id: 'select-all', dataset: { testid: 'select-all' } });
  const button = h('button', { type: 'button', id: 'sync-selected', class: 'primary', disabled: true, dataset: { testid: 'sync-selected' } }, 'Sync selected (0)');
  const source = h('span', { class: 'muted' });
  const element = h(
    'section',
    { id: 'selection', hidden: true, 'aria-labelledby': 'selection-title' },
    h('div', { class: 'toolbar' }, h('h2', { id: 'selection-title' }, 'Resources'), source),
    h('div', { class: 'selection-bar' }, button, h('span', { class: 'muted', id: 'selection-note' }, 'A selective sync applies only the checked resources and runs no hooks.')),
    h(
      'table',
      { class: 'grid', id: 'resources' },
      h('thead', {}, h('tr', {}, h('th', { class: 'pick' }, all, h('label', { for: 'select-all', class: 'visually-hidden' }, 'Select every resource')), ['KIND', 'NAMESPACE', 'NAME', 'STATUS', 'HEALTH'].map((c) => h('th', {}, c)))),
      body,
    ),
  );

  const update = () => {
    button.textContent = `Sync selected (${checked.size})`;
    button.disabled = checked.size === 0;
    all.checked = rows.length > 0 && checked.size === rows.length;
    all.indeterminate = checked.size > 0 && checked.size < rows.length;
    for (const box of body.querySelectorAll('input[type=checkbox]')) box.checked = checked.has(box.value);
  };
  const row = (r, i) => {
    const id = `select-${i}`;
    const box = h('input', {
      type: 'checkbox',
      id,
      value: keyOf(r),
      dataset: { testid: 'select-resource' },
      onchange: (event) => {
        if (event.target.checked) checked.add(keyOf(r));
        else checked.delete(keyOf(r));
        update();
      },
    });
    return h(
      'tr',
      { dataset: { key: keyOf(r), kind: r.kind, name: r.name } },
      h('td', { class: 'pick' }, box),
      h('td', { class: 'mono' }, kindOf(r)),
      h('td', { class: 'nowrap' }, r.namespace || '-'),
      h('td', { class: 'nowrap' }, h('label', { for: id }, r.name)),
      h('td', {}, badge(r.displayStatus)),
      h('td', {}, badge(r.health?.status, r.health?.message ? { title: r.health.message } : {})),
    );
  };
  const draw = () => {
    fill(body, rows.length ? rows.map(row) : h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'The last operation has no resource a selective sync can take.')));
    all.disabled = rows.length === 0;
    update();
  };

  all.addEventListener('change', () => {
    if (all.checked) for (const r of rows) checked.add(keyOf(r));
    else checked.clear();
    update();
  });
  button.addEventListener('click', async () => {
    const resources = rows.filter((r) => checked.has(keyOf(r))).map((r) => ({ group: r.group, kind: r.kind, namespace: r.namespace, name: r.name }));
    if (!resources.length) return;
    button.disabled = true;
    await startSync(ctx, name, { resources }, messages);
    update();
  });

  function show(doc) {
    element.hidden = !doc;
    if (!doc) {
      rows = [];
      checked.clear();
      drawn = '';
      return;
    }
    const op = doc.operation;
    fill(source, 'of the last operation ', h('a', { class: 'mono', href: `#/operations/${encodeURIComponent(op.id)}` }, op.id));
    rows = selectableResources(doc.resources);
    const keys = new Set(rows.map(keyOf));
    for (const key of [...checked]) if (!keys.has(key)) checked.delete(key);
    // Redraw only when something shown changed, so a box being clicked is not replaced under the pointer.
    const next = JSON.stringify(rows.map((r) => [keyOf(r), r.displayStatus, r.health?.status ?? null]));
    if (next !== drawn) draw();
    drawn = next;
  }
  return { element, show };
}
