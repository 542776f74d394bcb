/** Selective sync (src/plan/select.ts, docs/semantics.md §9.9): parsing, matching, selecting. */
import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../../src/manifests/index.js';
import { formatSelector, parseResourceSelector, plan, selectTasks, selectorProblems, selects } from '../../src/plan/index.js';

const docs = `apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: other }
`;

function tasks() {
  return plan(parseManifestText(docs, 'app.yaml').manifests, { namespace: 'shop', startedAt: new Date(0), createNamespace: true }).tasks;
}

describe('when reading --resource GROUP:KIND:[NAMESPACE/]NAME', () => {
  it('should read the group (empty for core), the kind, an optional namespace and the name', () => {
    expect(parseResourceSelector('apps:Deployment:web')).toEqual({ group: 'apps', kind: 'Deployment', name: 'web' });
    expect(parseResourceSelector(':ConfigMap:shop/settings')).toEqual({ group: '', kind: 'ConfigMap', namespace: 'shop', name: 'settings' });
    expect(formatSelector({ group: '', kind: 'ConfigMap', namespace: 'shop', name: 'settings' })).toBe(':ConfigMap:shop/settings');
  });

  it('should refuse other shapes and bad fields, naming the field', () => {
    expect(() => parseResourceSelector('Deployment/web')).toThrow('"Deployment/web" is not GROUP:KIND:[NAMESPACE/]NAME (e.g. apps:Deployment:web, :ConfigMap:app/settings)');
    expect(() => parseResourceSelector('apps:deployment-x:web')).toThrow('kind "deployment-x" is not a kind (e.g. Deployment)');
    expect(() => parseResourceSelector('apps:Deployment:Shop/web')).toThrow('namespace "Shop" is not a namespace name');
    expect(() => parseResourceSelector('apps:Deployment:')).toThrow('name "" is not an object name');
    expect(selectorProblems({ group: 'Apps', kind: 'Deployment', name: 'web' }).map((p) => p.field)).toEqual(['group']);
  });
});

describe('when selecting tasks', () => {
  it('should match group, kind and name exactly, any namespace when none is given, and ignore the version', () => {
    const web = { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' };
    expect(selects({ group: 'apps', kind: 'Deployment', name: 'web' }, web)).toBe(true);
    expect(selects({ group: 'apps', kind: 'Deployment', namespace: '', name: 'web' }, web)).toBe(true);
    expect(selects({ group: 'apps', kind: 'Deployment', namespace: 'other', name: 'web' }, web)).toBe(false);
    expect(selects({ group: 'extensions', kind: 'Deployment', name: 'web' }, web)).toBe(false);
    expect(selects({ group: 'apps', kind: 'deployment', name: 'web' }, web)).toBe(false);
  });

  it('should keep the selected tasks and the CreateNamespace task, and report selectors that select nothing', () => {
    const all = tasks();
    const picked = selectTasks(all, [{ group: 'apps', kind: 'Deployment', namespace: 'other', name: 'web' }, { group: '', kind: 'Secret', name: 'nope' }]);
    expect(picked.tasks.map((t) => t.key)).toEqual(['/Namespace//shop:PreSync', 'apps/Deployment/other/web:Sync']);
    expect(picked.unmatched).toEqual([{ group: '', kind: 'Secret', name: 'nope' }]);
    const both = selectTasks(all, [{ group: 'apps', kind: 'Deployment', name: 'web' }]);
    expect(both.tasks.map((t) => t.key)).toEqual(['/Namespace//shop:PreSync', 'apps/Deployment/other/web:Sync', 'apps/Deployment/shop/web:Sync']);
  });
});
