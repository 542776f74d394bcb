import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  BindingObject,
  ConfigMapObject,
  Container,
  Helm,
  PodObject,
  PolicyRule,
  Rendered,
  RoleObject,
  ServiceObject,
  Workload,
} from './helm.js';
import { allOf, containerOf, createHelm, envOf, oneOf, parseManifests, podSpecOf } from './helm.js';

const NS = 'hookrunner';
/** What every API container is started with: the projects ConfigMap and the default project. */
const PROJECT_ARGS = ['--projects-dir', '/etc/hookrunner/projects', '--default-project', 'default'];
const ALL_VERBS = ['create', 'get', 'list', 'watch', 'patch', 'update', 'delete'];
/** The API's default rules (values.yaml `rbac.api.rules`): read every kind, write nothing. */
const READ_EVERYTHING = [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }];

let helm: Helm;
const rendered = new Map<string, Rendered[]>();

function scenario(name: string): Rendered[] {
  const objects = rendered.get(name);
  if (!objects) throw new Error(`scenario ${name} was not rendered`);
  return objects;
}

/** The verbs a set of rules grants on `group/resource`. */
function verbsFor(rules: readonly PolicyRule[], group: string, resource: string): string[] {
  return rules
    .filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource))
    .flatMap((r) => [...r.verbs]);
}

/** Every pod the chart renders: Deployments, the Redis StatefulSet and the helm test Pod. */
function pods(objects: readonly Rendered[]): (Workload | PodObject)[] {
  return [
    ...allOf<Workload>(objects, 'Deployment'),
    ...allOf<Workload>(objects, 'StatefulSet'),
    ...allOf<PodObject>(objects, 'Pod'),
  ];
}

beforeAll(async () => {
  helm = await createHelm();
  for (const name of ['default', 'external-redis', 'namespaced-rbac', 'all-in-one', 'secrets']) {
    rendered.set(name, await helm.render({ valuesFiles: [`ci/${name}-values.yaml`], namespace: NS }));
  }
});

afterAll(async () => {
  await helm.close();
});

