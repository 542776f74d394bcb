import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');

// The parts of the Compose specification these tests read; everything else passes through.
const Healthcheck = z.looseObject({
  test: z.union([z.string(), z.array(z.string()).min(2)]),
  interval: z.string().optional(),
  timeout: z.string().optional(),
  retries: z.number().int().positive().optional(),
  start_period: z.string().optional(),
});
const Service = z.looseObject({
  image: z.string(),
  build: z.looseObject({ context: z.string(), dockerfile: z.string() }).optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string().nullable()).optional(),
  volumes: z.array(z.string()).optional(),
  profiles: z.array(z.string()).optional(),
  networks: z.array(z.string()).optional(),
  network_mode: z.string().optional(),
  ports: z.array(z.string()).optional(),
  depends_on: z.record(z.string(), z.looseObject({ condition: z.string() })).optional(),
  deploy: z.looseObject({ replicas: z.number().int().optional() }).optional(),
  healthcheck: Healthcheck.optional(),
  stop_grace_period: z.string().optional(),
  read_only: z.boolean().optional(),
  tmpfs: z.array(z.string()).optional(),
  cap_drop: z.array(z.string()).optional(),
});
const ComposeFile = z.looseObject({
  services: z.record(z.string(), Service),
  networks: z.record(z.string(), z.looseObject({ external: z.boolean().optional() }).nullable()).optional(),
  volumes: z.record(z.string(), z.unknown()).optional(),
});
type ComposeService = z.infer<typeof Service>;

const HOOKRUNNER_SERVICES = ['serve', 'worker', 'dev-cluster', 'serve-dev', 'worker-dev', 'serve-sentinel', 'worker-sentinel'] as const;
/** The services of the sentinel profile, which reach Redis through REDIS_SENTINELS. */
const SENTINEL_SERVICES = ['serve-sentinel', 'worker-sentinel'];
const SECRET_VARIABLES = ['HOOKRUNNER_API_TOKEN', 'HOOKRUNNER_WEBHOOK_SECRET', 'MATTERMOST_TOKEN', 'SLACK_TOKEN'];

let text = '';
let compose: z.infer<typeof ComposeFile>;

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** The value following a flag in a command, e.g. `--port` → `8080`. */
function flag(command: readonly string[] | undefined, name: string): string | undefined {
  const index = command?.indexOf(name) ?? -1;
  return index < 0 ? undefined : command?.[index + 1];
}

