import { describe, expect, it } from 'vitest';
import { HOOK_FINALIZER, ManifestError } from '../../src/manifests/index.js';
import type { KubeObject } from '../../src/manifests/index.js';
import { KIND_ORDER, kindRank, plan } from '../../src/plan/index.js';
import type { PlanOptions, SyncTask } from '../../src/plan/index.js';
import { hook, manifest, newObj } from '../helpers/builders.js';

const STARTED = new Date('2026-11-27T10:00:00Z'); // 1796205600
const UNIX = Math.floor(STARTED.getTime() / 1000);

function run(objects: KubeObject[], options: Partial<PlanOptions> = {}): SyncTask[] {
  return plan(
    objects.map((o, i) => manifest(o, 'm.yaml', i + 1)),
    { startedAt: STARTED, ...options },
  ).tasks;
}
const rows = (tasks: SyncTask[]): string[] => tasks.map((t) => `${t.phase}/${t.wave}/${t.kind}/${t.namespace}/${t.name}`);
const wave = (w: number): Record<string, string> => ({ 'argocd.argoproj.io/sync-wave': String(w) });

describe('§4.2 kind order', () => {
  it('should hold exactly the 35 kinds, Namespace −35 … APIService −1, unknown 0', () => {
    expect(KIND_ORDER).toHaveLength(35);
    expect(kindRank('Namespace')).toBe(-35);
    expect(kindRank('SecretList')).toBe(-27);
    expect(kindRank('IngressClass')).toBe(-3);
    expect(kindRank('APIService')).toBe(-1);
    expect(kindRank('Application')).toBe(0);
    expect(kindRank('namespace')).toBe(0); // by exact kind name
  });

  it('should order one wave of every listed kind by the list, then unknown kinds by name only', () => {
    const objects = [...KIND_ORDER].reverse().map((k) => newObj(k, 'x'));
    objects.push(newObj('Zebra', 'b', { apiVersion: 'example.com/v1' }), newObj('Apple', 'c', { apiVersion: 'example.com/v1' }), newObj('Mango', 'a', { apiVersion: 'other.io/v1' }));
    const kinds = run(objects).map((t) => t.kind);
    expect(kinds).toEqual([...KIND_ORDER, 'Mango', 'Zebra', 'Apple']); // names a, b, c — kind ignored among unknown kinds
  });

  it('should ignore the API group when ranking a kind (§4.1)', () => {
    const tasks = run([newObj('Deployment', 'a', { apiVersion: 'example.com/v1' }), newObj('Service', 'b')]);
    expect(tasks.map((t) => `${t.group}/${t.kind}`)).toEqual(['/Service', 'example.com/Deployment']);
  });
});

describe('§4.1 sort key: phase, wave, kind, name', () => {
  it('should order phases PreSync < Sync < PostSync < SyncFail whatever the waves (§4.4)', () => {
    const tasks = run([
      hook('Job', 'fail', 'SyncFail', wave(-9)),
      hook('Job', 'post', 'PostSync', wave(-9)),
      newObj('ConfigMap', 'cm', { annotations: wave(-10) }),
      hook('Job', 'pre', 'PreSync', wave(5)),
    ]);
    expect(rows(tasks)).toEqual(['PreSync/5/Job//pre', 'Sync/-10/ConfigMap//cm', 'PostSync/-9/Job//post', 'SyncFail/-9/Job//fail']);
  });

  it('should order waves ascending, negative first, then kind, then name', () => {
    const tasks = run([
      newObj('Deployment', 'b'),
      newObj('Deployment', 'a'),
      newObj('ServiceAccount', 'z', { annotations: wave(1) }),
      newObj('Service', 'svc', { annotations: wave(-2) }),
      newObj('ConfigMap', 'cm'),
    ]);
    expect(rows(tasks)).toEqual(['Sync/-2/Service//svc', 'Sync/0/ConfigMap//cm', 'Sync/0/Deployment//a', 'Sync/0/Deployment//b', 'Sync/1/ServiceAccount//z']);
  });

  it('should compare names byte-wise (uppercase before lowercase, "a-b" before "a.b")', () => {
    const tasks = run([newObj('ConfigMap', 'b'), newObj('ConfigMap', 'a.b'), newObj('ConfigMap', 'B'), newObj('ConfigMap', 'a-b')]);
    expect(tasks.map((t) => t.name)).toEqual(['B', 'a-b', 'a.b', 'b']);
  });

  it('should mix hooks and resources of one phase and wave by kind and name (hook vs non-hook is not a key)', () => {
    const tasks = run([newObj('Deployment', 'web'), hook('Job', 'migrate', 'Sync'), newObj('ConfigMap', 'zz')]);
    expect(tasks.map((t) => `${t.kind}/${t.hook}`)).toEqual(['ConfigMap/false', 'Deployment/false', 'Job/true']);
  });

  it('D1: should break remaining ties by namespace, then API group, deterministically', () => {
    const input = [
      newObj('Widget', 'same', { apiVersion: 'b.io/v1', namespace: 'ns2' }),
      newObj('Widget', 'same', { apiVersion: 'a.io/v1', namespace: 'ns2' }),
      newObj('Widget', 'same', { apiVersion: 'b.io/v1', namespace: 'ns1' }),
    ];
    const forward = run(input).map((t) => `${t.namespace}/${t.group}`);
    const backward = run([...input].reverse()).map((t) => `${t.namespace}/${t.group}`);
    expect(forward).toEqual(['ns1/b.io', 'ns2/a.io', 'ns2/b.io']);
    expect(backward).toEqual(forward);
  });
});

