/**
 * The chart on a real API server (etcd, kube-apiserver with Node,RBAC authorization, controller
 * manager, scheduler and the node agent from `src/controlplane`): every object of every `ci/`
 * scenario passes kube-apiserver's strict server-side validation, `helm install` creates them, a
 * sync of the lab AS the chart's worker ServiceAccount (a TokenRequest token, nothing else)
 * succeeds — the chart's RBAC is enough — and with `rbac.namespaced=true` a sync outside
 * `rbac.namespaces` is refused with the API server's 403. The API's ServiceAccount may read every
 * kind across all namespaces (the lists and watches `serve` keeps application status from) and
 * write nothing; namespaced, it may read in `rbac.namespaces` only, so its all-namespace lists are
 * refused. The generated API token and Redis password survive `helm upgrade` (lookup); an app holding
 * a Role and RoleBindings syncs as the worker (escalate/bind). `helm uninstall` leaves nothing of ours
 * behind but the Redis volume and the generated Secrets kept on purpose
 * (docs/deploy.md).
 *
 * The chart's pods are scheduled onto the node agent: `hookrunner/hookrunner` images run a
 * placeholder `sleep` (the syncs below run in this process, as the worker's identity), and the
 * bundled Redis gets a nodeSelector no node has — its container has a `command`, so the node agent
 * would otherwise start this machine's `redis-server` with `/etc/redis/redis.conf`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startControlPlane } from '../../src/controlplane/index.js';
import type { ControlPlane } from '../../src/controlplane/index.js';
import { DeadlineExceededError, sleep } from '../../src/util/index.js';
import { testBackends } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { writeLab } from '../helpers/lab.js';
import type { Helm } from './helm.js';
import { CHART, ciScenarios, createHelm, parseManifests } from './helm.js';
import type { Kubectl } from '../helpers/kubectl.js';
import { createKubectl } from '../helpers/kubectl.js';

/** The cluster-wide release (ClusterRole), with the chart's defaults. */
const RELEASE = 'rel';
const NS = 'hookrunner';
const WORKER_SA = `${RELEASE}-hookrunner-worker`;
const API_SA = `${RELEASE}-hookrunner-api`;
/** The namespaced release (`rbac.namespaced=true`), allowed into ALLOWED only. */
const SCOPED = 'scoped';
const SCOPED_NS = 'hookrunner-scoped';
const SCOPED_SA = `${SCOPED}-hookrunner-worker`;
const SCOPED_API_SA = `${SCOPED}-hookrunner-api`;
const ALLOWED = 'team-a';
const DENIED = 'team-b';
/** Namespaces `ci/namespaced-rbac-values.yaml` puts Roles into (they must exist for the dry run). */
const CI_RBAC_NAMESPACES = ['app-sync-phases', 'team-a'];
const INSTANCE = 'app.kubernetes.io/instance';
/** The tracking label `serve` selects the objects of applications by (src/sync/decorate.ts). */
const APP_LABEL = 'hookrunner.io/app';
/** The bundled Redis volume, left behind by `helm uninstall` on purpose (docs/deploy.md). */
const KEPT_PVC = `PersistentVolumeClaim ${NS}/data-${RELEASE}-hookrunner-redis-0`;
/** The generated Secrets, kept by `helm uninstall` on purpose (`helm.sh/resource-policy: keep`). */
const KEPT_SECRETS = [`Secret ${NS}/${RELEASE}-hookrunner-auth`, `Secret ${NS}/${RELEASE}-hookrunner-redis`, `Secret ${SCOPED_NS}/${SCOPED}-hookrunner-auth`];
/** An application holding RBAC objects (the default project allows Role and RoleBinding). */
const RBAC_APP_NS = 'rbac-app';

const scenarios = await ciScenarios();

interface LiveObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec?: {
    readonly serviceAccountName?: string;
    readonly volumes?: readonly { readonly name: string; readonly projected?: { readonly sources: readonly { readonly serviceAccountToken?: object }[] } }[];
  };
}

interface LiveList {
  readonly items: readonly LiveObject[];
}