/** A Compose duration such as `120s` or `2m` in seconds. */
function seconds(duration: string | undefined): number {
  const match = /^(\d+)(s|m)$/.exec(duration ?? '');
  if (!match) throw new Error(`unsupported duration "${duration}"`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

/** The `source:target[:mode]` volume whose target is the given path or a folder containing it. */
function mountFor(svc: ComposeService, path: string): { source: string; target: string } | undefined {
  for (const volume of svc.volumes ?? []) {
    // The source may be an interpolation with a default, `${VAR:-./file}`, which contains a colon.
    const match = /^(\$\{[^}]*\}|[^:]+):([^:]+)(?::(?:ro|rw))?$/.exec(volume);
    if (!match) throw new Error(`${volume}: not a source:target[:mode] volume`);
    const [, source = '', target = ''] = match;
    if (path === target || path.startsWith(`${target}/`)) return { source, target };
  }
  return undefined;
}

beforeAll(async () => {
  text = await readFile(join(ROOT, 'docker-compose.yml'), 'utf8');
  // `<<: *anchor` merge keys, as Compose reads them.
  compose = ComposeFile.parse(parse(text, { merge: true }));
});

describe('when parsing docker-compose.yml', () => {
  it('should define redis, mattermost, serve, worker and the devcluster services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['dev-cluster', 'mattermost', 'redis', 'redis-replica', 'redis-sentinel', 'serve', 'serve-dev', 'serve-sentinel', 'worker', 'worker-dev', 'worker-sentinel'].sort(),
    );
    expect(service('mattermost').image).toMatch(/^mattermost\/mattermost-preview(:|$)/);
  });

  it('should need Docker Compose v2 and say so: the top-level name is refused by docker-compose 1.x', () => {
    expect(parse(text)).toHaveProperty('name', 'hookrunner');
    expect(text).toContain('Docker Compose v2 (`docker compose`, not `docker-compose` 1.x)');
  });

  it('should pin every image to a version tag', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      const tag = /^[^:@]+:([^:@]+)$/.exec(svc.image)?.[1];
      expect(tag, `${name}: ${svc.image} has a tag`).toBeDefined();
      expect(tag, `${name}: ${svc.image}`).not.toBe('latest');
    }
  });

  it('should pin Mattermost to a Team Edition 10.x or 11.x release and keep its data in named volumes', () => {
    const mattermost = service('mattermost');
    const version = /^mattermost\/mattermost-preview:(\d+)\.(\d+)\.(\d+)$/.exec(mattermost.image);
    expect(version, mattermost.image).not.toBeNull();
    expect(Number(version?.[1])).toBeGreaterThanOrEqual(10);
    // The preview image keeps PostgreSQL's database and Mattermost's files in these two folders.
    for (const path of ['/var/lib/postgresql/data', '/mm/mattermost-data']) {
      const mount = mountFor(mattermost, path);
      expect(mount?.target, `${path} is a volume`).toBe(path);
      expect(mount?.source, `${path} is a named volume`).toMatch(/^[a-z][a-z0-9_-]*$/);
      expect(compose.volumes, `${mount?.source} is declared`).toHaveProperty(mount?.source ?? '');
    }
  });

  it('should publish every port on 127.0.0.1 only', () => {
    const published = Object.entries(compose.services).flatMap(([name, svc]) => (svc.ports ?? []).map((p) => [name, p] as const));
    expect(published.map(([name]) => name).sort()).toEqual(['dev-cluster', 'mattermost', 'redis', 'serve']);
    for (const [name, port] of published) expect(port, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    expect(service('mattermost').ports).toEqual(['127.0.0.1:8065:8065']);
    expect(service('serve').ports).toEqual(['127.0.0.1:8080:8080']);
  });

  it('should give every service a healthcheck', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      expect(svc.healthcheck, `${name} has a healthcheck`).toBeDefined();
      const test = svc.healthcheck?.test ?? [];
      expect(Array.isArray(test) ? test[0] : 'CMD-SHELL', `${name}'s healthcheck runs a command`).toMatch(/^CMD(-SHELL)?$/);
    }
  });

  it('should run redis with AOF fsynced every second and maxmemory-policy noeviction (APIS.md §D)', () => {
    const command = service('redis').command ?? [];
    expect(command[0]).toBe('redis-server');
    expect(flag(command, '--appendonly')).toBe('yes');
    expect(flag(command, '--appendfsync')).toBe('everysec');
    expect(flag(command, '--maxmemory-policy')).toBe('noeviction');
    expect(mountFor(service('redis'), '/data')?.source).toBe('redis-data');
  });

  it('should point every hookrunner service at the redis service with one shared REDIS_URL', () => {
    const redisPort = flag(service('redis').command, '--port') ?? '6379';
    const urls = new Set(HOOKRUNNER_SERVICES.filter((n) => n !== 'dev-cluster' && !SENTINEL_SERVICES.includes(n)).map((n) => service(n).environment?.REDIS_URL));
    expect([...urls]).toEqual([`redis://redis:${redisPort}`]);
    for (const name of HOOKRUNNER_SERVICES.filter((n) => n !== 'dev-cluster' && !SENTINEL_SERVICES.includes(n))) {
      expect(service(name).depends_on?.redis?.condition, `${name} waits for a healthy redis`).toBe('service_healthy');
    }
  });

  it('should run hookrunner serve and hookrunner worker with 2 replicas from the service image', () => {
    expect(existsSync(join(ROOT, 'images', 'service.Dockerfile'))).toBe(true);
    for (const name of HOOKRUNNER_SERVICES) {
      expect(service(name).image).toBe('hookrunner/hookrunner:0.1.0');
      expect(service(name).build?.dockerfile).toBe('images/service.Dockerfile');
    }
    for (const name of ['serve', 'serve-dev', 'serve-sentinel']) {
      expect(service(name).command?.[0]).toBe('serve');
      expect(service(name).stop_grace_period).toBe('60s');
    }
    for (const name of ['worker', 'worker-dev', 'worker-sentinel']) {
      expect(service(name).command?.[0]).toBe('worker');
      expect(service(name).deploy?.replicas).toBe(2);
      // A worker finishes or hands back its step on SIGTERM: it gets the longer grace period.
      expect(seconds(service(name).stop_grace_period)).toBeGreaterThan(seconds(service('serve').stop_grace_period));
    }
  });

  it('should harden the hookrunner containers (read-only root, /tmp tmpfs, no capabilities)', () => {
    for (const name of HOOKRUNNER_SERVICES) {
      expect(service(name).read_only).toBe(true);
      expect(service(name).tmpfs).toContain('/tmp');
      expect(service(name).cap_drop).toEqual(['ALL']);
    }
  });

  it('should pass tokens through from the shell only, never with a value in the file', () => {
    for (const name of ['serve', 'worker', 'serve-dev', 'worker-dev', ...SENTINEL_SERVICES]) {
      for (const variable of SECRET_VARIABLES) {
        expect(service(name).environment, `${name} declares ${variable}`).toHaveProperty(variable);
        expect(service(name).environment?.[variable], `${name}: ${variable} has no value`).toBeNull();
      }
    }
  });

  it('should check serve on /readyz and the workers on their Redis connection', () => {
    for (const name of ['serve', 'serve-dev']) {
      expect(service(name).healthcheck?.test).toContain('http://127.0.0.1:8080/readyz');
      expect(flag(service(name).command, '--port')).toBe('8080');
    }
    for (const name of ['worker', 'worker-dev']) expect(service(name).healthcheck?.test).toContain('tcp://redis:6379');
  });
});

