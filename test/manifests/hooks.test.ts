import { describe, expect, it } from 'vitest';
import {
  classify,
  deletePolicies,
  hookTypes,
  isHook,
  isIgnored,
  isSkip,
  parseCsv,
  parseGoInt,
  syncPhases,
  syncWave,
} from '../../src/manifests/index.js';

const HOOK = 'argocd.argoproj.io/hook';
const POLICY = 'argocd.argoproj.io/hook-delete-policy';
const WAVE = 'argocd.argoproj.io/sync-wave';
const HELM = 'helm.sh/hook';
const HELM_POLICY = 'helm.sh/hook-delete-policy';
const HELM_WEIGHT = 'helm.sh/hook-weight';

function collectWarnings(): { warn: (k: string, m: string) => void; warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warn: (k, m) => warnings.push(`${k}: ${m}`) };
}

describe('§2.2 comma lists (GetAnnotationCSVs)', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['PreSync', ['PreSync']],
    [' PreSync , PostSync ', ['PreSync', 'PostSync']],
    ['PreSync,,PostSync,', ['PreSync', 'PostSync']],
    ['PostSync,PreSync,PostSync', ['PostSync', 'PreSync']],
    ['\tSync\n', ['Sync']],
  ])('should split %j into %j (trimmed, empties and duplicates dropped, first-seen order)', (value, expected) => {
    expect(parseCsv(value)).toEqual(expected);
  });
});

describe('§2.3–§2.5 hook classification', () => {
  it.each<[string, Record<string, string>, { hook: boolean; skip: boolean; ignored: boolean; phases: string[] }]>([
    ['no annotation → plain resource in Sync', {}, { hook: false, skip: false, ignored: false, phases: ['Sync'] }],
    ['PreSync', { [HOOK]: 'PreSync' }, { hook: true, skip: false, ignored: false, phases: ['PreSync'] }],
    ['comma list with whitespace', { [HOOK]: ' PreSync , PostSync ' }, { hook: true, skip: false, ignored: false, phases: ['PreSync', 'PostSync'] }],
    ['duplicates collapse', { [HOOK]: 'PostSync,PostSync' }, { hook: true, skip: false, ignored: false, phases: ['PostSync'] }],
    ['Skip alone → skipped, not a hook', { [HOOK]: 'Skip' }, { hook: false, skip: true, ignored: false, phases: [] }],
    ['Skip,PreSync → a PreSync hook (Skip dropped)', { [HOOK]: 'Skip,PreSync' }, { hook: true, skip: false, ignored: false, phases: ['PreSync'] }],
    ['case-sensitive: presync is invalid → ignored', { [HOOK]: 'presync' }, { hook: true, skip: false, ignored: true, phases: [] }],
    ['empty value → hook with no types → ignored', { [HOOK]: '' }, { hook: true, skip: false, ignored: true, phases: [] }],
    ['invalid mixed with valid keeps the valid one', { [HOOK]: 'Presync,SyncFail' }, { hook: true, skip: false, ignored: false, phases: ['SyncFail'] }],
    ['PreDelete → a hook of the deletion only, in no sync phase (§11)', { [HOOK]: 'PreDelete' }, { hook: true, skip: false, ignored: false, phases: [] }],
    ['all four phases', { [HOOK]: 'SyncFail,PostSync,Sync,PreSync' }, { hook: true, skip: false, ignored: false, phases: ['SyncFail', 'PostSync', 'Sync', 'PreSync'] }],
  ])('%s', (_name, annotations, expected) => {
    expect({
      hook: isHook(annotations),
      skip: isSkip(annotations),
      ignored: isIgnored(annotations),
      phases: isIgnored(annotations) ? [] : syncPhases(annotations),
    }).toEqual(expected);
  });

  it('should warn about each dropped value with the valid values (D9)', () => {
    const { warn, warnings } = collectWarnings();
    const info = classify({ [HOOK]: 'presync' }, warn);
    expect(info.ignored).toBe(true);
    expect(warnings).toEqual([
      `${HOOK}: "presync" is not a hook type and is ignored (values are case-sensitive); valid values: PreSync, Sync, PostSync, Skip, SyncFail, PreDelete, PostDelete`,
      `${HOOK}: the object is ignored entirely (not applied, not pruned): its hook annotation has no valid hook type (docs/semantics.md §2.4)`,
    ]);
  });

  it('should give a deletion hook its deletion phases and no sync phase (§11)', () => {
    expect(classify({ [HOOK]: 'PostDelete,PreDelete' })).toMatchObject({ hook: true, ignored: false, phases: [], deletionPhases: ['PostDelete', 'PreDelete'] });
    expect(classify({ [HOOK]: 'PreSync,PreDelete' })).toMatchObject({ phases: ['PreSync'], deletionPhases: ['PreDelete'] });
    expect(classify({})).toMatchObject({ phases: ['Sync'], deletionPhases: [] });
  });

  it('should warn that Skip is dropped when combined (§2.4)', () => {
    const { warn, warnings } = collectWarnings();
    classify({ [HOOK]: 'Skip,PreSync' }, warn);
    expect(warnings).toEqual([`${HOOK}: "Skip" is ignored because it is combined with PreSync (Skip only applies alone, docs/semantics.md §2.4)`]);
  });

  it('should not warn for valid values', () => {
    const { warn, warnings } = collectWarnings();
    classify({ [HOOK]: 'PreSync,PostSync', [POLICY]: 'HookSucceeded', [WAVE]: '-3' }, warn);
    expect(warnings).toEqual([]);
  });
});

