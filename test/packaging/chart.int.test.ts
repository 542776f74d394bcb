import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Helm, Workload } from './helm.js';
import { allOf, ciScenarios, createHelm, oneOf } from './helm.js';

// STYLE.md item 12: `ci/*-values.yaml` scenarios rendered with `helm lint`/`helm template`.
const scenarios = await ciScenarios();

let helm: Helm;

beforeAll(async () => {
  helm = await createHelm();
});

afterAll(async () => {
  await helm.close();
});

describe('when linting and rendering the chart', () => {
  it('should have the four required ci scenarios', () => {
    expect(scenarios).toEqual(
      expect.arrayContaining([
        'ci/default-values.yaml',
        'ci/external-redis-values.yaml',
        'ci/namespaced-rbac-values.yaml',
        'ci/all-in-one-values.yaml',
      ]),
    );
  });

  it('should pass helm lint --strict with the default values', async () => {
    const result = await helm.run(['lint', '.', '--strict']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it.each(scenarios)('should pass helm lint --strict with %s', async (file) => {
    const result = await helm.run(['lint', '.', '--strict', '-f', file]);
    expect(result.stdout).toContain('0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it.each(['(defaults)', ...scenarios])('should render %s into named, labelled objects', async (file) => {
    const objects = await helm.render({ valuesFiles: file === '(defaults)' ? [] : [file] });
    expect(objects.length).toBeGreaterThan(5);
    for (const object of objects) {
      const where = `${object.kind} ${object.metadata.name}`;
      expect(object.metadata.name.length, where).toBeLessThanOrEqual(63);
      expect(object.metadata.labels?.['app.kubernetes.io/name'], where).toBe('hookrunner');
      expect(object.metadata.labels?.['app.kubernetes.io/instance'], where).toBe('rel');
      expect(object.metadata.labels?.['app.kubernetes.io/managed-by'], where).toBe('Helm');
      expect(object.metadata.labels?.['helm.sh/chart'], where).toBe('hookrunner-0.1.0');
    }
    // Secrets you give are referenced by name, never rendered; the only rendered ones are the chart's
    // generated API token and Redis password (kept across upgrades, see chart-secure.int.test.ts).
    for (const secret of allOf(objects, 'Secret')) {
      expect(['rel-hookrunner-auth', 'rel-hookrunner-redis']).toContain(secret.metadata.name);
      expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    }
    for (const workload of [...allOf<Workload>(objects, 'Deployment'), ...allOf<Workload>(objects, 'StatefulSet')]) {
      expect(workload.spec.template.metadata.labels).toMatchObject(workload.spec.selector.matchLabels);
    }
  });
});

describe('when a value breaks values.schema.json', () => {
  it.each([
    ['worker.replicas=-1', '/worker/replicas'],
    ['worker.concurrency=0', '/worker/concurrency'],
    ['api.port=http', '/api/port'],
    ['api.service.type=ExternalName', '/api/service/type'],
    ['redis.appendfsync=no', '/redis/appendfsync'],
    ['logLevel=verbose', '/logLevel'],
    ['rbac.namespaced=yes', '/rbac/namespaced'],
    ['rbac.namespaces[0]=Not_A_Namespace', '/rbac/namespaces/0'],
    ['api.replicas=0', '/api/replicas'],
    ['api.bogus=1', "'bogus' not allowed"],
    // The API only reads the cluster.
    ['rbac.api.rules[0].verbs[0]=create', '/rbac/api/rules/0/verbs/0'],
  ])('should reject --set %s and name %s', async (assignment, where) => {
    const result = await helm.run(['template', 'rel', '.', '--set', assignment]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("values don't meet the specifications of the schema");
    expect(result.stderr).toContain(where);
  });

  it('should reject the same values in helm lint', async () => {
    const result = await helm.run(['lint', '.', '--set', 'worker.replicas=-1']);
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain('/worker/replicas');
  });
});

describe('when values contradict each other', () => {
  it.each([
    [{ 'redis.enabled': 'false' }, 'externalRedis.host: required when redis.enabled=false'],
    [{ 'rbac.namespaced': 'true' }, 'rbac.namespaces: list at least one namespace'],
    [{ 'worker.enabled': 'false' }, 'worker.enabled: nothing would run sync steps'],
  ])('should fail with %o naming the value to fix', async (set, message) => {
    const args = ['template', 'rel', '.'];
    for (const [key, value] of Object.entries(set)) args.push('--set', `${key}=${value}`);
    const result = await helm.run(args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });
});

describe('when naming objects', () => {
  it('should prefix every component with <release>-hookrunner and keep the component suffix whole', async () => {
    const objects = await helm.render({ release: 'a'.repeat(53) });
    for (const object of objects) expect(object.metadata.name.length).toBeLessThanOrEqual(63);
    // `<53 a>-hookrunner` is cut so that `-worker` still fits in 63 characters.
    expect(oneOf(objects, 'Deployment', '-worker').metadata.name).toBe(`${'a'.repeat(53)}-ho-worker`);
  });

  it('should use fullnameOverride as the prefix and not repeat the chart name in the release name', async () => {
    const overridden = await helm.render({ set: { fullnameOverride: 'hr' } });
    expect(allOf(overridden, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(['hr-api', 'hr-worker']);
    const named = await helm.render({ release: 'hookrunner' });
    expect(allOf(named, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(['hookrunner-api', 'hookrunner-worker']);
  });
});

describe('when installing (NOTES.txt)', () => {
  it('should say how to reach the API and run the helm test', async () => {
    const result = await helm.run(['install', 'rel', '.', '--namespace', 'hr', '--dry-run=client']);
    expect(result.code).toBe(0);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    expect(notes).toContain('kubectl --namespace hr port-forward service/rel-hookrunner-api 8080:8080');
    expect(notes).toContain('helm test rel --namespace hr');
    expect(notes).toContain('kind load docker-image hookrunner/hookrunner:0.1.0');
    expect(notes).toContain("kubectl --namespace hr get secret rel-hookrunner-auth -o jsonpath='{.data.api-token}' | base64 -d");
    expect(notes).toContain('(generated; kept across upgrades and uninstall)');
    expect(notes).toContain('API RBAC:         read-only ClusterRole rel-hookrunner-api (get, list, watch');
    expect(notes).not.toContain('rbac.namespaced=true');
  });

  it('should say that with namespaced RBAC the API watches in those namespaces only', async () => {
    const result = await helm.run(['install', 'rel', '.', '--namespace', 'hr', '--dry-run=client', '-f', 'ci/namespaced-rbac-values.yaml']);
    expect(result.code).toBe(0);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    expect(notes).toContain('worker RBAC:      Roles in app-sync-phases, team-a only');
    expect(notes).toContain('API RBAC:         read-only Roles rel-hookrunner-api in the same namespaces');
    expect(notes).toContain('the API watches namespaced kinds in app-sync-phases, team-a only');
  });

  it('should print the NodePort recipe and no warning when the API is exposed and secured', async () => {
    const result = await helm.run([
      'install', 'rel', '.', '--namespace', 'hr', '--dry-run=client',
      '-f', 'ci/all-in-one-values.yaml', '--set', 'auth.existingSecret=hookrunner-auth',
    ]);
    expect(result.code).toBe(0);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    expect(notes).toContain('jsonpath="{.spec.ports[0].nodePort}" service rel-hookrunner-api');
    expect(notes).toContain('running all-in-one');
    expect(notes).not.toContain('WARNING');
    expect(notes).toContain("get secret hookrunner-auth -o jsonpath='{.data.api-token}'");
    expect(notes).not.toContain('(generated;');
  });
});
