import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMapObject, Helm, Rendered, Workload } from './helm.js';
import { allOf, containerOf, createHelm, envOf, oneOf } from './helm.js';

/** A rendered Secret. */
interface SecretObject extends Rendered {
  readonly data: Readonly<Record<string, string>>;
}

interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
}

interface NetworkPolicyObject extends Rendered {
  readonly spec: {
    readonly podSelector: LabelSelector;
    readonly policyTypes: readonly string[];
    readonly ingress?: readonly {
      readonly from?: readonly { readonly podSelector?: LabelSelector; readonly namespaceSelector?: LabelSelector }[];
      readonly ports?: readonly { readonly protocol: string; readonly port: number }[];
    }[];
    readonly egress?: readonly object[];
  };
}

interface PdbObject extends Rendered {
  readonly spec: { readonly minAvailable?: number | string; readonly maxUnavailable?: number | string; readonly selector: LabelSelector };
}

const NS = 'hookrunner';
let helm: Helm;

beforeAll(async () => {
  helm = await createHelm();
});

afterAll(async () => {
  await helm.close();
});

function decoded(secret: SecretObject, key: string): string {
  const value = secret.data[key];
  if (value === undefined) throw new Error(`Secret ${secret.metadata.name} has no key ${key}`);
  return Buffer.from(value, 'base64').toString('utf8');
}

function component(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'hookrunner', 'app.kubernetes.io/instance': 'rel', 'app.kubernetes.io/component': name };
}

