/** Helm hook compatibility (docs/semantics.md §2.6): `helm.sh/hook*` annotations in Argo terms. */
import { parseCsv } from './annotations.js';
import { AnnotationKeys, HELM_CRD_INSTALL, HELM_DELETE_POLICIES, HELM_HOOK_TYPES } from './vocabulary.js';
import type { HookDeletePolicy, HookType } from './vocabulary.js';

type Annotations = Readonly<Record<string, string>>;
type WarnFn = (annotationKey: string, message: string) => void;

const VALID_HELM_HOOKS = [...Object.keys(HELM_HOOK_TYPES), HELM_CRD_INSTALL].join(', ');

/** §2.6 `helm.IsHook`: the key is present and its value is not exactly `crd-install`. */
export function isHelmHook(annotations: Annotations): boolean {
  const value = annotations[AnnotationKeys.helmHook];
  return value !== undefined && value !== HELM_CRD_INSTALL;
}

/** §2.6 `helm.Types`: pre-install/pre-upgrade → PreSync, post-install/post-upgrade → PostSync; others dropped. */
export function helmHookTypes(annotations: Annotations, warn: WarnFn): HookType[] {
  const key = AnnotationKeys.helmHook;
  const out: HookType[] = [];
  const value = annotations[key];
  if (value === HELM_CRD_INSTALL) return out;
  for (const item of parseCsv(value)) {
    const mapped = HELM_HOOK_TYPES[item];
    if (mapped !== undefined) {
      if (!out.includes(mapped)) out.push(mapped);
    } else if (item === 'pre-delete' || item === 'post-delete') {
      warn(key, `"${item}" is ignored: delete hooks run when an application is deleted, which a sync never does; valid values: ${VALID_HELM_HOOKS}`);
    } else {
      warn(key, `"${item}" is not supported by a sync and is ignored; valid values: ${VALID_HELM_HOOKS}`);
    }
  }
  return out;
}

/** §2.6: `helm.sh/hook-delete-policy` mapped to Argo policies. */
export function helmDeletePolicies(annotations: Annotations, warn: WarnFn): HookDeletePolicy[] {
  const key = AnnotationKeys.helmHookDeletePolicy;
  const out: HookDeletePolicy[] = [];
  for (const item of parseCsv(annotations[key])) {
    const mapped = HELM_DELETE_POLICIES[item];
    if (mapped !== undefined) {
      if (!out.includes(mapped)) out.push(mapped);
    } else {
      warn(key, `"${item}" is not a delete policy and is ignored; valid values: ${Object.keys(HELM_DELETE_POLICIES).join(', ')}`);
    }
  }
  return out;
}
