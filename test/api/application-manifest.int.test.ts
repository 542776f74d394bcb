import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { applicationRecord, validateApplication } from '../../src/api/index.js';
import { LAB_APPLICATION } from './api-harness.js';

const base = (): Record<string, unknown> => parse(LAB_APPLICATION) as Record<string, unknown>;
const withSpec = (patch: (spec: Record<string, unknown>) => void): Record<string, unknown> => {
  const doc = base();
  patch(doc['spec'] as Record<string, unknown>);
  return doc;
};
const errorsOf = (input: unknown): string[] => {
  const check = validateApplication(input);
  return check.ok ? [] : check.errors.map((e) => `${e.field} ${e.message}`);
};

describe('when the lab Application manifest (app-sync-phase-1.yaml) is validated', () => {
  it('should accept it unchanged, server and project included', () => {
    const check = validateApplication(base());
    expect(check.ok).toBe(true);
  });

  it('should keep the original manifest and read source, destination and CreateNamespace=true from it', () => {
    const original = base();
    const check = validateApplication(original);
    if (!check.ok) throw new Error('expected the lab manifest to be valid');
    const record = applicationRecord({ manifest: check.manifest, original, now: new Date('2025-01-01T00:00:00Z') });
    expect(record).toMatchObject({
      name: 'app-sync-phase-1',
      source: { repoURL: 'https://github.com/entermix123/ArgoCD-Labs.git', path: '07-argocd-sync-phases-waves/sync-phases-waves-manifests-examples', targetRevision: 'main' },
      destination: { namespace: 'app-sync-phases', server: 'https://kubernetes.default.svc' },
      syncPolicy: { syncOptions: ['CreateNamespace=true'] },
      createdAt: '2025-01-01T00:00:00.000Z',
    });
    expect(record.syncPolicy.automated).toBeUndefined();
    expect(record.manifest).toEqual(original);
    expect(record.manifest).not.toBe(original);
  });
});

describe('when a manifest is invalid', () => {
  it.each([
    ['a missing destination namespace', withSpec((s) => delete (s['destination'] as Record<string, unknown>)['namespace']), 'spec.destination.namespace is required'],
    ['a repoURL that is not a git URL', withSpec((s) => ((s['source'] as Record<string, unknown>)['repoURL'] = 'github.com/org/repo')), 'spec.source.repoURL must be an https://, ssh:// (or git@host:path) or file:// git URL'],
    ['a repoURL in git\'s ext:: helper form (S3: it ran a program)', withSpec((s) => ((s['source'] as Record<string, unknown>)['repoURL'] = 'ext::/tmp/evil-helper')), 'spec.source.repoURL must not use git\'s "<transport>::<address>" form'],
    ['a repoURL in git\'s fd:: helper form (S3)', withSpec((s) => ((s['source'] as Record<string, unknown>)['repoURL'] = 'fd::17')), 'spec.source.repoURL must not use git\'s "<transport>::<address>" form'],
    ['a repoURL with a token in it', withSpec((s) => ((s['source'] as Record<string, unknown>)['repoURL'] = 'https://x-access-token:ghp_secret@github.com/org/repo.git')), 'spec.source.repoURL must not carry credentials'],
    ['a name that is not a DNS-1123 label', { ...base(), metadata: { name: 'App_1' } }, 'metadata.name must be a DNS-1123 label'],
    ['another kind', { ...base(), kind: 'ApplicationSet' }, 'kind must be "Application"'],
    ['a malformed sync option', withSpec((s) => ((s['syncPolicy'] as Record<string, unknown>)['syncOptions'] = ['CreateNamespace=true', 'PruneLast'])), 'spec.syncPolicy.syncOptions[1] must be "Name=value"'],
    ['a bad retry duration', withSpec((s) => ((s['syncPolicy'] as Record<string, unknown>)['retry'] = { limit: 2, backoff: { duration: 'soon' } })), 'spec.syncPolicy.retry.backoff.duration must be a duration'],
    ['a non-integer retry limit', withSpec((s) => ((s['syncPolicy'] as Record<string, unknown>)['retry'] = { limit: 'two' })), 'spec.syncPolicy.retry.limit must be a number, not string'],
    ['a Helm source', withSpec((s) => ((s['source'] as Record<string, unknown>)['helm'] = { valueFiles: ['v.yaml'] })), 'spec.source.helm is not supported'],
    ['a path leaving the repository', withSpec((s) => ((s['source'] as Record<string, unknown>)['path'] = '../other')), 'spec.source.path must be a folder inside the repository'],
    ['a revision that reads as an option', withSpec((s) => ((s['source'] as Record<string, unknown>)['targetRevision'] = '--upload-pack=x')), 'spec.source.targetRevision must be a branch, tag, commit sha or HEAD'],
    ['an ignoreDifferences pointer that is not a JSON pointer', withSpec((s) => (s['ignoreDifferences'] = [{ kind: 'Deployment', jsonPointers: ['spec.replicas'] }])), 'spec.ignoreDifferences[0].jsonPointers[0] must be a JSON pointer such as /spec/replicas'],
    ['an ignoreDifferences entry without a kind', withSpec((s) => (s['ignoreDifferences'] = [{ group: 'apps', jsonPointers: ['/spec/replicas'] }])), 'spec.ignoreDifferences[0].kind'],
    ['no spec', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'x' } }, 'spec is required'],
  ])('should name the field for %s', (_what, input, expected) => {
    expect(errorsOf(input).join('\n')).toContain(expected);
  });
});