/** `hookrunner sync -o json`'s document (test/cli/sync.int.test.ts). */
interface SyncDocument {
  readonly operation: { readonly phase: string; readonly message: string };
  readonly resources: readonly {
    readonly syncPhase: string;
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
    readonly status: string;
    readonly message: string;
  }[];
}

interface SyncRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly doc: SyncDocument | undefined;
}

const refOf = (o: LiveObject): string => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;

/** Polls `probe` until it reports done; fails with what it waited for and what it saw last. */
async function waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<{ done: true; value: T } | { done: false; seen: string }>): Promise<T> {
  const started = Date.now();
  let seen = '';
  for (;;) {
    const result = await probe();
    if (result.done) return result.value;
    seen = result.seen;
    if (Date.now() - started > timeoutMs) throw new DeadlineExceededError(what, Date.now() - started, seen);
    await sleep(500);
  }
}

describe.runIf(testBackends().includes('real'))('the Helm chart on the real control plane', () => {
  let cp: ControlPlane;
  let helm: Helm;
  let kubectl: Kubectl;
  let dir: string;
  let adminKubeconfig: string;
  let installValues: string;
  /** Every listable resource type but events (which are not ours and carry no labels). */
  let listableTypes: string[];

  beforeAll(async () => {
    cp = await startControlPlane({
      startTimeoutMs: 180_000,
      // The API and worker containers have no `command`: a placeholder instead of `node bin/hookrunner serve|worker`.
      images: { 'hookrunner/hookrunner:*': { entrypoint: ['/bin/sh', '-c', 'exec sleep 3600', 'hookrunner-placeholder'] } },
    });
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-chart-real-'));
    adminKubeconfig = join(dir, 'admin.kubeconfig');
    await cp.writeKubeconfig(adminKubeconfig);
    helm = await createHelm();
    kubectl = await createKubectl(adminKubeconfig, dir);
    installValues = join(dir, 'install-values.yaml');
    await writeFile(installValues, stringify({ redis: { nodeSelector: { 'hookrunner.io/test-placement': 'nowhere' } } }));
    for (const namespace of [NS, ...CI_RBAC_NAMESPACES, DENIED]) {
      await kubectl.ok(['create', 'namespace', namespace]);
    }
    listableTypes = (await kubectl.ok(['api-resources', '--verbs=list', '-o', 'name']))
      .split('\n')
      .map((line) => line.trim())
      .filter((name) => name !== '' && name !== 'events' && name !== 'events.events.k8s.io');
  }, 180_000);

  afterAll(async () => {
    await cp?.stop();
    await helm?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const helmRun = async (args: readonly string[]): Promise<string> => {
    const result = await helm.run([...args, '--kubeconfig', adminKubeconfig]);
    if (result.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result.stdout;
  };

  /** Every object of the two releases (by label), across every listable type and namespace. */
  const releaseObjects = async (): Promise<string[]> => {
    const list = JSON.parse(await kubectl.ok(['get', listableTypes.join(','), '--all-namespaces', '-l', `${INSTANCE} in (${RELEASE},${SCOPED})`, '-o', 'json'])) as LiveList;
    return list.items.map(refOf).sort();
  };

  /** The objects `helm get manifest` lists, read back from the API server. */
  const expectInstalled = async (release: string, namespace: string): Promise<string[]> => {
    const manifest = await helmRun(['get', 'manifest', release, '--namespace', namespace]);
    const rendered = parseManifests(manifest);
    // Every namespaced object names its namespace (Roles live in rbac.namespaces, the rest in the release's).
    const live = JSON.parse(await kubectl.ok(['get', '-f', '-', '-o', 'json'], manifest)) as LiveList;
    expect(live.items.map(refOf).sort()).toEqual(rendered.map((o) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`).sort());
    for (const object of live.items) {
      expect(object.metadata.annotations?.['meta.helm.sh/release-name'], refOf(object)).toBe(release);
      expect(object.metadata.labels?.[INSTANCE], refOf(object)).toBe(release);
    }
    return live.items.map(refOf);
  };

  /** A kubeconfig holding only a TokenRequest token of `sa` and the cluster CA. */
  const tokenKubeconfig = async (sa: string, namespace: string): Promise<string> => {
    const token = (await kubectl.ok(['create', 'token', sa, '--namespace', namespace, '--duration=1h'])).trim();
    expect(token.split('.')).toHaveLength(3); // a signed JWT
    const path = join(dir, `${sa}.kubeconfig`);
    await writeFile(
      path,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'real', cluster: { server: cp.url, 'certificate-authority-data': Buffer.from(await cp.caCert()).toString('base64') } }],
        users: [{ name: sa, user: { token } }],
        contexts: [{ name: sa, context: { cluster: 'real', user: sa } }],
        'current-context': sa,
      }),
      { mode: 0o600 },
    );
    const whoami = JSON.parse(await (await createKubectl(path, dir)).ok(['auth', 'whoami', '-o', 'json'])) as { status: { userInfo: { username: string } } };
    expect(whoami.status.userInfo.username).toBe(`system:serviceaccount:${namespace}:${sa}`);
    return path;
  };

  /** `kubectl auth can-i` as a ServiceAccount (impersonated by the admin): `yes` or `no`. */
  const canI = async (namespace: string, sa: string, args: readonly string[]): Promise<string> => {
    const result = await kubectl.run(['auth', 'can-i', ...args, `--as=system:serviceaccount:${namespace}:${sa}`]);
    const answer = result.stdout.trim();
    if (answer !== 'yes' && answer !== 'no') throw new Error(`kubectl auth can-i ${args.join(' ')} answered neither yes nor no (${result.code}): ${result.stderr}`);
    return answer;
  };

  /** `hookrunner sync` (in-process CLI, its own redis-server: no REDIS_URL) against `kubeconfig`. */
  const sync = async (kubeconfig: string, app: string, namespace: string, extra: readonly string[] = []): Promise<SyncRun> => {
    const lab = await writeLab();
    try {
      const { code, stdout, stderr } = await runCli(
        ['sync', lab.dir, '--app', app, '-n', namespace, ...extra, '--kubeconfig', kubeconfig, '--revision', '0123456789abcdef', '--timeout', '2m', '-o', 'json'],
        { PATH: process.env['PATH'], HOME: dir },
      );
      const doc = stdout.trimStart().startsWith('{') ? (JSON.parse(stdout) as SyncDocument) : undefined;
      return { code, stdout, stderr, doc };
    } finally {
      await lab.cleanup();
    }
  };

  const rows = (run: SyncRun): string[] => (run.doc?.resources ?? []).map((r) => `${r.syncPhase} ${r.kind} ${r.name} ${r.status}`);
  /** A lab sync that succeeded quietly (exit 0) with the lab's rows, after `before` (e.g. the created Namespace). */
  const expectLabSucceeded = (run: SyncRun, before: string[] = []): void => {
    expect(run.stderr).toBe('');
    expect(run.doc?.operation.phase, run.doc?.operation.message).toBe('Succeeded');
    expect(run.code).toBe(0);
    expect(rows(run)).toEqual([
      ...before,
      'PreSync Job health-check-pre-job Synced',
      'Sync Service nginx Synced',
      'Sync ServiceAccount nginx Synced',
      'Sync Deployment nginx Synced',
      'PostSync Job mattermost-post-job-success Synced',
    ]);
  };

  it.each(['(defaults)', ...scenarios])('should have every object of %s accepted by kube-apiserver with strict server-side validation', async (file) => {
    const rendered = await helm.run(['template', RELEASE, '.', '--namespace', NS, ...(file === '(defaults)' ? [] : ['-f', file])]);
    expect(rendered.code, rendered.stderr).toBe(0);
    const objects = parseManifests(rendered.stdout);
    const applied = await kubectl.run(['apply', '--server-side', '--dry-run=server', '--validate=strict', '--field-manager=hookrunner-chart-test', '-f', '-'], rendered.stdout);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const accepted = applied.stdout.split('\n').filter((line) => line.endsWith('serverside-applied (server dry run)'));
    expect(accepted).toHaveLength(objects.length);
  });

  it('should helm install the chart with every object created by the API server', async () => {
    const out = await helmRun(['install', RELEASE, CHART, '--namespace', NS, '-f', installValues]);
    expect(out).toContain('STATUS: deployed');
    const installed = await expectInstalled(RELEASE, NS);
    expect(installed).toEqual(
      expect.arrayContaining([
        `ClusterRole -/${WORKER_SA}`,
        `ClusterRoleBinding -/${WORKER_SA}`,
        `ServiceAccount ${NS}/${WORKER_SA}`,
        `ClusterRole -/${API_SA}`,
        `ClusterRoleBinding -/${API_SA}`,
        `ServiceAccount ${NS}/${API_SA}`,
        `Deployment ${NS}/${RELEASE}-hookrunner-worker`,
        `Deployment ${NS}/${RELEASE}-hookrunner-api`,
        `StatefulSet ${NS}/${RELEASE}-hookrunner-redis`,
        `Secret ${NS}/${RELEASE}-hookrunner-auth`,
        `Secret ${NS}/${RELEASE}-hookrunner-redis`,
        `ConfigMap ${NS}/${RELEASE}-hookrunner-projects`,
        `NetworkPolicy ${NS}/${RELEASE}-hookrunner-redis`,
        `NetworkPolicy ${NS}/${RELEASE}-hookrunner-api`,
        `NetworkPolicy ${NS}/${RELEASE}-hookrunner-worker`,
        `PodDisruptionBudget ${NS}/${RELEASE}-hookrunner-worker`,
      ]),
    );
  });

  /** The decoded data of a Secret in the release namespace. */
  const secretData = async (name: string): Promise<Record<string, string>> => {
    const secret = JSON.parse(await kubectl.ok(['get', 'secret', name, '--namespace', NS, '-o', 'json'])) as { data: Record<string, string> };
    return Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  };

  it('should keep the generated API token, webhook secret and Redis password across helm upgrade (lookup)', async () => {
    const auth = await secretData(`${RELEASE}-hookrunner-auth`);
    const redis = await secretData(`${RELEASE}-hookrunner-redis`);
    expect(auth['api-token']).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(auth['webhook-secret']).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(redis['redis-password']).toMatch(/^[A-Za-z0-9]{32}$/);
    const out = await helmRun(['upgrade', RELEASE, CHART, '--namespace', NS, '-f', installValues]);
    expect(out).toContain('REVISION: 2');
    expect(await secretData(`${RELEASE}-hookrunner-auth`)).toEqual(auth);
    expect(await secretData(`${RELEASE}-hookrunner-redis`)).toEqual(redis);
  });

  it('should refuse helm install with auth.generate=false and no auth.existingSecret, creating nothing', async () => {
    const result = await helm.run(['install', 'nogen', CHART, '--namespace', NS, '--set', 'auth.generate=false', '--kubeconfig', adminKubeconfig]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('auth.existingSecret: required when auth.generate=false');
    const left = await kubectl.ok(['get', 'deployments,secrets,configmaps', '--namespace', NS, '-l', `${INSTANCE}=nogen`, '-o', 'name']);
    expect(left.trim()).toBe('');
  });

  it('should run the worker and API pods with a projected token of their ServiceAccount', async () => {
    const pods = await waitUntil(`the ${RELEASE} worker (2) and API (1) pods to be created by their ReplicaSets`, 60_000, async () => {
      const list = JSON.parse(await kubectl.ok(['get', 'pods', '--namespace', NS, '-l', `${INSTANCE}=${RELEASE},app.kubernetes.io/component in (worker,api)`, '-o', 'json'])) as LiveList;
      return list.items.length === 3 ? { done: true, value: list.items } : { done: false, seen: list.items.map(refOf).join(', ') || 'no pods' };
    });
    for (const pod of pods) {
      const worker = pod.metadata.labels?.['app.kubernetes.io/component'] === 'worker';
      expect(pod.spec?.serviceAccountName, refOf(pod)).toBe(worker ? WORKER_SA : API_SA);
      // The API watches the cluster for application status with its token.
      const token = (pod.spec?.volumes ?? []).some((v) => v.projected?.sources.some((s) => s.serviceAccountToken !== undefined));
      expect(token, refOf(pod)).toBe(true);
    }
  });

  it('should let the API ServiceAccount get, list and watch every kind across all namespaces (Secrets too), and write nothing', async () => {
    for (const resource of ['deployments.apps', 'replicasets.apps', 'pods', 'jobs.batch', 'secrets', 'configmaps', 'customresourcedefinitions.apiextensions.k8s.io']) {
      for (const verb of ['get', 'list', 'watch']) {
        expect(await canI(NS, API_SA, [verb, resource, '--all-namespaces']), `${verb} ${resource}`).toBe('yes');
      }
    }
    expect(await canI(NS, API_SA, ['watch', 'namespaces'])).toBe('yes');
    for (const verb of ['create', 'update', 'patch', 'delete', 'deletecollection']) {
      expect(await canI(NS, API_SA, [verb, 'deployments.apps', '--namespace', 'lab']), `${verb} deployments.apps`).toBe('no');
      expect(await canI(NS, API_SA, [verb, 'secrets', '--all-namespaces']), `${verb} secrets`).toBe('no');
    }
    expect(await canI(NS, API_SA, ['create', 'namespaces'])).toBe('no');
  });

  it("should serve the API's lists as serve makes them (every kind labelled, all namespaces; Pods, ReplicaSets, Jobs unfiltered) to its token, and refuse a write", async () => {
    const api = await createKubectl(await tokenKubeconfig(API_SA, NS), dir);
    // (stderr may carry the API server's deprecation warnings, e.g. for ComponentStatus; never a refusal.)
    const labelled = await api.run(['get', listableTypes.join(','), '--all-namespaces', '-l', APP_LABEL, '-o', 'name']);
    expect(labelled.stderr).not.toMatch(/forbidden|error/i);
    expect(labelled.code).toBe(0);
    const children = await api.run(['get', 'pods,replicasets.apps,jobs.batch', '--all-namespaces', '-o', 'name']);
    expect(children.stderr).not.toMatch(/forbidden|error/i);
    expect(children.code).toBe(0);
    expect(children.stdout).toContain(`pod/${RELEASE}-hookrunner-api-`);
    const write = await api.run(['create', 'configmap', 'api-may-not-write', '--namespace', NS, '--dry-run=server']);
    expect(write.code).toBe(1);
    expect(write.stderr).toContain(`User "system:serviceaccount:${NS}:${API_SA}" cannot create resource "configmaps"`);
  });

  it('should sync the lab as the worker ServiceAccount (TokenRequest token): the ClusterRole is enough, re-syncs included', async () => {
    const kubeconfig = await tokenKubeconfig(WORKER_SA, NS);
    const first = await sync(kubeconfig, 'lab', 'lab', ['--create-namespace']);
    expectLabSucceeded(first, ['PreSync Namespace lab Synced']);
    // Again: BeforeHookCreation deletes the previous hook Jobs and waits until they are gone; the rest is patched.
    const again = await sync(kubeconfig, 'lab', 'lab', ['--create-namespace']);
    expectLabSucceeded(again);
  }, 120_000);

  it('should sync an application holding a Role and a RoleBinding (to a ClusterRole the worker lacks) as the worker ServiceAccount', async () => {
    const app = await mkdtemp(join(tmpdir(), 'hookrunner-rbac-app-'));
    try {
      await writeFile(join(app, 'rbac.yaml'), [
        stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader' } }),
        // pods/exec is a right the worker does not hold: creating this Role needs `escalate`.
        stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'exec' }, rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }] }),
        stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'exec' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'exec' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: RBAC_APP_NS }] }),
        // The bootstrap ClusterRole `view` holds rights (e.g. resourcequotas) the default project does not give the worker: `bind`.
        stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: RBAC_APP_NS }] }),
      ].join('---\n'));
      const { code, stdout, stderr } = await runCli(
        ['sync', app, '--app', 'rbac-app', '-n', RBAC_APP_NS, '--create-namespace', '--kubeconfig', await tokenKubeconfig(WORKER_SA, NS), '--revision', '0123456789abcdef', '--timeout', '2m', '-o', 'json'],
        { PATH: process.env['PATH'], HOME: dir },
      );
      const doc = JSON.parse(stdout) as SyncDocument;
      expect(doc.operation.phase, `${doc.operation.message} ${stderr}`).toBe('Succeeded');
      expect(code).toBe(0);
      expect(doc.resources.map((r) => `${r.kind} ${r.name} ${r.status}`).sort()).toEqual([
        'Namespace rbac-app Synced', 'Role exec Synced', 'RoleBinding exec Synced', 'RoleBinding view Synced', 'ServiceAccount reader Synced',
      ]);
      expect(await canI(RBAC_APP_NS, 'reader', ['create', 'pods', '--subresource=exec', '--namespace', RBAC_APP_NS])).toBe('yes');
      expect(await canI(RBAC_APP_NS, 'reader', ['list', 'resourcequotas', '--namespace', RBAC_APP_NS])).toBe('yes');
      // Still no cluster-scoped RBAC for the worker: the default project does not whitelist ClusterRole.
      expect(await canI(NS, WORKER_SA, ['create', 'clusterroles.rbac.authorization.k8s.io'])).toBe('no');
      expect(await canI(NS, WORKER_SA, ['create', 'customresourcedefinitions.apiextensions.k8s.io'])).toBe('no');
      expect(await canI(NS, WORKER_SA, ['delete', 'namespaces'])).toBe('no');
    } finally {
      await rm(app, { recursive: true, force: true });
    }
  }, 120_000);

  describe('with rbac.namespaced=true and rbac.namespaces=[team-a]', () => {
    let kubeconfig: string;

    it('should install Roles and RoleBindings in team-a only, and no ClusterRole', async () => {
      await helmRun([
        'install', SCOPED, CHART, '--namespace', SCOPED_NS, '--create-namespace',
        '--set', 'rbac.namespaced=true', '--set', `rbac.namespaces={${ALLOWED}}`,
        '--set', 'redis.enabled=false', '--set', 'externalRedis.host=redis.invalid',
      ]);
      const installed = await expectInstalled(SCOPED, SCOPED_NS);
      expect(installed.filter((r) => /^(Cluster)?Role(Binding)? /.test(r)).sort()).toEqual([
        `Role ${ALLOWED}/${SCOPED_API_SA}`,
        `Role ${ALLOWED}/${SCOPED_SA}`,
        `RoleBinding ${ALLOWED}/${SCOPED_API_SA}`,
        `RoleBinding ${ALLOWED}/${SCOPED_SA}`,
      ]);
      kubeconfig = await tokenKubeconfig(SCOPED_SA, SCOPED_NS);
    });

    it('should let its API ServiceAccount read in team-a only: watches across all namespaces are refused', async () => {
      expect(await canI(SCOPED_NS, SCOPED_API_SA, ['watch', 'deployments.apps', '--namespace', ALLOWED])).toBe('yes');
      expect(await canI(SCOPED_NS, SCOPED_API_SA, ['list', 'secrets', '--namespace', ALLOWED])).toBe('yes');
      expect(await canI(SCOPED_NS, SCOPED_API_SA, ['watch', 'deployments.apps', '--all-namespaces'])).toBe('no');
      expect(await canI(SCOPED_NS, SCOPED_API_SA, ['watch', 'deployments.apps', '--namespace', DENIED])).toBe('no');
      expect(await canI(SCOPED_NS, SCOPED_API_SA, ['create', 'deployments.apps', '--namespace', ALLOWED])).toBe('no');
      // serve lists (then watches) across all namespaces: refused, so application status shows Unknown (values.yaml rbac.namespaced).
      const api = await createKubectl(await tokenKubeconfig(SCOPED_API_SA, SCOPED_NS), dir);
      const all = await api.run(['get', 'deployments.apps', '--all-namespaces', '-l', APP_LABEL, '-o', 'name']);
      expect(all.code).toBe(1);
      expect(all.stderr).toContain(`User "system:serviceaccount:${SCOPED_NS}:${SCOPED_API_SA}" cannot list resource "deployments" in API group "apps" at the cluster scope`);
      const inside = await api.run(['get', 'deployments.apps', '--namespace', ALLOWED, '-l', APP_LABEL, '-o', 'name']);
      expect(inside.code, inside.stderr).toBe(0);
    });

    it('should sync the lab into team-a as its worker ServiceAccount', async () => {
      const run = await sync(kubeconfig, 'lab-a', ALLOWED);
      expectLabSucceeded(run);
    }, 120_000);

    describe('a sync into team-b (exists, but is not in rbac.namespaces)', () => {
      let denied: SyncRun;

      beforeAll(async () => {
        denied = await sync(kubeconfig, 'lab-b', DENIED);
      }, 150_000);

      it("should fail each object in team-b with the API server's 403 (a failed sync, exit 1): no crash, nothing applied", async () => {
        const forbidden = `namespaces "${DENIED}" is forbidden: User "system:serviceaccount:${SCOPED_NS}:${SCOPED_SA}" cannot get resource "namespaces" in API group "" in the namespace "${DENIED}"`;
        expect(denied.doc, denied.stderr).toBeDefined();
        expect(denied.code).toBe(1);
        expect(denied.doc?.operation.phase).toBe('Failed');
        expect(denied.doc?.operation.message).toBe('one or more objects failed to apply (dry run)');
        const rows = denied.doc?.resources ?? [];
        expect(rows.length).toBeGreaterThan(0);
        for (const row of rows) {
          expect(row.namespace).toBe(DENIED);
          expect(row.status).toBe('SyncFailed');
          expect(row.message).toContain('Forbidden (403)');
          expect(row.message).toContain(forbidden);
        }
        // Not a crash: no stack trace anywhere, the one JSON document on stdout.
        expect(`${denied.stdout}${denied.stderr}`).not.toMatch(/\n\s+at /);
        const left = (await kubectl.ok(['get', 'jobs,services,deployments,serviceaccounts', '--namespace', DENIED, '-o', 'name'])).trim().split('\n');
        expect(left).toEqual(['serviceaccount/default']);
      });
    });
  });

  it('should leave nothing of either release behind after helm uninstall but the Redis volume and generated Secrets kept on purpose', async () => {
    // The query finds what is there (not vacuous): both releases' RBAC, workloads and the kept volume.
    expect(await releaseObjects()).toEqual(
      expect.arrayContaining([...KEPT_SECRETS, `ClusterRole -/${WORKER_SA}`, `ClusterRoleBinding -/${WORKER_SA}`, `ClusterRole -/${API_SA}`, `Role ${ALLOWED}/${SCOPED_SA}`, `Role ${ALLOWED}/${SCOPED_API_SA}`, `RoleBinding ${ALLOWED}/${SCOPED_SA}`, `Deployment ${SCOPED_NS}/${SCOPED}-hookrunner-worker`, KEPT_PVC]),
    );
    expect(await helmRun(['uninstall', RELEASE, '--namespace', NS])).toContain(`release "${RELEASE}" uninstalled`);
    expect(await helmRun(['uninstall', SCOPED, '--namespace', SCOPED_NS])).toContain(`release "${SCOPED}" uninstalled`);
    // Pods, ReplicaSets and EndpointSlices go with their owners: the garbage collector and the node agent take a few seconds.
    const kept = [KEPT_PVC, ...KEPT_SECRETS].sort();
    const left = await waitUntil('the garbage collector to delete every object labelled with either release', 90_000, async () => {
      const objects = await releaseObjects();
      return objects.every((r) => kept.includes(r)) ? { done: true, value: objects } : { done: false, seen: objects.join(', ') };
    });
    expect(left).toEqual(kept);
    const helmState = JSON.parse(await kubectl.ok(['get', 'secrets,configmaps', '--all-namespaces', '-l', 'owner=helm', '-o', 'json'])) as LiveList;
    expect(helmState.items.map(refOf)).toEqual([]);
  }, 120_000);
});