describe('when no API token Secret is given', () => {
  it('should generate one, kept across uninstall, and give it to the API', async () => {
    const objects = await helm.render({ namespace: NS });
    const secret = oneOf<SecretObject>(objects, 'Secret', '-auth');
    expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expect(decoded(secret, 'api-token')).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(decoded(secret, 'webhook-secret')).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(decoded(secret, 'webhook-secret')).not.toBe(decoded(secret, 'api-token'));
    const api = containerOf(oneOf<Workload>(objects, 'Deployment', '-api'));
    expect(envOf(api, 'HOOKRUNNER_API_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: 'rel-hookrunner-auth', key: 'api-token' });
    expect(envOf(api, 'HOOKRUNNER_WEBHOOK_SECRET')?.valueFrom?.secretKeyRef?.name).toBe('rel-hookrunner-auth');
  });

  it('should generate nothing when auth.existingSecret names one', async () => {
    const objects = await helm.render({ namespace: NS, set: { 'auth.existingSecret': 'mine' } });
    expect(allOf(objects, 'Secret').map((s) => s.metadata.name)).toEqual(['rel-hookrunner-redis']);
    const api = containerOf(oneOf<Workload>(objects, 'Deployment', '-api'));
    expect(envOf(api, 'HOOKRUNNER_API_TOKEN')?.valueFrom?.secretKeyRef?.name).toBe('mine');
  });

  it('should fail the install naming auth.existingSecret when auth.generate=false', async () => {
    const result = await helm.run(['install', 'rel', '.', '--namespace', NS, '--dry-run=client', '--set', 'auth.generate=false']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('auth.existingSecret: required when auth.generate=false');
  });
});

describe('when deploying the bundled Redis', () => {
  it('should run it with a generated password and protected mode, and give the password to our pods', async () => {
    const objects = await helm.render({ namespace: NS });
    const secret = oneOf<SecretObject>(objects, 'Secret', '-redis');
    expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expect(decoded(secret, 'redis-password')).toMatch(/^[A-Za-z0-9]{32}$/);
    const conf = oneOf<ConfigMapObject>(objects, 'ConfigMap', '-redis').data['redis.conf'] ?? '';
    expect(conf).toMatch(/^protected-mode yes$/m);
    expect(conf).not.toContain('protected-mode no');
    const redis = containerOf(oneOf<Workload>(objects, 'StatefulSet', '-redis'));
    expect(redis.args).toEqual(['/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)']);
    expect(envOf(redis, 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: 'rel-hookrunner-redis', key: 'redis-password' });
    expect(envOf(redis, 'REDISCLI_AUTH')?.valueFrom?.secretKeyRef?.name).toBe('rel-hookrunner-redis');
    for (const deployment of allOf<Workload>(objects, 'Deployment')) {
      const container = containerOf(deployment);
      expect(envOf(container, 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef?.name).toBe('rel-hookrunner-redis');
      expect(envOf(container, 'REDIS_URL')?.value).toBe(`redis://:$(REDIS_PASSWORD)@rel-hookrunner-redis.${NS}.svc:6379/0`);
    }
  });

  it('should use redis.auth.existingSecret instead of generating one', async () => {
    const objects = await helm.render({ namespace: NS, valuesFiles: ['ci/secrets-values.yaml'] });
    expect(allOf(objects, 'Secret')).toEqual([]);
    expect(envOf(containerOf(oneOf<Workload>(objects, 'StatefulSet', '-redis')), 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef?.name).toBe('hookrunner-redis');
  });
});

describe('when rendering NetworkPolicies', () => {
  it('should let only our API and worker pods reach Redis, on its port', async () => {
    const objects = await helm.render({ namespace: NS });
    const policy = oneOf<NetworkPolicyObject>(objects, 'NetworkPolicy', '-redis');
    expect(policy.spec.podSelector.matchLabels).toEqual(component('redis'));
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: component('api') } }, { podSelector: { matchLabels: component('worker') } }],
        ports: [{ protocol: 'TCP', port: 6379 }],
      },
    ]);
  });

  it('should open the API port to anyone by default and to networkPolicy.api.from when set, and only the health port into workers', async () => {
    const open = oneOf<NetworkPolicyObject>(await helm.render({ namespace: NS }), 'NetworkPolicy', '-api');
    expect(open.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 8080 }] }]);
    const objects = await helm.render({ namespace: NS, set: { 'networkPolicy.api.from[0].namespaceSelector.matchLabels.team': 'ops' } });
    expect(oneOf<NetworkPolicyObject>(objects, 'NetworkPolicy', '-api').spec.ingress?.[0]?.from).toEqual([
      { namespaceSelector: { matchLabels: { team: 'ops' } } },
    ]);
    const worker = oneOf<NetworkPolicyObject>(objects, 'NetworkPolicy', '-worker');
    expect(worker.spec.policyTypes).toEqual(['Ingress']);
    // Only the liveness port (the kubelet's probe), and nothing at all without the probe.
    expect(worker.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 8081 }] }]);
    const noProbe = await helm.render({ namespace: NS, set: { 'worker.livenessProbe.enabled': 'false' } });
    expect(oneOf<NetworkPolicyObject>(noProbe, 'NetworkPolicy', '-worker').spec.ingress).toEqual([]);
  });

  it('should restrict egress only when networkPolicy.egress is set', async () => {
    const objects = await helm.render({ namespace: NS, set: { 'networkPolicy.egress[0].ports[0].port': '53', 'networkPolicy.egress[0].ports[0].protocol': 'UDP' } });
    for (const suffix of ['-api', '-worker']) {
      const policy = oneOf<NetworkPolicyObject>(objects, 'NetworkPolicy', suffix);
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(policy.spec.egress).toEqual([{ ports: [{ port: 53, protocol: 'UDP' }] }]);
    }
  });

  it('should render none with networkPolicy.enabled=false, and no Redis policy with external Redis', async () => {
    expect(allOf(await helm.render({ namespace: NS, set: { 'networkPolicy.enabled': 'false' } }), 'NetworkPolicy')).toEqual([]);
    const external = await helm.render({ namespace: NS, valuesFiles: ['ci/external-redis-values.yaml'] });
    expect(allOf(external, 'NetworkPolicy').map((p) => p.metadata.name).sort()).toEqual(['rel-hookrunner-api', 'rel-hookrunner-worker']);
  });
});

describe('when a pod is asked to stop', () => {
  it('should give the API and the workers a shutdown deadline 10 s inside their grace periods', async () => {
    const objects = await helm.render({ namespace: NS, set: { 'api.terminationGracePeriodSeconds': '45', 'worker.terminationGracePeriodSeconds': '5' } });
    expect(envOf(containerOf(oneOf<Workload>(objects, 'Deployment', '-api')), 'HOOKRUNNER_SHUTDOWN_TIMEOUT')?.value).toBe('35s');
    expect(envOf(containerOf(oneOf<Workload>(objects, 'Deployment', '-worker')), 'HOOKRUNNER_SHUTDOWN_TIMEOUT')?.value).toBe('1s');
  });
});

