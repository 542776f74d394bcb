/**
 * Deleting an application (docs/semantics.md §11), confirmed inline: what will happen, the cascade
 * mode, the name typed out. On 202 go to the deletion's operation; 400/409/422 are shown in place.
 */
import { fill, h } from '../dom.js';
import { problemNotice } from './sync.js';

const CASCADES = [
  { value: 'foreground', label: 'foreground (default)', hint: 'delete each resource and its dependents, and wait until they are gone' },
  { value: 'background', label: 'background', hint: 'delete each resource; the cluster removes its dependents afterwards' },
  { value: 'orphan', label: 'orphan', hint: 'delete no resource, run the hooks' },
];

function cascadeChoice({ value, label, hint }) {
  const id = `delete-cascade-${value}`;
  return h(
    'div',
    { class: 'choice' },
    h('input', { type: 'radio', id, name: 'cascade', value, checked: value === 'foreground', dataset: { testid: `delete-cascade-${value}` } }),
    h('label', { for: id }, h('span', { class: 'choice-name' }, label), h('span', { class: 'muted' }, ` — ${hint}`)),
  );
}

/**
 * The confirmation panel, closed until `open()`; `onClose` runs when it is cancelled.
 * @returns { element, open(), close(), isOpen() }
 */
export function deletePanel(ctx, name, { onClose = () => {} } = {}) {
  const messages = h('div', { class: 'messages' });
  const typed = h('input', { id: 'delete-confirm-name', name: 'confirmName', class: 'mono', autocomplete: 'off', spellcheck: 'false', dataset: { testid: 'delete-confirm-name' } });
  const confirm = h('button', { type: 'submit', class: 'danger solid', id: 'delete-confirm', disabled: true, dataset: { testid: 'delete-confirm' } }, 'Delete application');
  const cancel = h('button', { type: 'button', id: 'delete-cancel', dataset: { testid: 'delete-cancel' } }, 'Cancel');
  const matches = () => typed.value.trim() === name;
  const form = h(
    'form',
    {
      class: 'card danger-zone',
      id: 'delete-panel',
      'aria-labelledby': 'delete-title',
      hidden: true,
      dataset: { testid: 'delete-panel' },
      onsubmit: (event) => {
        event.preventDefault();
        if (matches() && !confirm.disabled) void submit();
      },
      onkeydown: (event) => {
        if (event.key === 'Escape') close(true);
      },
    },
    h('h2', { id: 'delete-title' }, `Delete ${name}?`),
    h('p', { id: 'delete-explanation' }, `Deleting ${name} runs its PreDelete hooks, deletes its resources in the cluster (highest wave first; objects with Delete=false are kept), then runs its PostDelete hooks.`),
    h('fieldset', { class: 'choices' }, h('legend', {}, 'Cascade'), CASCADES.map(cascadeChoice)),
    h('label', { for: 'delete-confirm-name' }, 'Type ', h('strong', { class: 'mono' }, name), ' to confirm'),
    typed,
    messages,
    h('div', { class: 'buttons' }, confirm, cancel),
  );

  const cascade = () => form.querySelector('input[name=cascade]:checked')?.value ?? 'foreground';
  async function submit() {
    confirm.disabled = true;
    try {
      const doc = await ctx.call(`/applications/${encodeURIComponent(name)}?cascade=${encodeURIComponent(cascade())}`, { method: 'DELETE' });
      ctx.navigate(`#/operations/${encodeURIComponent(doc.operation.id)}`);
    } catch (err) {
      fill(messages, problemNotice(name, 'Deletion', err));
      confirm.disabled = !matches();
    }
  }
  function open() {
    form.hidden = false;
    typed.value = '';
    confirm.disabled = true;
    fill(messages);
    typed.focus();
  }
  function close(notify) {
    if (form.hidden) return;
    form.hidden = true;
    if (notify) onClose();
  }
  typed.addEventListener('input', () => {
    confirm.disabled = !matches();
  });
  cancel.addEventListener('click', () => close(true));
  return { element: form, open, close: () => close(false), isOpen: () => !form.hidden };
}