describe('when rendering the worker RBAC', () => {
  it('should grant a ClusterRole every verb on the workload and hook kinds a sync applies', () => {
    const objects = scenario('default');
    const role = oneOf<RoleObject>(objects, 'ClusterRole', '-worker');
    for (const [group, resource] of [
      ['batch', 'jobs'],
      ['', 'pods'],
      ['apps', 'deployments'],
      ['', 'services'],
      ['', 'configmaps'],
      ['', 'secrets'],
      ['', 'serviceaccounts'],
    ] as const) {
      expect(verbsFor(role.rules, group, resource), `${group}/${resource}`).toEqual(expect.arrayContaining(ALL_VERBS));
    }
    // Hook logs are read, never written.
    expect(verbsFor(role.rules, '', 'pods/log')).toContain('get');
    expect(verbsFor(role.rules, '', 'pods/log')).not.toContain('create');
    // A sync may create its destination Namespace (CreateNamespace=true).
    expect(verbsFor(role.rules, '', 'namespaces')).toEqual(expect.arrayContaining(['create', 'get']));
    expect(verbsFor(role.rules, '', 'namespaces')).not.toContain('delete');
    expect(allOf(objects, 'Role')).toEqual([]);
  });

  it('should bind the ClusterRole to the worker ServiceAccount the worker pods run as', () => {
    const objects = scenario('default');
    const binding = oneOf<BindingObject>(objects, 'ClusterRoleBinding', '-worker');
    const worker = oneOf<Workload>(objects, 'Deployment', '-worker');
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: oneOf(objects, 'ClusterRole', '-worker').metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: podSpecOf(worker).serviceAccountName, namespace: NS }]);
    oneOf(objects, 'ServiceAccount', podSpecOf(worker).serviceAccountName ?? '?');
    expect(podSpecOf(worker).automountServiceAccountToken).toBe(true);
  });

  it('should keep the API out of the worker binding unless it runs all-in-one', () => {
    const api = oneOf<Workload>(scenario('default'), 'Deployment', '-api');
    const subjects = oneOf<BindingObject>(scenario('default'), 'ClusterRoleBinding', '-worker').subjects.map((s) => s.name);
    expect(subjects).not.toContain(podSpecOf(api).serviceAccountName);
  });

  it('should use a Role and RoleBinding per namespace instead of a ClusterRole when rbac.namespaced=true', () => {
    const objects = scenario('namespaced-rbac');
    expect(allOf(objects, 'ClusterRole')).toEqual([]);
    expect(allOf(objects, 'ClusterRoleBinding')).toEqual([]);
    const roles = allOf<RoleObject>(objects, 'Role').filter((r) => r.metadata.name.endsWith('-worker'));
    const bindings = allOf<BindingObject>(objects, 'RoleBinding').filter((b) => b.metadata.name.endsWith('-worker'));
    expect(roles.map((r) => r.metadata.namespace)).toEqual(['app-sync-phases', 'team-a']);
    expect(bindings.map((b) => b.metadata.namespace)).toEqual(['app-sync-phases', 'team-a']);
    for (const role of roles) {
      expect(verbsFor(role.rules, 'batch', 'jobs')).toEqual(expect.arrayContaining(ALL_VERBS));
      // A sync first reads its destination Namespace: a Role may only `get` its own one (by name), never create or list.
      expect(role.rules.filter((r) => r.resources.includes('namespaces'))).toEqual([
        { apiGroups: [''], resources: ['namespaces'], resourceNames: [role.metadata.namespace], verbs: ['get'] },
      ]);
    }
    const worker = oneOf<Workload>(objects, 'Deployment', '-worker');
    for (const binding of bindings) {
      expect(binding.roleRef).toMatchObject({ kind: 'Role', name: roles[0]?.metadata.name });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: podSpecOf(worker).serviceAccountName, namespace: NS }]);
    }
  });

  it('should bind the API ServiceAccount and drop the worker Deployment when all-in-one', () => {
    const objects = scenario('all-in-one');
    expect(allOf<Workload>(objects, 'Deployment').map((d) => d.metadata.name)).toEqual(['rel-hookrunner-api']);
    const api = oneOf<Workload>(objects, 'Deployment', '-api');
    expect(containerOf(api).args).toEqual(['serve', '--port', '8080', '--all-in-one', '--concurrency', '8', ...PROJECT_ARGS]);
    expect(podSpecOf(api).automountServiceAccountToken).toBe(true);
    // The worker's ClusterRole to sync, and its own read-only one for status.
    for (const suffix of ['-worker', '-api']) {
      expect(oneOf<BindingObject>(objects, 'ClusterRoleBinding', suffix).subjects.map((s) => s.name), suffix).toEqual([
        podSpecOf(api).serviceAccountName,
      ]);
    }
    const service = oneOf<ServiceObject>(objects, 'Service', '-api');
    expect(service.spec.type).toBe('NodePort');
    expect(service.spec.ports[0]?.nodePort).toBe(30080);
  });
});