describe('when running on Redis Sentinel (profile sentinel)', () => {
  it('should add a replica of redis and three sentinels monitoring it as mymaster with quorum 2', () => {
    expect(flag(service('redis-replica').command, '--replicaof')).toBe('redis');
    expect(service('redis-replica').depends_on?.redis?.condition).toBe('service_healthy');
    const sentinel = service('redis-sentinel');
    expect(sentinel.deploy?.replicas).toBe(3);
    expect(sentinel.command?.join(' ')).toContain('sentinel monitor mymaster redis 6379 2');
    for (const name of ['redis-replica', 'redis-sentinel', ...SENTINEL_SERVICES]) expect(service(name).profiles).toEqual(['sentinel']);
  });

  it('should point two serve replicas and two workers at the sentinels only, in the variables serve reads', () => {
    for (const name of SENTINEL_SERVICES) {
      const env = service(name).environment ?? {};
      expect(env['REDIS_SENTINELS']).toBe('redis-sentinel:26379');
      expect(env['REDIS_SENTINEL_MASTER']).toBe('mymaster');
      expect(env, `${name}: exactly one Redis target`).not.toHaveProperty('REDIS_URL');
      expect(service(name).deploy?.replicas).toBe(2);
      expect(service(name).depends_on?.['redis-sentinel']?.condition).toBe('service_healthy');
      expect(service(name).ports, `${name} publishes no port`).toBeUndefined();
    }
  });
});

describe('when using a kind cluster (profile kind)', () => {
  it('should mount the kubeconfig read-only where KUBECONFIG points and join the kind network', () => {
    for (const name of ['serve', 'worker']) {
      const svc = service(name);
      expect(svc.profiles).toEqual(['kind']);
      const kubeconfig = svc.environment?.KUBECONFIG ?? '';
      const mount = mountFor(svc, kubeconfig);
      expect(mount?.target).toBe(kubeconfig);
      expect(mount?.source).toContain('kubeconfig.kind');
      expect(svc.volumes?.some((v) => v.endsWith(`${kubeconfig}:ro`))).toBe(true);
      expect(svc.networks).toEqual(expect.arrayContaining(['default', 'kind']));
    }
    expect(compose.networks?.kind?.external).toBe(true);
  });

  it('should document the kind workflow in the header', () => {
    for (const line of ['kind create cluster', 'kind get kubeconfig --internal > kubeconfig.kind', '--profile kind up']) {
      expect(text).toContain(line);
    }
  });
});

