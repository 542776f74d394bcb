/** Which resources are served: the built-in ones plus the kinds of every Established CRD. */
import { BUILT_IN_TYPES, apiVersionOf } from './resource-types.js';
import type { ResourceType } from './resource-types.js';

export interface GroupVersions {
  group: string;
  versions: string[];
  preferredVersion: string;
}

export class ResourceRegistry {
  private readonly byPath = new Map<string, ResourceType>();
  private readonly byKind = new Map<string, ResourceType>();
  private readonly custom = new Map<string, ResourceType[]>();
  private readonly order: ResourceType[] = [];

  constructor() {
    for (const type of BUILT_IN_TYPES) this.add(type);
  }

  /** By URL parts: group, version and plural. */
  byResource(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  /** By `apiVersion` and `kind`. */
  byApiVersionKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  /** A served version of a resource by its storage key (`batch/jobs`), for controllers and garbage collection. */
  byStorageKey(key: string): ResourceType | undefined {
    const slash = key.indexOf('/');
    const group = key.slice(0, slash);
    const plural = key.slice(slash + 1);
    return this.order.find((t) => t.group === group && t.plural === plural);
  }

  /** Any served version of a group's kind (for owner references and garbage collection). */
  byGroupKind(group: string, kind: string): ResourceType | undefined {
    return this.order.find((t) => t.group === group && t.kind === kind);
  }

  /** The resources of one group-version, in discovery order. */
  resourcesOf(group: string, version: string): ResourceType[] {
    return this.order.filter((t) => t.group === group && t.version === version);
  }

  /** Served groups with their versions (the core group excluded), in discovery order. */
  groups(): GroupVersions[] {
    const out: GroupVersions[] = [];
    for (const t of this.order) {
      if (t.group === '') continue;
      let entry = out.find((g) => g.group === t.group);
      if (!entry) {
        entry = { group: t.group, versions: [], preferredVersion: t.version };
        out.push(entry);
      }
      if (!entry.versions.includes(t.version)) entry.versions.push(t.version);
    }
    return out;
  }

  /** All served group-versions, `v1` first: `["v1", "apps/v1", …]`. */
  groupVersions(): string[] {
    const out: string[] = [];
    for (const t of this.order) {
      const gv = apiVersionOf(t);
      if (!out.includes(gv)) out.push(gv);
    }
    return out;
  }

  /** Serve the kinds a CRD defines (replacing what it defined before). */
  registerCustom(crdName: string, types: readonly ResourceType[]): void {
    this.unregisterCustom(crdName);
    const added: ResourceType[] = [];
    for (const type of types) {
      if (this.byPath.has(`${type.group}/${type.version}/${type.plural}`)) continue;
      this.add(type);
      added.push(type);
    }
    this.custom.set(crdName, added);
  }

  unregisterCustom(crdName: string): void {
    const types = this.custom.get(crdName);
    if (!types) return;
    this.custom.delete(crdName);
    for (const type of types) {
      this.byPath.delete(`${type.group}/${type.version}/${type.plural}`);
      this.byKind.delete(`${apiVersionOf(type)}/${type.kind}`);
      const i = this.order.indexOf(type);
      if (i >= 0) this.order.splice(i, 1);
    }
  }

  private add(type: ResourceType): void {
    this.byPath.set(`${type.group}/${type.version}/${type.plural}`, type);
    this.byKind.set(`${apiVersionOf(type)}/${type.kind}`, type);
    this.order.push(type);
  }
}
