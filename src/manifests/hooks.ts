/**
 * Hook classification, delete policies and waves (docs/semantics.md §2, §6.1), a leaf module of
 * pure functions over an object's annotations. Every value that is dropped is reported through
 * `warn` with the annotation it came from (D9); the behaviour itself is Argo CD's.
 */
import { parseCsv, parseDuration, parseGoInt } from './annotations.js';
import { helmDeletePolicies, helmHookTypes, isHelmHook } from './helm.js';
import {
  AnnotationKeys,
  DEFAULT_DELETE_POLICY,
  HOOK_DELETE_POLICIES,
  HOOK_TYPES,
  isHookDeletePolicy,
  isDeleteHookPhase,
  isHookType,
  isSyncPhase,
} from './vocabulary.js';
import type { HookDeletePolicy, HookType, SyncPhase } from './vocabulary.js';

export type Annotations = Readonly<Record<string, string>>;

/** Receives a dropped or ignored value: the annotation key it was read from and a message. */
export type WarnFn = (annotationKey: string, message: string) => void;

const noWarn: WarnFn = () => undefined;

/** §2.2–§2.3: the valid Argo hook types, in first-seen order. */
export function argoHookTypes(annotations: Annotations, warn: WarnFn = noWarn): HookType[] {
  const key = AnnotationKeys.hook;
  const out: HookType[] = [];
  for (const item of parseCsv(annotations[key])) {
    if (isHookType(item)) {
      out.push(item);
    } else {
      warn(key, `"${item}" is not a hook type and is ignored (values are case-sensitive); valid values: ${HOOK_TYPES.join(', ')}`);
    }
  }
  return out;
}

/** §2.3 `hook.Types`: the Argo types when there is any valid one, otherwise the mapped Helm types. */
export function hookTypes(annotations: Annotations, warn: WarnFn = noWarn): HookType[] {
  const argo = argoHookTypes(annotations, warn);
  if (argo.length > 0) {
    if (annotations[AnnotationKeys.helmHook] !== undefined) {
      warn(AnnotationKeys.helmHook, `ignored because ${AnnotationKeys.hook} gives a valid hook type (the Argo annotation wins per object, docs/semantics.md §2.3)`);
    }
    return argo;
  }
  return helmHookTypes(annotations, warn);
}

/** §2.4 `Skip`: true only when Skip is the only valid hook type. */
export function isSkip(annotations: Annotations): boolean {
  const types = hookTypes(annotations);
  return types.includes('Skip') && types.length === 1;
}

/** §2.4 `IsHook`: the Argo key is present and the object is not Skip; otherwise Helm's rule. */
export function isHook(annotations: Annotations): boolean {
  if (annotations[AnnotationKeys.hook] !== undefined) return !isSkip(annotations);
  return isHelmHook(annotations);
}

/** §2.4 `ignore.Ignore`: a hook with no valid type is dropped entirely. */
export function isIgnored(annotations: Annotations): boolean {
  return isHook(annotations) && hookTypes(annotations).length === 0;
}

/** §2.5 `syncPhases`: Skip → none, hook → its phase types as a set, non-hook → [Sync]. */
export function syncPhases(annotations: Annotations): SyncPhase[] {
  if (isSkip(annotations)) return [];
  if (!isHook(annotations)) return ['Sync'];
  const out: SyncPhase[] = [];
  for (const t of hookTypes(annotations)) {
    if (isSyncPhase(t) && !out.includes(t)) out.push(t);
  }
  return out;
}

/** §11: the deletion phases of a hook (PreDelete, PostDelete), none for anything else. */
export function deletionPhases(annotations: Annotations): SyncPhase[] {
  if (!isHook(annotations) || isSkip(annotations)) return [];
  return [...new Set(hookTypes(annotations).filter(isDeleteHookPhase))];
}

/** §6.1: the union of Argo and Helm delete policies, BeforeHookCreation when empty. */
export function deletePolicies(annotations: Annotations, warn: WarnFn = noWarn): HookDeletePolicy[] {
  const key = AnnotationKeys.hookDeletePolicy;
  const out: HookDeletePolicy[] = [];
  for (const item of parseCsv(annotations[key])) {
    if (isHookDeletePolicy(item)) {
      if (!out.includes(item)) out.push(item);
    } else {
      warn(key, `"${item}" is not a delete policy and is ignored (values are case-sensitive); valid values: ${HOOK_DELETE_POLICIES.join(', ')}`);
    }
  }
  for (const p of helmDeletePolicies(annotations, warn)) {
    if (!out.includes(p)) out.push(p);
  }
  return out.length > 0 ? out : [DEFAULT_DELETE_POLICY];
}