describe('when rendering the API RBAC (application status from watches)', () => {
  it('should grant the API a ClusterRole that reads every kind in every group, and writes nothing', () => {
    const role = oneOf<RoleObject>(scenario('default'), 'ClusterRole', '-api');
    expect(role.metadata.name).toBe('rel-hookrunner-api');
    // Every kind (Secrets too: applications may own them), get/list/watch only.
    expect(role.rules).toEqual(READ_EVERYTHING);
  });

  it('should bind it to the API ServiceAccount, whose token the API pods mount', () => {
    const objects = scenario('default');
    const api = oneOf<Workload>(objects, 'Deployment', '-api');
    const sa = podSpecOf(api).serviceAccountName ?? '?';
    const binding = oneOf<BindingObject>(objects, 'ClusterRoleBinding', '-api');
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: oneOf(objects, 'ClusterRole', '-api').metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: NS }]);
    expect(podSpecOf(api).automountServiceAccountToken).toBe(true);
    expect(oneOf(objects, 'ServiceAccount', sa)).toMatchObject({ automountServiceAccountToken: true });
  });

  it('should put the read-only rules into a Role + RoleBinding in each of rbac.namespaces when rbac.namespaced=true', () => {
    const objects = scenario('namespaced-rbac');
    const sa = podSpecOf(oneOf<Workload>(objects, 'Deployment', '-api')).serviceAccountName;
    const roles = allOf<RoleObject>(objects, 'Role').filter((r) => r.metadata.name.endsWith('-api'));
    const bindings = allOf<BindingObject>(objects, 'RoleBinding').filter((b) => b.metadata.name.endsWith('-api'));
    // The same namespaces as the worker's Roles.
    const workerNamespaces = allOf(objects, 'Role').filter((r) => r.metadata.name.endsWith('-worker')).map((r) => r.metadata.namespace);
    expect(roles.map((r) => r.metadata.namespace)).toEqual(workerNamespaces);
    expect(roles.map((r) => r.metadata.namespace)).toEqual(['app-sync-phases', 'team-a']);
    expect(bindings.map((b) => b.metadata.namespace)).toEqual(['app-sync-phases', 'team-a']);
    for (const role of roles) expect(role.rules, role.metadata.namespace).toEqual(READ_EVERYTHING);
    for (const binding of bindings) {
      expect(binding.roleRef).toMatchObject({ kind: 'Role', name: 'rel-hookrunner-api' });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: NS }]);
    }
    // serve watches in those namespaces only, as its Roles allow.
    expect(containerOf(oneOf<Workload>(objects, 'Deployment', '-api')).args).toEqual(['serve', '--port', '8080', ...PROJECT_ARGS, '--watch-namespace', 'app-sync-phases', '--watch-namespace', 'team-a']);
  });

  it('should take its rules from rbac.api.rules (e.g. without Secrets)', async () => {
    const rules = [
      { apiGroups: [''], resources: ['configmaps', 'services', 'pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps', 'batch'], resources: ['*'], verbs: ['list', 'watch'] },
    ];
    const result = await helm.run(['template', 'rel', '.', '--namespace', NS, '--set-json', `rbac.api.rules=${JSON.stringify(rules)}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(oneOf<RoleObject>(parseManifests(result.stdout), 'ClusterRole', '-api').rules).toEqual(rules);
  });

  it('should render no RBAC at all with rbac.create=false, and still mount the API token', async () => {
    const objects = await helm.render({ set: { 'rbac.create': 'false' }, namespace: NS });
    for (const kind of ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']) expect(allOf(objects, kind), kind).toEqual([]);
    expect(podSpecOf(oneOf<Workload>(objects, 'Deployment', '-api')).automountServiceAccountToken).toBe(true);
  });
});

describe('when rendering probes and shutdown', () => {
  it('should probe the API liveness on /healthz and readiness on /readyz at its named port', () => {
    const api = oneOf<Workload>(scenario('default'), 'Deployment', '-api');
    const container = containerOf(api);
    expect(container.args).toEqual(['serve', '--port', '8080', ...PROJECT_ARGS]);
    expect(container.ports).toEqual([expect.objectContaining({ name: 'http', containerPort: 8080 })]);
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(podSpecOf(api).terminationGracePeriodSeconds).toBe(60);
    const service = oneOf<ServiceObject>(scenario('default'), 'Service', '-api');
    expect(service.spec.ports[0]?.targetPort).toBe('http');
    expect(service.spec.selector).toEqual(api.spec.selector.matchLabels);
  });

  it('should check the worker readiness on its Redis connection and give it the longer grace period', () => {
    const worker = oneOf<Workload>(scenario('namespaced-rbac'), 'Deployment', '-worker');
    const container = containerOf(worker);
    expect(worker.spec.replicas).toBe(3);
    expect(container.args).toEqual(['worker', '--concurrency', '8', '--health-port', '8081']);
    expect(container.readinessProbe?.exec?.command).toEqual([
      'node', '/app/bin/hookrunner', 'check', `tcp://rel-hookrunner-redis.${NS}.svc:6379`, '--timeout', '4s',
    ]);
    // Liveness: the worker's own health port (src/cli/health-port.ts), not Redis.
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(container.ports).toEqual([{ name: 'health', containerPort: 8081, protocol: 'TCP' }]);
    expect(podSpecOf(worker).terminationGracePeriodSeconds).toBe(120);
  });
});

