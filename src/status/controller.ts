/**
 * Application status, kept current (docs/semantics.md §17): each application's source is read at
 * its target revision when it is registered or changed and on every refresh (git polling, a push
 * webhook, the end of an operation); its live objects come from the watches of {@link LiveCache}.
 * A watch event marks the applications it touches, and their status is recomputed after a short
 * debounce — no polling loop. Every change of an application's status is reported to `onStatus`.
 */
import type { ClusterClient } from '../cluster/index.js';
import type { IgnoreDifference } from '../diff/index.js';
import type { Manifest } from '../manifests/index.js';
import { errorMessage, silentLogger } from '../util/index.js';
import type { Logger } from '../util/index.js';
import { compareApplication } from './compare.js';
import type { DesiredState } from './compare.js';
import { desiredState } from './desired.js';
import { diffApplication } from './diff.js';
import { createLiveCache } from './live-cache.js';
import type { LiveCache } from './live-cache.js';
import { resourceTree } from './tree.js';
import type { ApplicationCondition, ApplicationStatus, ConditionType, ResourceDiff, ResourceNode } from './types.js';

/** What the controller reads of an application (a stored ApplicationRecord fits). */
export interface StatusApplication {
  name: string;
  source: { repoURL: string; path: string; targetRevision: string; directory?: { recurse?: boolean; include?: string[]; exclude?: string[] } };
  destination: { namespace: string };
  ignoreDifferences?: IgnoreDifference[];
}

export interface StatusControllerOptions {
  cluster: Pick<ClusterClient, 'watch' | 'listableResources' | 'invalidateDiscovery'>;
  /** Read the application's source at its target revision (a git fetch): the commit and its manifests. */
  loadSource: (app: StatusApplication) => Promise<{ revision: string; manifests: Manifest[] }>;
  /** Every change of an application's status (not of `reconciledAt` alone). */
  onStatus?: (name: string, status: ApplicationStatus, previous: ApplicationStatus | undefined) => void;
  /** Wait this long after a watch event before recomputing, so a burst of events costs one comparison. @defaultValue 100 */
  debounceMs?: number;
  /** The watches' re-list backstop. @defaultValue 300_000 */
  resyncMs?: number;
  /** Watch namespaced kinds in these namespaces only (the live cache's `namespaces`). @defaultValue all namespaces */
  namespaces?: readonly string[];
  /** @defaultValue () => new Date() */
  now?: () => Date;
  /** @defaultValue silent */
  logger?: Logger;
}

export interface StatusController {
  /** Start the watches; resolves once each kind has listed (or failed, then it is retried). */
  start(): Promise<void>;
  /** Track an application (new or changed) and read its source; `reason` says why (see {@link StatusController.foundBy}). */
  setApplication(app: StatusApplication, reason?: string): Promise<ApplicationStatus>;
  removeApplication(name: string): void;
  /** Read the source again (git polling, a webhook, the end of an operation); resolves with the new status. */
  refresh(name: string, reason?: string): Promise<ApplicationStatus | undefined>;
  /** The commit last compared with, and why the source was being read when that commit was first seen (e.g. `git poll (every 3m)`). */
  foundBy(name: string): { revision: string; reason: string } | undefined;
  /** The status as last computed; Unknown for an application not compared yet. */
  status(app: StatusApplication): ApplicationStatus;
  tree(name: string): ResourceNode[];
  /** undefined when the application is not tracked or its source could not be read. */
  diff(name: string): { revision: string; items: ResourceDiff[] } | undefined;
  /** Set (message) or clear (undefined) a condition another part owns (self-heal, sync errors). */
  setCondition(name: string, type: ConditionType, message: string | undefined): void;
  /** Kinds not watched right now, and why. */
  unwatched(): { kind: string; error: string }[];
  close(): void;
}

interface Tracked {
  app: StatusApplication;
  desired?: DesiredState;
  sourceError?: string;
  status?: ApplicationStatus;
  conditions: Map<ConditionType, ApplicationCondition>;
  timer?: NodeJS.Timeout;
  /** Source reads run one at a time per application. */
  reading: Promise<unknown>;
  /** The revision compared with, and the reason of the read that first saw it. */
  seen?: { revision: string; reason: string };
}

/** A kind the source declares but the cluster does not serve: discovery is re-read at most this often. */
const KIND_REFRESH_MS = 30_000;

export function unknownStatus(app: StatusApplication): ApplicationStatus {
  return {
    sync: { status: 'Unknown', revision: null, comparedTo: { source: { repoURL: app.source.repoURL, path: app.source.path, targetRevision: app.source.targetRevision } } },
    health: { status: 'Unknown' },
    resources: [],
    reconciledAt: null,
    conditions: [],
  };
}

const comparable = (s: ApplicationStatus | undefined): string => (s ? JSON.stringify({ ...s, reconciledAt: null }) : '');

