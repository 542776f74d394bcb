/**
 * How one object is applied (docs/semantics.md §9.5, §9.6), from its sync options and the
 * application's, as gitops-engine's `applyObject` decides. Pure.
 */
import { AnnotationKeys, SyncOptions, parseCsv } from '../manifests/index.js';
import type { KubeObject } from '../manifests/index.js';

export interface ApplyStrategy {
  /** `Replace=true` (app, target or live): replace (PUT) an existing object, create a missing one. */
  replace: boolean;
  /** `Force=true` (target or live): delete and re-create what the API server refuses to change. */
  force: boolean;
  /** `ServerSideApply=true` (app or target, unless `ServerSideApply=false` on the target): report fields taken over. */
  serverSideApply: boolean;
  /** `Validate=false` (app or target) turns it off: unknown fields are dropped instead of refused. */
  validate: boolean;
}

const options = (obj: KubeObject | undefined): string[] => parseCsv(obj?.metadata.annotations?.[AnnotationKeys.syncOptions]);

/** The strategy for `target`, given the live object (if any) and the application's sync options. */
export function applyStrategy(target: KubeObject, live: KubeObject | undefined, appOptions: readonly string[]): ApplyStrategy {
  const own = options(target);
  const liveOwn = options(live);
  const has = (option: string): boolean => appOptions.includes(option) || own.includes(option);
  return {
    replace: has(SyncOptions.replace) || liveOwn.includes(SyncOptions.replace),
    force: own.includes(SyncOptions.force) || liveOwn.includes(SyncOptions.force),
    serverSideApply: !own.includes(SyncOptions.noServerSideApply) && has(SyncOptions.serverSideApply),
    validate: !has(SyncOptions.noValidate),
  };
}