describe('when rendering PodDisruptionBudgets', () => {
  it('should cover the workers (2 replicas) and not the single API pod by default', async () => {
    const pdbs = allOf<PdbObject>(await helm.render({ namespace: NS }), 'PodDisruptionBudget');
    expect(pdbs.map((p) => p.metadata.name)).toEqual(['rel-hookrunner-worker']);
    expect(pdbs[0]?.spec).toEqual({ minAvailable: 1, selector: { matchLabels: component('worker') } });
  });

  it('should cover the API once its replicas allow a disruption, and prefer maxUnavailable', async () => {
    const three = await helm.render({ namespace: NS, set: { 'api.replicas': '3', 'podDisruptionBudget.api.minAvailable': '2' } });
    expect(oneOf<PdbObject>(three, 'PodDisruptionBudget', '-api').spec.minAvailable).toBe(2);
    const one = await helm.render({ namespace: NS, set: { 'podDisruptionBudget.api.maxUnavailable': '1' } });
    expect(oneOf<PdbObject>(one, 'PodDisruptionBudget', '-api').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: component('api') } });
  });

  it('should render none that would block every drain, nor when disabled', async () => {
    const single = await helm.render({ namespace: NS, set: { 'worker.replicas': '1' } });
    expect(allOf(single, 'PodDisruptionBudget')).toEqual([]);
    expect(allOf(await helm.render({ namespace: NS, set: { 'podDisruptionBudget.enabled': 'false' } }), 'PodDisruptionBudget')).toEqual([]);
    expect(allOf(await helm.render({ namespace: NS, valuesFiles: ['ci/all-in-one-values.yaml'] }), 'PodDisruptionBudget')).toEqual([]);
  });
});

describe('when using an external Redis behind Sentinel or as a Redis Cluster', () => {
  it('should pass the Sentinels, master name and Sentinel password Secret to the API and the workers', async () => {
    const objects = await helm.render({
      namespace: NS,
      set: {
        'redis.enabled': 'false',
        'externalRedis.sentinel.hosts': '{s1.data:26379,s2.data:26379}',
        'externalRedis.sentinel.masterName': 'mymaster',
        'externalRedis.sentinel.existingSecret': 'sentinel-auth',
        'externalRedis.existingSecret': 'redis-auth',
      },
    });
    for (const deployment of allOf<Workload>(objects, 'Deployment')) {
      const container = containerOf(deployment);
      expect(envOf(container, 'REDIS_SENTINELS')?.value).toBe('s1.data:26379,s2.data:26379');
      expect(envOf(container, 'REDIS_SENTINEL_MASTER')?.value).toBe('mymaster');
      expect(envOf(container, 'REDIS_SENTINEL_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: 'sentinel-auth', key: 'sentinel-password' });
      expect(envOf(container, 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: 'redis-auth', key: 'redis-password' });
      expect(envOf(container, 'REDIS_URL')?.value).toBe('redis://:$(REDIS_PASSWORD)@s1.data:26379/0');
      expect(envOf(container, 'REDIS_CLUSTER_NODES')).toBeUndefined();
    }
    expect(allOf(objects, 'Secret').map((s) => s.metadata.name)).toEqual(['rel-hookrunner-auth']);
  });

  it('should pass the Redis Cluster nodes', async () => {
    const objects = await helm.render({ namespace: NS, set: { 'redis.enabled': 'false', 'externalRedis.cluster.nodes': '{n1:7000,n2:7001}' } });
    const api = containerOf(oneOf<Workload>(objects, 'Deployment', '-api'));
    expect(envOf(api, 'REDIS_CLUSTER_NODES')?.value).toBe('n1:7000,n2:7001');
    expect(envOf(api, 'REDIS_URL')?.value).toBe('redis://n1:7000/0');
    expect(envOf(api, 'REDIS_SENTINELS')).toBeUndefined();
  });

  it('should fail naming the value when the master name is missing or both are set', async () => {
    const noMaster = await helm.run(['template', 'rel', '.', '--set', 'redis.enabled=false', '--set', 'externalRedis.sentinel.hosts={s1:26379}']);
    expect(noMaster.stderr).toContain('externalRedis.sentinel.masterName: required with externalRedis.sentinel.hosts');
    const both = await helm.run([
      'template', 'rel', '.', '--set', 'redis.enabled=false', '--set', 'externalRedis.sentinel.hosts={s1:26379}',
      '--set', 'externalRedis.sentinel.masterName=m', '--set', 'externalRedis.cluster.nodes={n1:7000}',
    ]);
    expect(both.stderr).toContain('set one of them');
  });
});