describe('when sync options, retry and directory are given', () => {
  it('should map retry durations (a plain integer is seconds, §10.3) and keep automated', () => {
    const original = withSpec((s) => {
      s['syncPolicy'] = { automated: { prune: true }, syncOptions: ['CreateNamespace=true', 'PruneLast=true'], retry: { limit: 3, backoff: { duration: 10, factor: 3, maxDuration: '2m' } } };
      (s['source'] as Record<string, unknown>)['directory'] = { recurse: true, include: '{pre-job,post-job}.yaml' };
    });
    const check = validateApplication(original);
    if (!check.ok) throw new Error(JSON.stringify(check.errors));
    const record = applicationRecord({ manifest: check.manifest, original, now: new Date() });
    expect(record.syncPolicy).toEqual({ automated: { prune: true }, syncOptions: ['CreateNamespace=true', 'PruneLast=true'], retry: { limit: 3, backoffMs: 10_000, factor: 3, maxBackoffMs: 120_000 } });
    expect(record.source.directory).toEqual({ recurse: true, include: ['{pre-job,post-job}.yaml'] });
  });

  it('should keep ignoreDifferences with the fields hookrunner reads', () => {
    const original = withSpec((s) => {
      s['ignoreDifferences'] = [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'], jqPathExpressions: ['.spec.x'], extra: true }, { kind: 'ConfigMap', name: 'c', managedFieldsManagers: ['operator'] }];
    });
    const check = validateApplication(original);
    if (!check.ok) throw new Error(JSON.stringify(check.errors));
    expect(applicationRecord({ manifest: check.manifest, original, now: new Date() }).ignoreDifferences).toEqual([
      { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'], jqPathExpressions: ['.spec.x'] },
      { kind: 'ConfigMap', name: 'c', managedFieldsManagers: ['operator'] },
    ]);
  });

  it('should treat automated.enabled=false and automated: null as not automated', () => {
    for (const automated of [null, { enabled: false }]) {
      const original = withSpec((s) => ((s['syncPolicy'] as Record<string, unknown>)['automated'] = automated));
      const check = validateApplication(original);
      if (!check.ok) throw new Error(JSON.stringify(check.errors));
      expect(applicationRecord({ manifest: check.manifest, original, now: new Date() }).syncPolicy.automated).toBeUndefined();
    }
  });

  it('should default path to "." and targetRevision to HEAD', () => {
    const original = withSpec((s) => (s['source'] = { repoURL: 'git@github.com:org/repo.git' }));
    const check = validateApplication(original);
    if (!check.ok) throw new Error(JSON.stringify(check.errors));
    expect(applicationRecord({ manifest: check.manifest, original, now: new Date() }).source).toEqual({ repoURL: 'git@github.com:org/repo.git', path: '.', targetRevision: 'HEAD' });
  });
});
