/**
 * The API server's object semantics over the store: create, get, list, update, patch, server-side
 * apply and delete, with defaulting, validation, generation, managedFields, namespaces and
 * finalizers as Kubernetes has them. HTTP handlers and controllers both go through it.
 */
import type { KubeObject, OwnerReference } from '../../manifests/index.js';
import { alreadyExists, applyConversionError, badRequest, cannotBeHandled, conflict, forbidden, internalError, invalid, MODIFIED_CONFLICT, namespaceNotFound, notFound } from '../errors.js';
import { clone, isRecord } from '../json.js';
import type { JsonObject } from '../json.js';
import type { MergeContext } from '../patch/list-strategy.js';
import { recordUpdate, serverSideApply } from '../patch/server-side-apply.js';
import { validateCreate, validateUpdate } from '../validation/validate-object.js';
import { typedDecodeError } from '../validation/typed-decode.js';
import { applyDefaults } from './defaults.js';
import { generateName, newUid, nowRfc3339, sameContent, specChanged } from './metadata.js';
import type { ObjectStore } from './object-store.js';
import { deleteObject } from './delete-object.js';
import type { DeleteOptions, DeleteResult, Target } from './delete-object.js';
import { applyPatch } from './patch-object.js';
import type { PatchType } from './patch-object.js';
import { prepareCreate } from './prepare-create.js';
import type { ServiceAllocator } from './prepare-create.js';
import type { ResourceRegistry } from './resource-registry.js';
import { apiVersionOf, groupResource, storageKey } from './resource-types.js';
import type { ResourceType } from './resource-types.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';

export interface WriteOptions {
  /** `dryRun=All`: everything but the write. @defaultValue false */
  dryRun?: boolean;
  /** Manager recorded in managedFields; omitted for controller writes (not tracked). */
  fieldManager?: string;
  /** Write the `status` subresource. @defaultValue main resource */
  subresource?: 'status';
}

export interface PatchOptions extends WriteOptions {
  /** Server-side apply only: take over conflicting fields. @defaultValue false */
  force?: boolean;
}

export interface ObjectApiOptions {
  store: ObjectStore;
  registry: ResourceRegistry;
  services: ServiceAllocator;
  /** Whether a Pod still has local processes to stop (graceful deletion). @defaultValue never */
  podHasProcesses?: (pod: KubeObject) => boolean;
  /** Cap on a Pod's termination grace period, in seconds. @defaultValue 30 */
  maxGracePeriodSeconds?: number;
}

export const NAMESPACES = storageKey({ group: '', plural: 'namespaces' });

export class ObjectApi {
  readonly store: ObjectStore;
  readonly registry: ResourceRegistry;
  private readonly services: ServiceAllocator;
  private readonly podHasProcesses: (pod: KubeObject) => boolean;
  private readonly maxGrace: number;

  constructor(options: ObjectApiOptions) {
    this.store = options.store;
    this.registry = options.registry;
    this.services = options.services;
    this.podHasProcesses = options.podHasProcesses ?? (() => false);
    this.maxGrace = options.maxGracePeriodSeconds ?? 30;
  }

  /** The object as served at the requested version (a copy). */
  present(type: ResourceType, obj: KubeObject): KubeObject {
    const copy = clone(obj);
    copy.apiVersion = apiVersionOf(type);
    return copy;
  }

  peek(t: Target, name: string): KubeObject | undefined {
    return this.store.peek(storageKey(t.type), t.namespace, name);
  }

  get(t: Target, name: string): KubeObject {
    const obj = this.peek(t, name);
    if (!obj) throw notFound(groupResource(t.type), name);
    return this.present(t.type, obj);
  }

  /** Stored objects matching the selectors (not copied: serialise, do not change). */
  list(type: ResourceType, namespace: string | undefined, selectors: { labelSelector?: string; fieldSelector?: string }): { items: KubeObject[]; resourceVersion: string } {
    const labels = parseLabelSelector(selectors.labelSelector);
    const fields = parseFieldSelector(selectors.fieldSelector, type.kind);
    const items = this.store.list(storageKey(type), namespace).filter((o) => labels.matches(o) && fields.matches(o));
    return { items, resourceVersion: String(this.store.currentRv()) };
  }