describe('when running without a cluster (profile devcluster)', () => {
  it('should run the dev cluster as a service writing its kubeconfig into a shared volume', () => {
    const dev = service('dev-cluster');
    expect(dev.profiles).toEqual(['devcluster']);
    expect(dev.command?.[0]).toBe('dev-cluster');
    expect(flag(dev.command, '--port')).toBe('6443');
    const kubeconfig = flag(dev.command, '--kubeconfig') ?? '';
    const mount = mountFor(dev, kubeconfig);
    expect(mount).toBeDefined();
    expect(compose.volumes).toHaveProperty(mount?.source ?? '');
    expect([dev.healthcheck?.test ?? []].flat().join(' ')).toContain('http://127.0.0.1:6443/healthz');

    for (const name of ['serve-dev', 'worker-dev']) {
      const svc = service(name);
      expect(svc.profiles).toEqual(['devcluster']);
      expect(svc.environment?.KUBECONFIG).toBe(kubeconfig);
      expect(mountFor(svc, kubeconfig)?.source).toBe(mount?.source);
      expect(svc.depends_on?.['dev-cluster']?.condition).toBe('service_healthy');
      // The dev cluster listens on 127.0.0.1, which its kubeconfig names: share its network namespace.
      expect(svc.network_mode).toBe('service:dev-cluster');
    }
    expect(dev.ports).toContain('127.0.0.1:8080:8080');
  });

  it('should keep redis and mattermost in every profile', () => {
    expect(service('redis').profiles).toBeUndefined();
    expect(service('mattermost').profiles).toBeUndefined();
    expect(text).toContain('docker compose --profile devcluster up');
  });
});

describe('when the README and docs/deploy.md describe the compose stack', () => {
  let readme = '';
  let deploy = '';
  beforeAll(async () => {
    const full = await readFile(join(ROOT, 'README.md'), 'utf8');
    // The compose part of README.md is in its section "The service" (up to the next heading).
    const start = full.indexOf('\n## The service\n');
    expect(start, 'README.md has a section "The service"').toBeGreaterThan(0);
    // Line breaks and indentation as single spaces: sentences wrap anywhere.
    readme = full.slice(start, full.indexOf('\n## ', start + 1)).replace(/\s+/g, ' ');
    deploy = (await readFile(join(ROOT, 'docs', 'deploy.md'), 'utf8')).replace(/\s+/g, ' ');
  });

  it('should start only Redis and Mattermost without a profile, as both documents say', () => {
    const always = Object.entries(compose.services).filter(([, svc]) => !svc.profiles).map(([name]) => name);
    expect(always.sort()).toEqual(['mattermost', 'redis']);
    for (const [doc, name] of [[readme, 'README.md'], [deploy, 'docs/deploy.md']] as const) {
      expect(doc, name).toMatch(/plain `docker compose up(?: -d)?` starts only Redis[^.]* and Mattermost/i);
    }
  });

  it('should give the exact commands that start serve and the workers (with a profile)', () => {
    for (const [doc, name] of [[readme, 'README.md'], [deploy, 'docs/deploy.md']] as const) {
      expect(doc, name).toContain('docker compose --profile devcluster up --build');
      expect(doc, name).toContain('docker compose --profile kind up --build');
      // Every profile the documents name exists in the file.
      for (const m of doc.matchAll(/--profile (\w+)/g)) {
        expect(Object.values(compose.services).some((svc) => svc.profiles?.includes(m[1] ?? '')), `${name}: profile ${m[1]}`).toBe(true);
      }
    }
  });

  it('should state the Compose v2 requirement, the 127.0.0.1 ports and the pinned Mattermost', () => {
    const tag = service('mattermost').image.split(':')[1] ?? '';
    for (const [doc, name] of [[readme, 'README.md'], [deploy, 'docs/deploy.md']] as const) {
      expect(doc, name).toContain('Docker Compose v2 (`docker compose`, not `docker-compose` 1.x)');
      expect(doc, name).toContain('127.0.0.1');
      expect(doc, name).toContain(`mattermost-preview:${tag}`);
    }
    expect(deploy).not.toMatch(/http:\/\/localhost:8080/);
  });
});