describe('§2.4–§2.5 which objects become tasks', () => {
  it('should drop Skip and ignored objects, and give a multi-phase hook one task per phase', () => {
    const { tasks, warnings } = plan(
      [
        manifest(hook('ConfigMap', 'skipped', 'Skip'), 'a.yaml', 1),
        manifest(hook('Job', 'typo', 'presync'), 'a.yaml', 10),
        manifest(newObj('Job', 'helm-test', { apiVersion: 'batch/v1', annotations: { 'helm.sh/hook': 'test' } }), 'a.yaml', 20),
        manifest(hook('Job', 'both', 'PreSync,PostSync'), 'a.yaml', 30),
      ],
      { startedAt: STARTED },
    );
    expect(rows(tasks)).toEqual(['PreSync/0/Job//both', 'PostSync/0/Job//both']);
    expect(tasks.map((t) => t.key)).toEqual(['batch/Job//both:PreSync', 'batch/Job//both:PostSync']);
    expect(warnings.map((w) => `${w.file}:${w.line}`)).toEqual(['a.yaml:10', 'a.yaml:10', 'a.yaml:20', 'a.yaml:20']);
  });

  it('should keep a helm crd-install object as an ordinary Sync resource', () => {
    const tasks = run([newObj('CustomResourceDefinition', 'widgets.example.com', { annotations: { 'helm.sh/hook': 'crd-install' } })]);
    expect(tasks.map((t) => [t.phase, t.hook])).toEqual([['Sync', false]]);
  });

  it('should put delete policies only on hooks, and the hook finalizer on hook targets (D7)', () => {
    const tasks = run([hook('Job', 'h', 'PreSync', { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded,BeforeHookCreation' }), newObj('ConfigMap', 'c')]);
    expect(tasks[0]?.deletePolicies).toEqual(['HookSucceeded', 'BeforeHookCreation']);
    expect(tasks[0]?.target?.metadata.finalizers).toEqual([HOOK_FINALIZER]);
    expect(tasks[1]?.deletePolicies).toBeUndefined();
    expect(tasks[1]?.target?.metadata.finalizers).toBeUndefined();
  });

  it('should skip hooks when asked (§9.9)', () => {
    expect(rows(run([hook('Job', 'h', 'PreSync'), newObj('ConfigMap', 'c')], { skipHooks: true }))).toEqual(['Sync/0/ConfigMap//c']);
  });

  it('should never modify the caller\'s objects', () => {
    const obj = hook('Job', undefined, 'PreSync');
    obj.metadata.generateName = 'g-';
    const before = structuredClone(obj);
    run([obj], { namespace: 'ns', revision: 'abcdef123' });
    expect(obj).toEqual(before);
  });
});

describe('§7 generated hook names', () => {
  it('should name an unnamed hook generateName + lower(rev7-phase-startedAtUnix), one per phase', () => {
    const obj = hook('Job', undefined, 'PreSync,PostSync');
    obj.metadata.generateName = 'migrate-';
    const tasks = run([obj], { revision: 'ABCDEF0123456789' });
    expect(tasks.map((t) => t.name)).toEqual([`migrate-abcdef0-presync-${UNIX}`, `migrate-abcdef0-postsync-${UNIX}`]);
    expect(tasks[0]?.target?.metadata.name).toBe(tasks[0]?.name);
  });

  it.each([
    ['12345678', '1234567'],
    ['1234567', '1234567'],
    ['main', 'main'],
    ['', ''],
  ])('revision %j → %j (first 7 only when 8 or more characters)', (revision, rev) => {
    const obj = hook('Pod', undefined, 'SyncFail');
    obj.metadata.generateName = 'p-';
    expect(run([obj], { revision })[0]?.name).toBe(`p-${rev}-syncfail-${UNIX}`);
  });

  it('should keep a given name, and refuse a nameless non-hook (§7, D9)', () => {
    expect(run([hook('Job', 'fixed', 'PreSync')], { revision: 'abcdefgh' })[0]?.name).toBe('fixed');
    const bad = newObj('ConfigMap', undefined, { generateName: 'cm-' });
    expect(() => plan([manifest(bad, 'cm.yaml', 3)], { startedAt: STARTED })).toThrowError(ManifestError);
    try {
      plan([manifest(bad, 'cm.yaml', 3)], { startedAt: STARTED });
    } catch (err) {
      expect((err as ManifestError).issues).toEqual([{ file: 'cm.yaml', line: 3, message: 'ConfigMap has no metadata.name (generateName is only honoured for hooks, docs/semantics.md §7)' }]);
    }
  });
});

describe('§3 step 3 destination namespace fill-in', () => {
  it('should fill the destination into objects without a namespace, keep explicit ones, and leave cluster-scoped kinds empty in the task', () => {
    const tasks = run([newObj('ConfigMap', 'a'), newObj('ConfigMap', 'b', { namespace: 'other' }), newObj('ClusterRole', 'r')], { namespace: 'dest' });
    expect(tasks.map((t) => `${t.kind}:${t.namespace}:${t.target?.metadata.namespace}`)).toEqual(['ConfigMap:dest:dest', 'ConfigMap:other:other', 'ClusterRole::dest']);
  });
});

describe('§3 step 4 CreateNamespace', () => {
  it('should add a PreSync wave-0 Namespace task that runs first', () => {
    const tasks = run([newObj('ConfigMap', 'c'), hook('Job', 'pre', 'PreSync')], { namespace: 'app', createNamespace: true });
    expect(rows(tasks)).toEqual(['PreSync/0/Namespace//app', 'PreSync/0/Job/app/pre', 'Sync/0/ConfigMap/app/c']);
    expect(tasks[0]?.createNamespace).toBe(true);
  });

  it('should move into an earlier PreSync wave that uses the namespace (§4.3)', () => {
    const tasks = run([hook('Job', 'pre', 'PreSync', wave(-3))], { namespace: 'app', createNamespace: true });
    expect(rows(tasks)).toEqual(['PreSync/-3/Namespace//app', 'PreSync/-3/Job/app/pre']);
  });

  it('should not add the task when the namespace exists, when not asked, or when a non-hook Namespace is declared', () => {
    expect(run([newObj('ConfigMap', 'c')], { namespace: 'app', createNamespace: true, namespaceExists: true }).map((t) => t.kind)).toEqual(['ConfigMap']);
    expect(run([newObj('ConfigMap', 'c')], { namespace: 'app' }).map((t) => t.kind)).toEqual(['ConfigMap']);
    const declared = run([newObj('Namespace', 'app', { annotations: wave(2) }), newObj('ConfigMap', 'c')], { namespace: 'app', createNamespace: true });
    expect(rows(declared)).toEqual(['Sync/0/Namespace//app', 'Sync/0/ConfigMap/app/c']); // the declared one, moved (§4.3)
  });
});

describe('§4.3 dependency moves', () => {
  it('should move a Namespace before its first user and give it that task\'s phase and wave (TestSyncTasksSort_NamespaceAndObjectInNamespace)', () => {
    const tasks = run([newObj('Namespace', 'ns', { annotations: wave(1) }), hook('Job', 'pre', 'PreSync', {}), newObj('ConfigMap', 'c', { namespace: 'ns', annotations: wave(3) })]);
    // the hook has no namespace (no destination): only the ConfigMap references ns
    expect(rows(tasks)).toEqual(['PreSync/0/Job//pre', 'Sync/1/Namespace//ns', 'Sync/3/ConfigMap/ns/c']);
    const moved = run([newObj('Namespace', 'ns', { annotations: wave(1) }), newObj('Job', 'pre', { namespace: 'ns', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } })]);
    expect(rows(moved)).toEqual(['PreSync/0/Namespace//ns', 'PreSync/0/Job/ns/pre']);
    expect(moved[0]?.key).toBe('/Namespace//ns:PreSync');
  });

  it('should leave a Namespace that already comes first alone', () => {
    const tasks = run([newObj('Namespace', 'ns', { annotations: wave(-5) }), newObj('ConfigMap', 'c', { namespace: 'ns' })]);
    expect(rows(tasks)).toEqual(['Sync/-5/Namespace//ns', 'Sync/0/ConfigMap/ns/c']);
  });

  it('should move a CRD before the first custom resource of its group/kind', () => {
    const crd = newObj('CustomResourceDefinition', 'widgets.example.com', { annotations: wave(5), spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' } } });
    const cr = newObj('Widget', 'w1', { apiVersion: 'example.com/v1', annotations: wave(-1) });
    const other = newObj('Widget', 'w2', { apiVersion: 'other.com/v1', annotations: wave(-2) });
    const tasks = run([crd, cr, other]);
    expect(rows(tasks)).toEqual(['Sync/-2/Widget//w2', 'Sync/-1/CustomResourceDefinition//widgets.example.com', 'Sync/-1/Widget//w1']);
  });

  it('should move several dependencies consistently (indexes shift after a move)', () => {
    const tasks = run([
      newObj('ConfigMap', 'a', { namespace: 'ns1', annotations: wave(0) }),
      newObj('ConfigMap', 'b', { namespace: 'ns2', annotations: wave(1) }),
      newObj('Namespace', 'ns1', { annotations: wave(5) }),
      newObj('Namespace', 'ns2', { annotations: wave(6) }),
    ]);
    expect(rows(tasks)).toEqual(['Sync/0/Namespace//ns1', 'Sync/0/ConfigMap/ns1/a', 'Sync/1/Namespace//ns2', 'Sync/1/ConfigMap/ns2/b']);
  });
});

describe('§3 steps 7–8 prune order', () => {
  const live = (name: string, w: number, extra: Record<string, string> = {}): KubeObject => newObj('ConfigMap', name, { namespace: 'app', annotations: { ...wave(w), ...extra } });

  it('should reverse prune waves among themselves (TestWaveReorderingOfPruneTasks: {1,3,4} → 1→4, 3→3, 4→1)', () => {
    const tasks = run([newObj('ConfigMap', 'kept', { annotations: wave(2) })], { namespace: 'app', pruneCandidates: [live('p1', 1), live('p3', 3), live('p4', 4)] });
    expect(tasks.map((t) => `${t.name}:${t.wave}:${t.prune}`)).toEqual(['p4:1:true', 'kept:2:false', 'p3:3:true', 'p1:4:true']);
  });

  it('should put PruneLast prunes after the last Sync wave (app option or live annotation)', () => {
    const targets = [newObj('ConfigMap', 'kept', { annotations: wave(3) }), hook('Job', 'post', 'PostSync', wave(9))];
    // reversal first (§3 step 7): prune waves {-1, 0} swap, so q (-1) → 0; then p → last Sync wave + 1
    const tasks = run(targets, { namespace: 'app', pruneCandidates: [live('p', 0, { 'argocd.argoproj.io/sync-options': 'PruneLast=true' }), live('q', -1)] });
    expect(tasks.map((t) => `${t.phase}:${t.name}:${t.wave}`)).toEqual(['Sync:q:0', 'Sync:kept:3', 'Sync:p:4', 'PostSync:post:9']);
    const all = run([], { pruneCandidates: [live('a', -5), live('b', -7)], pruneLast: true });
    expect(all.map((t) => `${t.name}:${t.wave}`)).toEqual(['a:1', 'b:1']); // L starts from 0
  });

  it('should never prune live hooks', () => {
    expect(run([], { pruneCandidates: [hook('Job', 'old-hook', 'PreSync')] })).toEqual([]);
  });
});

describe('duplicates', () => {
  it('should keep the later definition and warn with both places', () => {
    const { tasks, warnings } = plan(
      [manifest(newObj('ConfigMap', 'c', { annotations: wave(1) }), 'a.yaml', 1), manifest(newObj('ConfigMap', 'c', { annotations: wave(2) }), 'b.yaml', 4)],
      { startedAt: STARTED },
    );
    expect(rows(tasks)).toEqual(['Sync/2/ConfigMap//c']);
    expect(warnings).toEqual([{ file: 'b.yaml', line: 4, message: 'ConfigMap c is also defined at a.yaml:1; this later definition is used' }]);
  });
});

describe('the lab (seed/) as a plan', () => {
  it('should order PreSync pre-job; Service (-2), ServiceAccount (-1), Deployment (0); PostSync post-job; SyncFail fail-job', () => {
    const tasks = run(
      [
        newObj('Deployment', 'nginx'),
        hook('Job', 'mattermost-post-job-failure', 'SyncFail'),
        hook('Job', 'mattermost-post-job-success', 'PostSync', { 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' }),
        hook('Job', 'health-check-pre-job', 'PreSync'),
        newObj('Service', 'nginx', { annotations: wave(-2) }),
        newObj('ServiceAccount', 'nginx', { annotations: wave(-1) }),
      ],
      { namespace: 'app-sync-phases' },
    );
    expect(rows(tasks)).toEqual([
      'PreSync/0/Job/app-sync-phases/health-check-pre-job',
      'Sync/-2/Service/app-sync-phases/nginx',
      'Sync/-1/ServiceAccount/app-sync-phases/nginx',
      'Sync/0/Deployment/app-sync-phases/nginx',
      'PostSync/0/Job/app-sync-phases/mattermost-post-job-success',
      'SyncFail/0/Job/app-sync-phases/mattermost-post-job-failure',
    ]);
  });
});
