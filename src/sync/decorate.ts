/**
 * What hookrunner adds to an object before applying it: the tracking label, the hook's sync id,
 * and (D5) the sync context as environment variables of a hook's containers. Pure: returns a copy.
 */
import { AnnotationKeys, splitApiVersion } from '../manifests/index.js';
import type { KubeObject, SyncPhase } from '../manifests/index.js';

/** Labels and annotations hookrunner owns. */
export const TrackingKeys = {
  /** Label on every object a sync applies: the application that owns it (what prune lists by). */
  app: 'hookrunner.io/app',
  /**
   * Annotation on every object a sync applies, in Argo CD's tracking-id format
   * `<app>:<group>/<kind>:<namespace>/<name>`: an object whose value names another object (a
   * controller or a copy took our label along) is not the application's (docs/semantics.md §9.11).
   */
  trackingId: 'hookrunner.io/tracking-id',
  /** Annotation on hook objects: `<operation>-<attempt>/<phase>` that created it (D8 adoption). */
  syncId: 'hookrunner.io/sync-id',
  /** Label on hook objects, so a start-up sweep finds them (D7). */
  hook: 'hookrunner.io/hook',
} as const;

/** D5: the variables a hook pod gets. */
export interface SyncContextEnv {
  app: string;
  operationId: string;
  revision: string;
  phase: SyncPhase;
  /** SyncFail hooks only: the failed tasks and their messages. */
  failure?: string;
}

interface EnvVar {
  name: string;
  value?: string;
  [key: string]: unknown;
}
interface Container {
  env?: EnvVar[];
  [key: string]: unknown;
}
interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  [key: string]: unknown;
}

export function contextEnv(ctx: SyncContextEnv): EnvVar[] {
  const vars: EnvVar[] = [
    { name: 'HOOKRUNNER_APP', value: ctx.app },
    { name: 'HOOKRUNNER_OPERATION_ID', value: ctx.operationId },
    { name: 'HOOKRUNNER_REVISION', value: ctx.revision },
    { name: 'HOOKRUNNER_PHASE', value: ctx.phase },
  ];
  if (ctx.phase === 'SyncFail' && ctx.failure !== undefined) vars.push({ name: 'HOOKRUNNER_FAILURE', value: ctx.failure });
  return vars;
}

/** Where the pod spec of an object lives, for the kinds that have one. */
function podSpecOf(obj: KubeObject): PodSpec | undefined {
  const spec = obj['spec'] as Record<string, unknown> | undefined;
  if (!spec || typeof spec !== 'object') return undefined;
  if (obj.kind === 'Pod') return spec as PodSpec;
  if (obj.kind === 'CronJob') {
    const jobTemplate = spec['jobTemplate'] as { spec?: { template?: { spec?: PodSpec } } } | undefined;
    return jobTemplate?.spec?.template?.spec;
  }
  const template = spec['template'] as { spec?: PodSpec } | undefined;
  return template?.spec;
}

export interface DecorateOptions {
  app: string;
  /** For hooks: the sync id annotation and the D5 environment. */
  hook?: { syncId: string; env: SyncContextEnv };
  /**
   * The live object of an earlier sync that is applied over (a named hook without
   * BeforeHookCreation, §7): its values of our variables are reused so the apply changes nothing
   * Argo CD's apply would not change.
   */
  existing?: KubeObject;
}

/**
 * Add the tracking label and annotation, the sync id and the D5 variables (never overriding the
 * manifest's own). The target's namespace must be final: the tracking id names it.
 */
export function decorateForApply(target: KubeObject, options: DecorateOptions): KubeObject {
  const obj = structuredClone(target);
  obj.metadata.labels = { ...(obj.metadata.labels ?? {}), [TrackingKeys.app]: options.app };
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [TrackingKeys.trackingId]: trackingId(options.app, obj) };
  if (!options.hook) return obj;
  obj.metadata.labels[TrackingKeys.hook] = 'true';
  const existingSyncId = options.existing?.metadata.annotations?.[TrackingKeys.syncId];
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [TrackingKeys.syncId]: existingSyncId ?? options.hook.syncId };
  if (obj.metadata.annotations[AnnotationKeys.injectEnv] === 'false') return obj;
  const podSpec = podSpecOf(obj);
  if (!podSpec) return obj;
  const existingSpec = options.existing ? podSpecOf(options.existing) : undefined;
  const vars = contextEnv(options.hook.env);
  for (const field of ['initContainers', 'containers'] as const) {
    for (const container of podSpec[field] ?? []) {
      const own = new Set((container.env ?? []).map((e) => e.name));
      const previous = existingSpec?.[field]?.find((c) => c['name'] === container['name'])?.env;
      const added = vars
        .filter((v) => !own.has(v.name))
        .map((v) => {
          const old = previous?.find((e) => e.name === v.name);
          return old && typeof old.value === 'string' ? { name: v.name, value: old.value } : v;
        });
      if (added.length > 0) container.env = [...(container.env ?? []), ...added];
    }
  }
  return obj;
}

/** The application a live object belongs to, from its tracking label. */
export function trackedApp(obj: KubeObject): string | undefined {
  return obj.metadata.labels?.[TrackingKeys.app];
}

/** Argo CD's tracking id of `obj` in `app`: `<app>:<group>/<kind>:<namespace>/<name>` (namespace empty when cluster-scoped). */
export function trackingId(app: string, obj: KubeObject): string {
  const { group } = splitApiVersion(obj.apiVersion);
  return `${app}:${group}/${obj.kind}:${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/**
 * Whether a live object is `app`'s (docs/semantics.md §9.11), as Argo CD's `annotation+label`
 * tracking decides: it has the app's tracking label, and its tracking annotation names the object
 * itself (a copy that took both along names another object).
 */
export function isTrackedBy(obj: KubeObject, app: string): boolean {
  return trackedApp(obj) === app && obj.metadata.annotations?.[TrackingKeys.trackingId] === trackingId(app, obj);
}

/**
 * The app's object for a prune or a deletion (§9.11): its tracking label, and a tracking id that
 * names the object — or none, for an object labelled before the tracking annotation existed.
 */
export function isOwnedBy(obj: KubeObject, app: string): boolean {
  const id = obj.metadata.annotations?.[TrackingKeys.trackingId];
  return trackedApp(obj) === app && (id === undefined || isTrackedBy(obj, app));
}
