/** What a CustomResourceDefinition defines: its group, kind and served versions (pure, from the object as written). */
import type { KubeObject } from './types.js';

export interface CrdDefinition {
  group: string;
  kind: string;
  /** `group/version` of every version not marked `served: false`. */
  servedApiVersions: string[];
}

/** The definition in a CRD's spec; undefined when its group or kind is not a string. */
export function crdDefinition(crd: KubeObject): CrdDefinition | undefined {
  const spec = crd['spec'] as { group?: unknown; names?: { kind?: unknown }; versions?: { name?: unknown; served?: unknown }[] } | undefined;
  const group = spec?.group;
  const kind = spec?.names?.kind;
  if (typeof group !== 'string' || typeof kind !== 'string') return undefined;
  const versions = Array.isArray(spec?.versions) ? spec.versions : [];
  const servedApiVersions = versions.filter((v) => v.served !== false && typeof v.name === 'string').map((v) => `${group}/${v.name as string}`);
  return { group, kind, servedApiVersions };
}
