/** The plan of an application's deletion (docs/semantics.md §11): PreDelete hooks, Delete tasks the highest wave first, PostDelete hooks. */
import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../../src/manifests/index.js';
import type { KubeObject } from '../../src/manifests/index.js';
import { plan } from '../../src/plan/index.js';

const source = `apiVersion: batch/v1
kind: Job
metadata: { name: backup, annotations: { argocd.argoproj.io/hook: PreDelete, argocd.argoproj.io/sync-wave: "1" } }
spec: {}
---
apiVersion: batch/v1
kind: Job
metadata: { name: check, annotations: { argocd.argoproj.io/hook: PreDelete } }
spec: {}
---
apiVersion: batch/v1
kind: Job
metadata: { name: notify, annotations: { argocd.argoproj.io/hook: "PostSync,PostDelete" } }
spec: {}
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
`;

const live = (kind: string, name: string, annotations: Record<string, string> = {}): KubeObject => ({ apiVersion: kind === 'Job' ? 'batch/v1' : 'v1', kind, metadata: { name, namespace: 'shop', uid: `uid-${name}`, annotations } });

describe('planning a deletion', () => {
  const manifests = parseManifestText(source, 'app.yaml').manifests;

  it('should leave PreDelete and PostDelete hooks out of a sync, without a warning', () => {
    const { tasks, warnings } = plan(manifests, { namespace: 'shop', startedAt: new Date(0) });
    expect(tasks.map((t) => `${t.phase} ${t.name}`)).toEqual(['Sync settings', 'PostSync notify']);
    expect(warnings).toEqual([]);
  });

  it('should plan PreDelete hooks by wave, then every live object the highest wave first (hooks included), then PostDelete hooks; no plain manifest applied', () => {
    const objects = [live('ConfigMap', 'settings'), live('Service', 'web', { 'argocd.argoproj.io/sync-wave': '-1' }), live('ConfigMap', 'late', { 'argocd.argoproj.io/sync-wave': '2' }), live('Job', 'old-hook', { 'argocd.argoproj.io/hook': 'PostSync' })];
    const { tasks } = plan(manifests, { namespace: 'shop', startedAt: new Date(0), deletion: true, pruneCandidates: objects, pruneLast: true });
    expect(tasks.map((t) => `${t.phase} ${t.wave} ${t.kind} ${t.name}${t.prune ? ' (delete)' : ''}`)).toEqual([
      'PreDelete 0 Job check',
      'PreDelete 1 Job backup',
      'Delete -1 ConfigMap late (delete)',
      'Delete 0 ConfigMap settings (delete)',
      'Delete 0 Job old-hook (delete)',
      'Delete 2 Service web (delete)',
      'PostDelete 0 Job notify',
    ]);
    expect(tasks.find((t) => t.name === 'backup')?.deletePolicies).toEqual(['BeforeHookCreation']);
  });
});