export function createStatusController(options: StatusControllerOptions): StatusController {
  const { loadSource, onStatus, debounceMs = 100, now = () => new Date(), logger = silentLogger } = options;
  const apps = new Map<string, Tracked>();
  let lastKindRefresh = 0;
  let closed = false;
  const cache: LiveCache = createLiveCache({
    cluster: options.cluster,
    ...(options.resyncMs !== undefined ? { resyncMs: options.resyncMs } : {}),
    ...(options.namespaces?.length ? { namespaces: options.namespaces } : {}),
    logger,
    onChange: (names) => names.forEach(schedule),
  });

  function schedule(name: string): void {
    const t = apps.get(name);
    if (!t || t.timer || closed) return;
    t.timer = setTimeout(() => {
      t.timer = undefined;
      recompute(t);
    }, debounceMs);
    t.timer.unref();
  }

  function recompute(t: Tracked): ApplicationStatus {
    const live = cache.objectsOf(t.app.name);
    const unwatched = cache.unwatched();
    const unseenKinds = new Set(unwatched.map((u) => u.kind));
    const compared = compareApplication({ desired: t.desired, live, unseenKinds, ...(t.app.ignoreDifferences ? { ignore: t.app.ignoreDifferences } : {}) });
    const unseen = unwatched.filter((u) => compared.resources.some((r) => r.status === 'Unknown' && `${r.group}/${r.kind}` === u.kind));
    const source = t.conditions.get('ComparisonError');
    if (unseen.length > 0 && !source) condition(t, 'ComparisonError', `cannot watch ${unseen.map((u) => `${u.kind} (${u.error})`).join(', ')}`);
    else if (unseen.length === 0 && source?.message.startsWith('cannot watch ')) condition(t, 'ComparisonError', undefined);
    const base = unknownStatus(t.app);
    const status: ApplicationStatus = {
      sync: { ...base.sync, status: compared.status, revision: t.desired?.revision ?? null },
      health: compared.health,
      resources: compared.resources,
      reconciledAt: now().toISOString(),
      conditions: [...t.conditions.values()],
    };
    const previous = t.status;
    t.status = status;
    if (comparable(previous) !== comparable(status)) onStatus?.(t.app.name, status, previous);
    return status;
  }

  function condition(t: Tracked, type: ConditionType, message: string | undefined): void {
    const current = t.conditions.get(type);
    if (message === undefined) t.conditions.delete(type);
    else if (current?.message !== message) t.conditions.set(type, { type, message, lastTransitionTime: now().toISOString() });
  }

  async function read(t: Tracked, reason: string): Promise<ApplicationStatus> {
    try {
      const source = await loadSource(t.app);
      if (t.seen?.revision !== source.revision) t.seen = { revision: source.revision, reason };
      let desired = desiredState({ app: t.app.name, namespace: t.app.destination.namespace, revision: source.revision, manifests: source.manifests, scopeOf: cache.scopeOf });
      if (desired.objects.some((o) => !cache.scopeOf(o.apiVersion, o.kind)) && Date.now() - lastKindRefresh > KIND_REFRESH_MS) {
        lastKindRefresh = Date.now();
        await cache.refreshKinds(); // a CRD created since start: watch its kind
        desired = desiredState({ app: t.app.name, namespace: t.app.destination.namespace, revision: source.revision, manifests: source.manifests, scopeOf: cache.scopeOf });
      }
      t.desired = desired;
      const unserved = desired.objects.filter((o) => !cache.scopeOf(o.apiVersion, o.kind)).map((o) => `${o.apiVersion} ${o.kind}`);
      condition(t, 'ComparisonError', unserved.length > 0 ? `the cluster does not serve ${[...new Set(unserved)].join(', ')}` : undefined);
    } catch (err) {
      t.desired = undefined;
      condition(t, 'ComparisonError', errorMessage(err));
      logger.warn('status: the source could not be read', { app: t.app.name, error: errorMessage(err) });
    }
    return recompute(t);
  }

  function serialized(t: Tracked, reason: string): Promise<ApplicationStatus> {
    const next = t.reading.then(() => read(t, reason));
    t.reading = next.catch(() => undefined);
    return next;
  }

  return {
    start: () => cache.start(),
    setApplication(app, reason = 'the application changed') {
      const t = apps.get(app.name) ?? { app, conditions: new Map(), reading: Promise.resolve() };
      t.app = app;
      apps.set(app.name, t);
      return serialized(t, reason);
    },
    removeApplication(name) {
      const t = apps.get(name);
      if (t?.timer) clearTimeout(t.timer);
      apps.delete(name);
    },
    async refresh(name, reason = 'a refresh') {
      const t = apps.get(name);
      return t ? serialized(t, reason) : undefined;
    },
    foundBy(name) {
      return apps.get(name)?.seen;
    },
    status(app) {
      return apps.get(app.name)?.status ?? unknownStatus(app);
    },
    tree(name) {
      const t = apps.get(name);
      if (!t) return [];
      return resourceTree({ roots: cache.objectsOf(name), childrenOf: cache.childrenOf, resources: t.status?.resources ?? [] });
    },
    diff(name) {
      const t = apps.get(name);
      if (!t?.desired) return undefined;
      return { revision: t.desired.revision, items: diffApplication({ desired: t.desired, live: cache.objectsOf(name), ...(t.app.ignoreDifferences ? { ignore: t.app.ignoreDifferences } : {}) }) };
    },
    setCondition(name, type, message) {
      const t = apps.get(name);
      if (!t) return;
      condition(t, type, message);
      recompute(t);
    },
    unwatched: () => cache.unwatched(),
    close() {
      closed = true;
      for (const t of apps.values()) if (t.timer) clearTimeout(t.timer);
      cache.close();
    },
  };
}