  private ctx(type: ResourceType): MergeContext {
    return { builtIn: type.builtIn, kind: type.kind };
  }

  private checkBody(t: Target, body: unknown, urlName: string | undefined): KubeObject {
    if (!isRecord(body)) throw badRequest('the body of the request must be a JSON object');
    const expected = apiVersionOf(t.type);
    if (typeof body.kind !== 'string' || body.kind === '') throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body).slice(0, 200)}'`);
    if (typeof body.apiVersion !== 'string' || body.apiVersion === '') throw badRequest(`Object 'apiVersion' is missing in '${JSON.stringify(body).slice(0, 200)}'`);
    if (body.apiVersion !== expected && !(this.registry.byApiVersionKind(body.apiVersion, body.kind)?.plural === t.type.plural)) {
      throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${expected})`);
    }
    if (body.kind !== t.type.kind) throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${t.type.kind})`);
    const metadata = isRecord(body.metadata) ? { ...body.metadata } : {};
    if (t.type.namespaced) {
      if (metadata.namespace !== undefined && metadata.namespace !== '' && metadata.namespace !== t.namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      metadata.namespace = t.namespace;
    } else {
      delete metadata.namespace;
    }
    if (urlName !== undefined) {
      if (metadata.name === undefined || metadata.name === '') metadata.name = urlName;
      else if (metadata.name !== urlName) throw badRequest(`the name of the object (${String(metadata.name)}) does not match the name on the URL (${urlName})`);
    }
    return { ...clone(body), apiVersion: expected, kind: t.type.kind, metadata } as KubeObject;
  }

  private checkNamespace(t: Target, name: string): void {
    if (!t.type.namespaced) return;
    const ns = this.store.peek(NAMESPACES, '', t.namespace);
    if (!ns) throw namespaceNotFound(t.namespace);
    if (ns.metadata.deletionTimestamp) {
      throw forbidden(groupResource(t.type), name, `unable to create new content in namespace ${t.namespace} because it is being terminated`);
    }
  }

  /** Decoding into the Go type fails (see `typed-decode.ts`): 400, or the 500 of server-side apply. */
  private checkTyped(t: Target, obj: KubeObject, apply: boolean): void {
    if (!t.type.builtIn) return;
    const why = typedDecodeError(t.type.group, t.type.kind, obj);
    if (!why) return;
    const gv = apiVersionOf(t.type);
    if (!apply) throw cannotBeHandled(t.type.kind, t.type.version, why);
    const name = obj.metadata.name ?? '';
    throw applyConversionError(t.type.namespaced ? `${t.namespace}/${name}` : name, gv, t.type.kind, why);
  }

  create(t: Target, body: unknown, options: WriteOptions = {}): KubeObject {
    const obj = this.checkBody(t, body, undefined);
    this.checkTyped(t, obj, false);
    return this.createChecked(t, obj, options, undefined);
  }

  private createChecked(t: Target, obj: KubeObject, options: WriteOptions, managedFields: unknown): KubeObject {
    const meta = obj.metadata;
    if (!meta.name && typeof meta.generateName === 'string' && meta.generateName) meta.name = generateName(meta.generateName);
    const name = meta.name ?? '';
    if (meta.resourceVersion) throw internalError('resourceVersion should not be set on objects to be created');
    this.checkNamespace(t, name);
    if (name && this.peek(t, name)) throw alreadyExists(groupResource(t.type), name);
    meta.uid = newUid();
    meta.creationTimestamp = nowRfc3339();
    meta.generation = 1;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.managedFields;
    if (t.type.statusSubresource) delete obj.status;
    prepareCreate(t.type, obj);
    applyDefaults(obj);
    const errs = validateCreate(t.type, obj);
    if (errs.length > 0) throw invalid({ group: t.type.group, kind: t.type.kind, name }, errs);
    this.services.allocate(t.type, obj, options.dryRun ?? false);
    if (managedFields !== undefined) meta.managedFields = managedFields;
    else if (options.fieldManager) {
      meta.managedFields = recordUpdate({ old: undefined, updated: obj, manager: options.fieldManager, ctx: this.ctx(t.type), apiVersion: apiVersionOf(t.type), now: nowRfc3339() });
    }
    if (options.dryRun) return this.present(t.type, obj);
    const event = this.store.put(storageKey(t.type), t.namespace, obj);
    return this.present(t.type, event.object);
  }

  update(t: Target, name: string, body: unknown, options: WriteOptions = {}): KubeObject {
    const next = this.checkBody(t, body, name);
    this.checkTyped(t, next, false);
    const old = this.peek(t, name);
    if (!old) throw notFound(groupResource(t.type), name);
    const rv = next.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) throw conflict(groupResource(t.type), name, MODIFIED_CONFLICT);
    return this.commitUpdate(t, old, next, options, undefined);
  }

  /** PATCH with any patch type; `apply` creates the object when it does not exist. */
  patch(t: Target, name: string, type: PatchType, patch: unknown, options: PatchOptions = {}): KubeObject {
    const old = this.peek(t, name);
    if (type === 'apply') return this.apply(t, name, old, patch, options);
    if (options.force !== undefined) throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions', name: '' }, [{ type: 'Forbidden', field: 'force', detail: 'may not be specified for non-apply patch' }]);
    if (!old) throw notFound(groupResource(t.type), name);
    const current = this.present(t.type, old);
    const patched = applyPatch(type, current, patch, this.ctx(t.type));
    const rv = patched.metadata.resourceVersion;
    if (rv !== undefined && rv !== old.metadata.resourceVersion) throw conflict(groupResource(t.type), name, MODIFIED_CONFLICT);
    const next = this.checkBody(t, patched, name);
    this.checkTyped(t, next, false);
    return this.commitUpdate(t, old, next, options, undefined);
  }

  private apply(t: Target, name: string, old: KubeObject | undefined, patch: unknown, options: PatchOptions): KubeObject {
    if (!options.fieldManager) {
      throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions', name: '' }, [{ type: 'Required', field: 'fieldManager', detail: 'is required for apply patch' }]);
    }
    const applied = this.checkBody(t, patch, name) as JsonObject;
    this.checkTyped(t, applied as KubeObject, true);
    const appliedMeta = { ...(applied.metadata as JsonObject) };
    delete appliedMeta.namespace;
    if (old === undefined) delete appliedMeta.name;
    const result = serverSideApply({
      live: old ? (this.present(t.type, old) as JsonObject) : undefined,
      applied: { ...applied, metadata: appliedMeta },
      manager: options.fieldManager,
      force: options.force ?? false,
      ctx: this.ctx(t.type),
      apiVersion: apiVersionOf(t.type),
      ...(options.subresource ? { subresource: options.subresource } : {}),
      now: nowRfc3339(),
    });
    const next = result as KubeObject;
    next.metadata = { ...next.metadata, name, ...(t.type.namespaced ? { namespace: t.namespace } : {}) };
    if (!old) {
      if (options.subresource) throw notFound(groupResource(t.type), name);
      delete next.metadata.resourceVersion;
      return this.createChecked(t, next, options, next.metadata.managedFields);
    }
    return this.commitUpdate(t, old, next, options, next.metadata.managedFields);
  }

  /** The shared tail of update, patch and apply. */
  private commitUpdate(t: Target, old: KubeObject, candidate: KubeObject, options: WriteOptions, managedFields: unknown): KubeObject {
    const name = old.metadata.name ?? '';
    let next: KubeObject;
    if (options.subresource === 'status') {
      next = { ...clone(old), status: clone(candidate.status) };
      if (candidate.status === undefined) delete next.status;
    } else {
      next = candidate;
      if (t.type.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = clone(old.status);
      }
    }
    const meta: Record<string, unknown> = next.metadata;
    for (const key of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generateName']) {
      if (old.metadata[key] === undefined) delete meta[key];
      else meta[key] = old.metadata[key];
    }
    if (old.metadata.deletionTimestamp) {
      const before = new Set(old.metadata.finalizers ?? []);
      const added = (next.metadata.finalizers ?? []).filter((f) => !before.has(f));
      if (added.length > 0) {
        throw invalid({ group: t.type.group, kind: t.type.kind, name }, [{ type: 'Forbidden', field: 'metadata.finalizers', detail: `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` }]);
      }
    }
    applyDefaults(next);
    const errs = validateUpdate(t.type, next, old);
    if (errs.length > 0) throw invalid({ group: t.type.group, kind: t.type.kind, name }, errs);
    next.metadata.generation = (old.metadata.generation ?? 1) + (specChanged(old, next) ? 1 : 0);
    if (managedFields !== undefined) meta.managedFields = managedFields;
    else if (options.fieldManager) {
      meta.managedFields = recordUpdate({
        old,
        updated: next,
        manager: options.fieldManager,
        ctx: this.ctx(t.type),
        apiVersion: apiVersionOf(t.type),
        ...(options.subresource ? { subresource: options.subresource } : {}),
        now: nowRfc3339(),
      });
    } else if (old.metadata.managedFields !== undefined) meta.managedFields = clone(old.metadata.managedFields);
    if (sameContent(old, next)) return this.present(t.type, old);
    if (options.dryRun) return this.present(t.type, next);
    return this.present(t.type, this.commit(t.type, t.namespace, next));
  }

  /** Store an object; when it is being deleted and nothing holds it any more, remove it instead. */
  commit(type: ResourceType, namespace: string, next: KubeObject): KubeObject {
    const key = storageKey(type);
    if (next.metadata.deletionTimestamp && this.removable(type, next)) {
      this.store.put(key, namespace, next);
      const removed = this.store.remove(key, namespace, next.metadata.name ?? '');
      return removed?.object ?? next;
    }
    return this.store.put(key, namespace, next).object;
  }

  /** No finalizers left (a Namespace also needs empty `spec.finalizers`), and a Pod has no processes left. */
  removable(type: ResourceType, obj: KubeObject): boolean {
    if ((obj.metadata.finalizers ?? []).length > 0) return false;
    if (type.group === '' && type.kind === 'Namespace') {
      const spec = isRecord(obj.spec) ? obj.spec : {};
      if (Array.isArray(spec.finalizers) && spec.finalizers.length > 0) return false;
    }
    if (type.group === '' && type.kind === 'Pod' && this.podHasProcesses(obj)) return false;
    return true;
  }

  /**
   * Controller write: change a copy of the stored object and store it (skipped when nothing
   * changed). No validation and no managedFields, as for the controllers' own status writes.
   */
  mutate(type: ResourceType, namespace: string, name: string, change: (draft: KubeObject) => void): KubeObject | undefined {
    const old = this.store.peek(storageKey(type), namespace, name);
    if (!old) return undefined;
    const draft = clone(old);
    change(draft);
    if (sameContent(old, draft)) return old;
    draft.metadata.generation = (old.metadata.generation ?? 1) + (specChanged(old, draft) ? 1 : 0);
    return this.commit(type, namespace, draft);
  }

  /** Delete with a propagation policy, preconditions, finalizers and (Pods) a grace period; see `deleteObject`. */
  delete(t: Target, name: string, options: DeleteOptions = {}): DeleteResult {
    return deleteObject(this, t, name, options);
  }

  /** Whether a Pod still has local processes (its deletion is then graceful). */
  hasProcesses(pod: KubeObject): boolean {
    return this.podHasProcesses(pod);
  }

  /** Cap on Pod grace periods, in seconds. */
  get maxGracePeriodSeconds(): number {
    return this.maxGrace;
  }

  /** Remove the ownerReferences that point at `uid` from its dependents (Orphan propagation). */
  orphanDependents(uid: string): void {
    for (const dep of this.store.dependentsOf(uid)) {
      const type = this.typeOfKey(dep.key);
      if (!type) continue;
      this.mutate(type, dep.object.metadata.namespace ?? '', dep.object.metadata.name ?? '', (draft) => {
        const refs = (draft.metadata.ownerReferences ?? []).filter((r: OwnerReference) => r.uid !== uid);
        if (refs.length > 0) draft.metadata.ownerReferences = refs;
        else delete draft.metadata.ownerReferences;
      });
    }
  }

  /** A served resource type for a storage key (any version). */
  typeOfKey(key: string): ResourceType | undefined {
    return this.registry.byStorageKey(key);
  }
}

export { FOREGROUND, defaultPropagation } from './delete-object.js';
export type { DeleteOptions, DeleteResult, Target } from './delete-object.js';
export { groupResource } from './resource-types.js';