describe('§2.6 Helm hook mapping', () => {
  it.each<[string, Record<string, string>, { hook: boolean; ignored: boolean; types: string[] }]>([
    ['pre-install → PreSync', { [HELM]: 'pre-install' }, { hook: true, ignored: false, types: ['PreSync'] }],
    ['pre-upgrade → PreSync', { [HELM]: 'pre-upgrade' }, { hook: true, ignored: false, types: ['PreSync'] }],
    ['post-install → PostSync', { [HELM]: 'post-install' }, { hook: true, ignored: false, types: ['PostSync'] }],
    ['post-upgrade → PostSync', { [HELM]: 'post-upgrade' }, { hook: true, ignored: false, types: ['PostSync'] }],
    ['pre-install,pre-upgrade → one PreSync', { [HELM]: 'pre-install,pre-upgrade' }, { hook: true, ignored: false, types: ['PreSync'] }],
    ['crd-install → ordinary resource', { [HELM]: 'crd-install' }, { hook: false, ignored: false, types: [] }],
    ['test → hook without types → ignored', { [HELM]: 'test' }, { hook: true, ignored: true, types: [] }],
    ['pre-delete → ignored by the engine', { [HELM]: 'pre-delete' }, { hook: true, ignored: true, types: [] }],
    ['pre-rollback → ignored', { [HELM]: 'pre-rollback' }, { hook: true, ignored: true, types: [] }],
    ['valid Argo annotation wins over Helm per object', { [HOOK]: 'PostSync', [HELM]: 'pre-install' }, { hook: true, ignored: false, types: ['PostSync'] }],
    ['invalid Argo values fall back to Helm types', { [HOOK]: 'postsync', [HELM]: 'pre-install' }, { hook: true, ignored: false, types: ['PreSync'] }],
  ])('%s', (_name, annotations, expected) => {
    expect({ hook: isHook(annotations), ignored: isIgnored(annotations), types: hookTypes(annotations) }).toEqual(expected);
  });

  it('should warn when a valid Argo hook makes helm.sh/hook ignored (§14.7)', () => {
    const { warn, warnings } = collectWarnings();
    classify({ [HOOK]: 'PostSync', [HELM]: 'pre-install' }, warn);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${HELM}: ignored because ${HOOK} gives a valid hook type`);
  });
});

describe('§6.1 delete policies', () => {
  it.each<[string, Record<string, string>, string[]]>([
    ['default is BeforeHookCreation', { [HOOK]: 'PreSync' }, ['BeforeHookCreation']],
    ['Argo value', { [POLICY]: 'HookSucceeded' }, ['HookSucceeded']],
    ['Argo comma list', { [POLICY]: 'HookSucceeded, HookFailed' }, ['HookSucceeded', 'HookFailed']],
    ['Helm values mapped', { [HELM_POLICY]: 'hook-succeeded,before-hook-creation' }, ['HookSucceeded', 'BeforeHookCreation']],
    ['Argo and Helm merged (union)', { [POLICY]: 'HookFailed', [HELM_POLICY]: 'hook-succeeded' }, ['HookFailed', 'HookSucceeded']],
    ['union deduplicated', { [POLICY]: 'HookFailed', [HELM_POLICY]: 'hook-failed' }, ['HookFailed']],
    ['only invalid values → default', { [POLICY]: 'OnSuccess' }, ['BeforeHookCreation']],
    ['case-sensitive', { [POLICY]: 'hooksucceeded' }, ['BeforeHookCreation']],
  ])('%s', (_name, annotations, expected) => {
    expect(deletePolicies(annotations)).toEqual(expected);
  });

  it('should warn about an invalid policy with the valid values (D9)', () => {
    const { warn, warnings } = collectWarnings();
    deletePolicies({ [POLICY]: 'OnSuccess', [HELM_POLICY]: 'on-success' }, warn);
    expect(warnings).toEqual([
      `${POLICY}: "OnSuccess" is not a delete policy and is ignored (values are case-sensitive); valid values: HookSucceeded, HookFailed, BeforeHookCreation`,
      `${HELM_POLICY}: "on-success" is not a delete policy and is ignored; valid values: hook-succeeded, hook-failed, before-hook-creation`,
    ]);
  });

  it('should warn that a delete policy on a non-hook has no effect', () => {
    const { warn, warnings } = collectWarnings();
    const info = classify({ [POLICY]: 'HookSucceeded' }, warn);
    expect(info.hook).toBe(false);
    expect(info.deletePolicies).toEqual([]);
    expect(warnings).toEqual([`${POLICY}: has no effect on a resource that is not a hook`]);
  });
});

describe('§2.7 waves', () => {
  it.each<[string, Record<string, string>, number]>([
    ['default 0', {}, 0],
    ['sync-wave', { [WAVE]: '5' }, 5],
    ['negative', { [WAVE]: '-2' }, -2],
    ['plus sign (Atoi)', { [WAVE]: '+3' }, 3],
    ['leading zeros', { [WAVE]: '007' }, 7],
    ['not an integer → 0', { [WAVE]: 'abc' }, 0],
    ['spaces are not Atoi', { [WAVE]: ' 1' }, 0],
    ['decimals are not Atoi', { [WAVE]: '1.5' }, 0],
    ['Helm weight when sync-wave is missing', { [HELM_WEIGHT]: '4' }, 4],
    ['Helm weight when sync-wave does not parse', { [WAVE]: 'abc', [HELM_WEIGHT]: '-4' }, -4],
    ['sync-wave wins over Helm weight', { [WAVE]: '1', [HELM_WEIGHT]: '9' }, 1],
    ['both invalid → 0', { [WAVE]: 'x', [HELM_WEIGHT]: 'y' }, 0],
  ])('%s', (_name, annotations, expected) => {
    expect(syncWave(annotations)).toBe(expected);
  });

  it('should warn about wave "abc" naming the fallback (D9)', () => {
    const { warn, warnings } = collectWarnings();
    expect(syncWave({ [WAVE]: 'abc', [HELM_WEIGHT]: '3' }, warn)).toBe(3);
    expect(warnings).toEqual([`${WAVE}: "abc" is not an integer and is ignored; using ${HELM_WEIGHT} (3)`]);
  });

  it.each([
    ['12', 12],
    ['-0', 0],
    ['1e3', undefined],
    ['0x10', undefined],
    ['1_000', undefined],
    ['', undefined],
    ['99999999999999999999', undefined],
  ])('parseGoInt(%j) → %j', (text, expected) => {
    expect(parseGoInt(text)).toBe(expected);
  });
});
