/* global getComputedStyle */
/**
 * #/new and #/applications/<name>/edit — an Argo CD Application manifest as YAML (a template to
 * start from; the stored manifest to edit), sent to `POST /api/v1/applications` or
 * `PUT /api/v1/applications/<name>` as application/yaml. The API validates it; its field errors
 * are listed beside the form, each with the line it points at (a click selects the line).
 */
import { ApiError } from '../api.js';
import { fill, h, notice } from '../dom.js';
import { fieldLines, lineOf, toYaml } from '../yaml.js';

export const TEMPLATE = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: my-app
  # annotations:
  #   notifications.argoproj.io/subscribe.on-sync-succeeded.slack: my-channel
spec:
  project: default
  source:
    repoURL: https://github.com/example/manifests.git
    path: apps/my-app
    targetRevision: main
  destination:
    server: https://kubernetes.default.svc
    namespace: my-app
  syncPolicy:
    # automated: { prune: true, selfHeal: true }
    syncOptions:
      - CreateNamespace=true
`;

/** The 0-based character range of a 1-based line. */
function lineRange(text, line) {
  let start = 0;
  for (let i = 1; i < line; i++) {
    const next = text.indexOf('\n', start);
    if (next < 0) return [text.length, text.length];
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return [start, end < 0 ? text.length : end];
}

/** `name` undefined: a new application; else the edit form of that application. */
export function renderApplicationForm(ctx, name) {
  const editing = name !== undefined;
  ctx.setCrumbs(h('a', { href: '#/' }, 'Applications'), ...(editing ? [h('a', { href: `#/applications/${encodeURIComponent(name)}` }, name), h('span', {}, 'Edit')] : [h('span', {}, 'New application')]));
  const messages = h('div', { class: 'messages' });
  const editor = h('textarea', {
    id: 'manifest',
    name: 'manifest',
    class: 'mono manifest',
    rows: 26,
    spellcheck: 'false',
    autocomplete: 'off',
    autocapitalize: 'off',
    'aria-describedby': 'manifest-help form-problems',
    disabled: editing,
  });
  const problems = h('section', { id: 'form-problems', class: 'card problems', 'aria-labelledby': 'problems-title', 'aria-live': 'polite', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'save', disabled: editing }, editing ? 'Save' : 'Create');
  const reset = editing ? null : h('button', { type: 'button', id: 'reset-template', onclick: () => setText(TEMPLATE) }, 'Start from the template');
  const cancel = h('a', { class: 'button', href: editing ? `#/applications/${encodeURIComponent(name)}` : '#/', id: 'cancel' }, 'Cancel');

  const setText = (text) => {
    editor.value = text;
    showProblems(null);
  };

  /** Select a line of the manifest and bring it into view. */
  const goToLine = (line) => {
    const [start, end] = lineRange(editor.value, line);
    editor.focus();
    editor.setSelectionRange(start, end);
    const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 18;
    editor.scrollTop = Math.max(0, (line - 4) * lineHeight);
  };

  /** The problem of a refused manifest, one entry per field (with its line), or null to clear. */
  function showProblems(err) {
    editor.removeAttribute('aria-invalid');
    if (!err) {
      problems.hidden = true;
      fill(problems);
      return;
    }
    editor.setAttribute('aria-invalid', 'true');
    const fields = err instanceof ApiError ? (err.problem.errors ?? []) : [];
    const lines = fieldLines(editor.value);
    // A YAML syntax error names its line in the detail: `the body is not valid YAML (line 3): …`.
    const syntaxLine = /\(line (\d+)\)/.exec(err.message)?.[1];
    const locate = (line, exact) =>
      line ? h('button', { type: 'button', class: 'link line', onclick: () => goToLine(line), 'aria-label': `go to line ${line}` }, exact ? `line ${line}` : `near line ${line}`) : null;
    problems.hidden = false;
    fill(
      problems,
      h('h2', { id: 'problems-title' }, fields.length ? `${fields.length} field${fields.length === 1 ? '' : 's'} to fix` : 'Not saved'),
      fields.length
        ? h(
            'ul',
            { class: 'field-errors' },
            fields.map((e) => {
              const at = lineOf(lines, e.field);
              return h('li', { dataset: { field: e.field } }, h('code', { class: 'field' }, e.field), ' ', h('span', { class: 'message' }, e.message), ' ', locate(at?.line, at?.exact));
            }),
          )
        : h('p', { class: 'detail' }, err.message, ' ', locate(syntaxLine ? Number(syntaxLine) : undefined, true)),
    );
  }

  const form = h(
    'form',
    {
      class: 'app-form',
      id: 'app-form',
      'aria-labelledby': 'form-title',
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        showProblems(null);
        fill(messages);
        try {
          const path = editing ? `/applications/${encodeURIComponent(name)}` : '/applications';
          const record = await ctx.call(path, { method: editing ? 'PUT' : 'POST', text: editor.value, contentType: 'application/yaml' });
          ctx.navigate(`#/applications/${encodeURIComponent(record.name)}`);
        } catch (err) {
          if (err instanceof ApiError && err.status === 409) messages.append(notice(err.message, 'warn', ' ', h('a', { href: '#/' }, 'See the applications')));
          else if (err instanceof ApiError && (err.status === 400 || err.status === 422 || err.status === 413 || err.status === 415)) showProblems(err);
          else messages.append(notice(`${editing ? 'Saving' : 'Creating'} failed: ${err.message}`));
        } finally {
          submit.disabled = false;
        }
      },
    },
    h(
      'div',
      { class: 'form-main' },
      h('label', { for: 'manifest' }, 'Application manifest (YAML or JSON)'),
      editor,
      h(
        'p',
        { id: 'manifest-help', class: 'muted' },
        'An Argo CD Application: hookrunner reads metadata.name, spec.source (repoURL, path, targetRevision, directory), spec.destination.namespace, spec.syncPolicy, spec.ignoreDifferences and notification annotations. ',
        editing ? `The name must stay ${name}.` : 'Its name must not be taken.',
      ),
      h('div', { class: 'buttons' }, submit, reset, cancel),
    ),
    problems,
  );
  fill(ctx.main, h('div', { class: 'toolbar' }, h('h1', { id: 'form-title' }, editing ? `Edit ${name}` : 'New application')), messages, form);

  if (!editing) {
    setText(TEMPLATE);
    editor.focus();
    return () => {};
  }
  let gone = false;
  void (async () => {
    try {
      const app = await ctx.call(`/applications/${encodeURIComponent(name)}`);
      if (gone) return;
      setText(toYaml(app.manifest ?? {}));
      editor.disabled = false;
      submit.disabled = false;
      editor.focus();
    } catch (err) {
      if (!gone) messages.append(notice(err instanceof ApiError && err.status === 404 ? `Application ${name} not found.` : `Cannot load ${name}: ${err.message}`));
    }
  })();
  return () => {
    gone = true;
  };
}