/** §2.7 `syncwaves.Wave`: `sync-wave` if it is an integer, else `helm.sh/hook-weight`, else 0. */
export function syncWave(annotations: Annotations, warn: WarnFn = noWarn): number {
  const waveText = annotations[AnnotationKeys.syncWave];
  const weightText = annotations[AnnotationKeys.helmHookWeight];
  const weight = weightText === undefined ? undefined : parseGoInt(weightText);
  if (weightText !== undefined && weight === undefined && (waveText === undefined || parseGoInt(waveText) === undefined)) {
    warn(AnnotationKeys.helmHookWeight, `"${weightText}" is not an integer and is ignored; the wave is 0`);
  }
  if (waveText !== undefined) {
    const wave = parseGoInt(waveText);
    if (wave !== undefined) return wave;
    const fallback = weight === undefined ? 'the wave is 0' : `using ${AnnotationKeys.helmHookWeight} (${weight})`;
    warn(AnnotationKeys.syncWave, `"${waveText}" is not an integer and is ignored; ${fallback}`);
  }
  return weight ?? 0;
}

/** D3: `hookrunner.io/hook-timeout` in milliseconds, or undefined when unset or invalid. */
export function hookTimeout(annotations: Annotations, warn: WarnFn = noWarn): number | undefined {
  const text = annotations[AnnotationKeys.hookTimeout];
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) warn(AnnotationKeys.hookTimeout, `"${text}" is not a duration and is ignored; write e.g. 90s, 10m or 1h30m`);
  return ms;
}

/** Per-resource sync options (§9), e.g. `PruneLast=true`, as a list. */
export function resourceSyncOptions(annotations: Annotations): string[] {
  return parseCsv(annotations[AnnotationKeys.syncOptions]);
}

/** The facts about one object that the planner needs, computed once. */
export interface HookInfo {
  hook: boolean;
  skip: boolean;
  ignored: boolean;
  phases: SyncPhase[];
  /** §11: PreDelete and/or PostDelete, for a hook of the application's deletion. */
  deletionPhases: SyncPhase[];
  /** Only for hooks; the default when none is valid is BeforeHookCreation. */
  deletePolicies: HookDeletePolicy[];
  wave: number;
  /** D3, hooks only. */
  hookTimeoutMs?: number;
}

/** The annotations that make {@link classify} read more than the wave. */
const HOOK_KEYS = [AnnotationKeys.hook, AnnotationKeys.helmHook, AnnotationKeys.hookDeletePolicy, AnnotationKeys.helmHookDeletePolicy, AnnotationKeys.hookTimeout] as const;

/**
 * Classify one object, reporting each dropped value once. An ignored object (a hook with no
 * valid type, §2.4) gets a warning of its own, since it silently disappears from the sync.
 */
export function classify(annotations: Annotations, warn: WarnFn = noWarn): HookInfo {
  if (!HOOK_KEYS.some((key) => annotations[key] !== undefined)) {
    // The common case, a plain resource: no hook annotation to read, nothing to warn about but the wave.
    return { hook: false, skip: false, ignored: false, phases: ['Sync'], deletionPhases: [], deletePolicies: [], wave: syncWave(annotations, warn) };
  }
  const types = hookTypes(annotations, warn);
  // isSkip and isHook, from the types just read instead of reading the annotations again.
  const skip = types.length === 1 && types[0] === 'Skip';
  const hook = annotations[AnnotationKeys.hook] !== undefined ? !skip : isHelmHook(annotations);
  const ignored = hook && types.length === 0;
  if (types.includes('Skip') && types.length > 1) {
    warn(AnnotationKeys.hook, `"Skip" is ignored because it is combined with ${types.filter((t) => t !== 'Skip').join(', ')} (Skip only applies alone, docs/semantics.md §2.4)`);
  }
  if (ignored) {
    const key = annotations[AnnotationKeys.hook] !== undefined ? AnnotationKeys.hook : AnnotationKeys.helmHook;
    warn(key, 'the object is ignored entirely (not applied, not pruned): its hook annotation has no valid hook type (docs/semantics.md §2.4)');
  }
  const wave = syncWave(annotations, warn);
  if (!hook) {
    for (const key of [AnnotationKeys.hookDeletePolicy, AnnotationKeys.helmHookDeletePolicy, AnnotationKeys.hookTimeout]) {
      if (annotations[key] !== undefined && !skip) warn(key, 'has no effect on a resource that is not a hook');
    }
    return { hook, skip, ignored, phases: skip ? [] : ['Sync'], deletionPhases: [], deletePolicies: [], wave };
  }
  const policies = deletePolicies(annotations, warn);
  const timeout = hookTimeout(annotations, warn);
  const phases = ignored ? [] : syncPhases(annotations);
  return { hook, skip, ignored, phases, deletionPhases: ignored ? [] : deletionPhases(annotations), deletePolicies: policies, wave, ...(timeout === undefined ? {} : { hookTimeoutMs: timeout }) };
}