describe('when rendering security settings', () => {
  it.each(['default', 'external-redis', 'all-in-one', 'secrets'])('should run every pod of %s non-root on a read-only root', (name) => {
    for (const pod of pods(scenario(name))) {
      const where = `${pod.kind} ${pod.metadata.name}`;
      const spec = podSpecOf(pod);
      expect(spec.securityContext?.runAsNonRoot, where).toBe(true);
      expect(spec.securityContext?.seccompProfile?.type, where).toBe('RuntimeDefault');
      for (const container of spec.containers) {
        const sc = container.securityContext;
        expect(sc?.runAsNonRoot, where).toBe(true);
        expect(sc?.runAsUser, where).toBeGreaterThan(0);
        expect(sc?.readOnlyRootFilesystem, where).toBe(true);
        expect(sc?.allowPrivilegeEscalation, where).toBe(false);
        expect(sc?.capabilities?.drop, where).toEqual(['ALL']);
        expect(container.resources?.requests, where).toBeDefined();
        expect(container.resources?.limits?.memory, where).toBeDefined();
        // A read-only root needs a writable /tmp.
        const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
        expect(spec.volumes?.find((v) => v.name === tmp?.name)?.emptyDir, where).toBeDefined();
      }
    }
  });
});

describe('when wiring Redis', () => {
  it('should point both Deployments at the bundled Redis Service', () => {
    const objects = scenario('default');
    const service = oneOf<ServiceObject>(objects, 'Service', '-redis');
    const statefulSet = oneOf<Workload>(objects, 'StatefulSet', '-redis');
    const redisPort = service.spec.ports[0];
    expect(service.spec.selector).toEqual(statefulSet.spec.selector.matchLabels);
    expect(containerOf(statefulSet).ports?.map((p) => p.name)).toContain(redisPort?.targetPort);
    for (const deployment of allOf<Workload>(objects, 'Deployment')) {
      const url = envOf(containerOf(deployment), 'REDIS_URL')?.value;
      expect(url, deployment.metadata.name).toBe(`redis://:$(REDIS_PASSWORD)@${service.metadata.name}.${NS}.svc:${redisPort?.port}/0`);
    }
  });

  it('should configure the bundled Redis with AOF and noeviction on a persistent volume (APIS.md §D)', () => {
    const objects = scenario('default');
    const config = oneOf<ConfigMapObject>(objects, 'ConfigMap', '-redis').data['redis.conf'] ?? '';
    const lines = config.split('\n').map((l) => l.trim());
    for (const line of ['appendonly yes', 'appendfsync everysec', 'maxmemory-policy noeviction', 'dir /data']) {
      expect(lines).toContain(line);
    }
    const statefulSet = oneOf<Workload>(objects, 'StatefulSet', '-redis');
    const container = containerOf(statefulSet);
    expect([...(container.command ?? []), ...(container.args ?? [])]).toEqual([
      'redis-server', '/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)',
    ]);
    const mounts = container.volumeMounts ?? [];
    expect(mounts.find((m) => m.mountPath === '/etc/redis')?.readOnly).toBe(true);
    expect(statefulSet.spec.volumeClaimTemplates?.map((t) => t.metadata.name)).toEqual([
      mounts.find((m) => m.mountPath === '/data')?.name,
    ]);
    expect(statefulSet.spec.serviceName).toBe(oneOf(objects, 'Service', '-redis').metadata.name);
  });

  it('should use externalRedis with TLS, user and a password expanded from its Secret', () => {
    const objects = scenario('external-redis');
    expect(allOf(objects, 'StatefulSet')).toEqual([]);
    expect(allOf(objects, 'Service').map((s) => s.metadata.name)).toEqual(['rel-hookrunner-api']);
    for (const deployment of allOf<Workload>(objects, 'Deployment')) {
      const env = containerOf(deployment).env ?? [];
      const names = env.map((e) => e.name);
      // Kubernetes expands $(REDIS_PASSWORD) only from variables defined before REDIS_URL.
      expect(names.indexOf('REDIS_PASSWORD')).toBeLessThan(names.indexOf('REDIS_URL'));
      expect(envOf(containerOf(deployment), 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
        name: 'hookrunner-redis',
        key: 'password',
      });
      expect(envOf(containerOf(deployment), 'REDIS_URL')?.value).toBe(
        'rediss://hookrunner:$(REDIS_PASSWORD)@redis.data.svc.cluster.local:6380/2',
      );
    }
    const worker = oneOf<Workload>(objects, 'Deployment', '-worker');
    expect(containerOf(worker).readinessProbe?.exec?.command).toContain('tcp://redis.data.svc.cluster.local:6380');
  });

  it('should protect the bundled Redis with the password from its Secret', () => {
    const objects = scenario('secrets');
    const redis = containerOf(oneOf<Workload>(objects, 'StatefulSet', '-redis'));
    expect(redis.args).toEqual(['/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)']);
    expect(envOf(redis, 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef?.name).toBe('hookrunner-redis');
    expect(envOf(redis, 'REDISCLI_AUTH')?.valueFrom?.secretKeyRef?.name).toBe('hookrunner-redis');
    expect(oneOf<ConfigMapObject>(objects, 'ConfigMap', '-redis').data['redis.conf']).toContain('maxmemory 256mb');
    const api = containerOf(oneOf<Workload>(objects, 'Deployment', '-api'));
    expect(envOf(api, 'REDIS_URL')?.value).toBe(`redis://:$(REDIS_PASSWORD)@rel-hookrunner-redis.${NS}.svc:6379/0`);
  });
});

describe('when referencing Secrets', () => {
  function secretRef(container: Container, name: string): { name: string; key: string } | undefined {
    const ref = envOf(container, name)?.valueFrom?.secretKeyRef;
    return ref ? { name: ref.name, key: ref.key } : undefined;
  }

  it('should give the API its tokens from the named Secrets and keys', () => {
    const api = containerOf(oneOf<Workload>(scenario('secrets'), 'Deployment', '-api'));
    expect(secretRef(api, 'HOOKRUNNER_API_TOKEN')).toEqual({ name: 'hookrunner-auth', key: 'api-tokens' });
    expect(secretRef(api, 'HOOKRUNNER_WEBHOOK_SECRET')).toEqual({ name: 'hookrunner-auth', key: 'webhook' });
    expect(secretRef(api, 'MATTERMOST_TOKEN')).toEqual({ name: 'hookrunner-mattermost', key: 'token' });
    expect(secretRef(api, 'SLACK_TOKEN')).toEqual({ name: 'hookrunner-slack', key: 'bot-token' });
  });

  it('should keep API and chat tokens away from the worker and out of the ConfigMap', () => {
    const objects = scenario('secrets');
    const worker = containerOf(oneOf<Workload>(objects, 'Deployment', '-worker'));
    for (const name of ['HOOKRUNNER_API_TOKEN', 'HOOKRUNNER_WEBHOOK_SECRET', 'MATTERMOST_TOKEN', 'SLACK_TOKEN']) {
      expect(envOf(worker, name), name).toBeUndefined();
    }
    const config = oneOf<ConfigMapObject>(objects, 'ConfigMap', 'rel-hookrunner');
    expect(config.data).toEqual({
      HOOKRUNNER_LOG_LEVEL: 'debug',
      HOME: '/tmp',
      MATTERMOST_URL: 'http://mattermost.chat.svc:8065',
      NODE_OPTIONS: '--max-old-space-size=384',
    });
    for (const deployment of allOf<Workload>(objects, 'Deployment')) {
      expect(containerOf(deployment).envFrom).toEqual([{ configMapRef: { name: config.metadata.name } }]);
    }
  });

  it.each(['default', 'external-redis', 'namespaced-rbac', 'all-in-one', 'secrets'])(
    'should set no token, secret or password as a literal value in %s',
    (name) => {
      for (const pod of pods(scenario(name))) {
        for (const container of podSpecOf(pod).containers) {
          for (const env of container.env ?? []) {
            if (/TOKEN|SECRET|PASSWORD|AUTH/.test(env.name)) {
              expect(env.value, `${pod.metadata.name}: ${env.name}`).toBeUndefined();
              expect(env.valueFrom?.secretKeyRef, `${pod.metadata.name}: ${env.name}`).toBeDefined();
            }
          }
        }
      }
    },
  );
});

describe('when rendering the helm test', () => {
  it('should run the health-check image against the API Service /healthz as a test hook', () => {
    const objects = scenario('default');
    const pod = oneOf<PodObject>(objects, 'Pod');
    expect(pod.metadata.annotations?.['helm.sh/hook']).toBe('test');
    expect(pod.spec.restartPolicy).toBe('Never');
    const container = containerOf(pod);
    expect(container.image).toBe('hookrunner/health-check:0.1.0');
    const service = oneOf<ServiceObject>(objects, 'Service', '-api');
    expect(container.args?.[0]).toBe(`http://${service.metadata.name}.${NS}.svc:${service.spec.ports[0]?.port}/healthz`);
    expect(container.args).toEqual(expect.arrayContaining(['--expect-status', '200']));
  });
});
