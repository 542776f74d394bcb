/** Pods as local processes: environment, logs, init containers, missing executables, long-running containers, graceful deletion. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevCluster } from '../../../src/devcluster/index.js';
import type { DevCluster } from '../../../src/devcluster/index.js';
import type { KubeObject } from '../../../src/manifests/index.js';
import { alive, at, call, hasCondition, list, namespace, openWatch, waitFor } from '../helpers.js';

let cluster: DevCluster;
beforeAll(async () => {
  cluster = await startDevCluster({ port: 0, podRestartBackoffMs: 20, images: { 'example/echo:*': { entrypoint: ['sh', '-c', 'echo mapped "$@"', 'entry'] } } });
  await namespace(cluster, 'rt');
});
afterAll(async () => {
  await cluster?.stop();
});

const PODS = '/api/v1/namespaces/rt/pods';

function pod(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, ...spec } };
}

async function run(name: string, spec: Record<string, unknown>): Promise<void> {
  const r = await call(cluster, 'POST', PODS, { body: pod(name, spec) });
  if (r.status !== 201) throw new Error(r.text);
}

const phase = (name: string, want: string): Promise<KubeObject | undefined> =>
  waitFor(cluster, `${PODS}/${name}`, (o) => at(o, 'status.phase') === want, `Pod ${name} to be ${want}`);

const log = async (name: string, query = ''): Promise<string> => (await call(cluster, 'GET', `${PODS}/${name}/log${query}`)).text;

describe('when a container runs', () => {
  it('should give it only PATH, HOME (a per-pod folder), HOSTNAME and its own env, with $(VAR) expansion', async () => {
    await run('env', {
      containers: [
        {
          name: 'c',
          image: 'busybox',
          command: ['sh', '-c', 'env | sort; echo "arg=$1"; pwd', 'sh', '$(GREETING) $(MISSING) $$(ESCAPED)'],
          env: [
            { name: 'NAME', value: 'world' },
            { name: 'GREETING', value: 'hello $(NAME)' },
            { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          ],
        },
      ],
    });
    await phase('env', 'Succeeded');
    const lines = (await log('env')).trim().split('\n');
    const vars = lines.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=')[0]);
    expect(vars.filter((v) => v !== 'PWD' && v !== 'SHLVL' && v !== '_')).toEqual(['GREETING', 'HOME', 'HOSTNAME', 'NAME', 'NS', 'PATH', 'POD']);
    expect(lines).toContain('GREETING=hello world');
    expect(lines).toContain('HOSTNAME=env');
    expect(lines).toContain('POD=env');
    expect(lines).toContain('NS=rt');
    expect(lines).toContain('arg=hello world $(MISSING) $(ESCAPED)');
    const home = lines.find((l) => l.startsWith('HOME='))?.slice(5);
    expect(lines.at(-1)).toBe(home);
  });

  it('should read env from Secrets and ConfigMaps, waiting (CreateContainerConfigError) while one is missing', async () => {
    await call(cluster, 'POST', '/api/v1/namespaces/rt/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { channel: 'town-square' } } });
    await run('from-refs', {
      containers: [
        {
          name: 'c',
          image: 'busybox',
          command: ['sh', '-c', 'echo "$TOKEN $CHANNEL ${OPTIONAL:-none}"'],
          env: [
            { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
            { name: 'CHANNEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'channel' } } },
            { name: 'OPTIONAL', valueFrom: { secretKeyRef: { name: 'absent', key: 'x', optional: true } } },
          ],
        },
      ],
    });
    const waiting = await waitFor(cluster, `${PODS}/from-refs`, (o) => at(o, 'status.containerStatuses.0.state.waiting.reason') === 'CreateContainerConfigError', 'a config error');
    expect(at(waiting, 'status.phase')).toBe('Pending');
    expect(at(waiting, 'status.containerStatuses.0.state.waiting.message')).toBe('secret "creds" not found');
    await call(cluster, 'POST', '/api/v1/namespaces/rt/secrets', { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { token: 's3cret' } } });
    await phase('from-refs', 'Succeeded');
    expect(await log('from-refs')).toBe('s3cret town-square none\n');
  });

  it('should run the image mapping\'s entrypoint with the container args when there is no command', async () => {
    await run('mapped', { containers: [{ name: 'c', image: 'example/echo:1', args: ['a', 'b'] }] });
    await phase('mapped', 'Succeeded');
    expect(await log('mapped')).toBe('mapped a b\n');
  });

  it('should run init containers first, in order, then the containers together', async () => {
    await run('init', {
      initContainers: [
        { name: 'first', image: 'busybox', command: ['sh', '-c', 'echo one > "$HOME/order"'] },
        { name: 'second', image: 'busybox', command: ['sh', '-c', 'echo two >> "$HOME/order"'] },
      ],
      containers: [
        { name: 'a', image: 'busybox', command: ['sh', '-c', 'cat "$HOME/order"'] },
        { name: 'b', image: 'busybox', command: ['sh', '-c', 'echo b'] },
      ],
    });
    const done = await phase('init', 'Succeeded');
    expect(list(done, 'status.initContainerStatuses').map((s) => at(s, 'state.terminated.reason'))).toEqual(['Completed', 'Completed']);
    expect(await log('init', '?container=a')).toBe('one\ntwo\n');
    const order = cluster.audit().filter((e) => e.verb === 'process-started' && e.name === 'init').map((e) => e.container);
    expect(order.slice(0, 2)).toEqual(['first', 'second']);
    expect([...order.slice(2)].sort()).toEqual(['a', 'b']);
    const noContainer = await call(cluster, 'GET', `${PODS}/init/log`);
    expect(noContainer.status).toBe(400);
    expect(at(noContainer.json, 'message')).toBe('a container name must be specified for pod init, choose one of: [a b] or one of the init containers: [first second]');
  });

  it('should fail the Pod with StartError naming a missing executable', async () => {
    await run('missing', { containers: [{ name: 'c', image: 'busybox', command: ['no-such-binary-hookrunner', '--x'] }] });
    const failed = await phase('missing', 'Failed');
    const terminated = at(failed, 'status.containerStatuses.0.state.terminated');
    expect(terminated).toMatchObject({ reason: 'StartError', exitCode: 128 });
    expect(String(at(terminated, 'message'))).toContain('exec: "no-such-binary-hookrunner": executable file not found in $PATH');
  });

  it('should put the log tail in the termination message with FallbackToLogsOnError', async () => {
    await run('fallback', { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo boom >&2; exit 2'], terminationMessagePolicy: 'FallbackToLogsOnError' }] });
    const failed = await phase('fallback', 'Failed');
    expect(at(failed, 'status.containerStatuses.0.state.terminated')).toMatchObject({ exitCode: 2, reason: 'Error', message: 'boom\n' });
  });
});

describe('when reading logs', () => {
  beforeAll(async () => {
    await run('lines', { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; done'] }] });
    await phase('lines', 'Succeeded');
  });

  it.each([
    ['', 'line1\nline2\nline3\nline4\nline5\n'],
    ['?tailLines=2', 'line4\nline5\n'],
    ['?limitBytes=8', 'line1\nli'],
    ['?tailLines=2&limitBytes=3', 'lin'],
    ['?tailLines=0', ''],
  ])('should honour %s', async (query, text) => {
    expect(await log('lines', query)).toBe(text);
  });

  it('should prefix RFC 3339 timestamps with timestamps=true', async () => {
    const lines = (await log('lines', '?timestamps=true&tailLines=1')).split('\n');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line5$/);
  });

  it('should answer 400 for a container that never started and for a missing previous instance', async () => {
    await call(cluster, 'POST', PODS, { body: pod('blocked', { containers: [{ name: 'c', image: 'busybox', command: ['true'], env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] }] }) });
    await waitFor(cluster, `${PODS}/blocked`, (o) => at(o, 'status.containerStatuses.0.state.waiting.reason') === 'CreateContainerConfigError', 'a config error');
    const waiting = await call(cluster, 'GET', `${PODS}/blocked/log`);
    expect(waiting.status).toBe(400);
    expect(at(waiting.json, 'message')).toBe('container "c" in pod "blocked" is waiting to start: CreateContainerConfigError');
    const previous = await call(cluster, 'GET', `${PODS}/lines/log?previous=true`);
    expect(at(previous.json, 'message')).toBe('previous terminated container "c" in pod "lines" not found');
  });

  it('should stream with follow=true until the container ends', async () => {
    await run('follow', { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo first; sleep 0.3; echo second'] }] });
    await waitFor(cluster, `${PODS}/follow`, (o) => at(o, 'status.phase') === 'Running', 'Pod follow to run');
    const res = await fetch(`${cluster.url}${PODS}/follow/log?follow=true`);
    expect(await res.text()).toBe('first\nsecond\n');
  });
});

describe('when a container has no command and no image mapping', () => {
  it('should be Running and Ready until deleted', async () => {
    await call(cluster, 'POST', PODS, { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx' }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } });
    const ready = await waitFor(cluster, `${PODS}/nginx`, (o) => hasCondition(o, 'Ready'), 'Pod nginx to be Ready');
    expect(at(ready, 'status.phase')).toBe('Running');
    expect(hasCondition(ready, 'ContainersReady')).toBe(true);
    expect(at(ready, 'status.containerStatuses.0')).toMatchObject({ ready: true, started: true, restartCount: 0, state: { running: {} } });
    expect(at(ready, 'status.podIP')).toMatch(/^10\.244\.\d+\.\d+$/);
    expect((await call(cluster, 'DELETE', `${PODS}/nginx`)).status).toBe(200);
    await waitFor(cluster, `${PODS}/nginx`, (o) => o === undefined, 'Pod nginx to be gone');
  });
});

describe('when a running Pod is deleted', () => {
  it('should SIGTERM it, keep it (deletionTimestamp) while it stops, then remove it', async () => {
    await run('graceful', { terminationGracePeriodSeconds: 5, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'trap "echo got TERM; exit 0" TERM; echo ready; while true; do sleep 0.05; done'] }] });
    await waitFor(cluster, `${PODS}/graceful`, (o) => hasCondition(o, 'Ready'), 'Pod graceful to be Ready');
    // Ready comes with the process start; the trap is set only once the shell printed "ready".
    for (let i = 0; i < 400 && !(await call(cluster, 'GET', `${PODS}/graceful/log`)).text.includes('ready'); i++) await new Promise((r) => setTimeout(r, 10));
    const w = await openWatch(cluster, `${PODS}?watch=true&fieldSelector=metadata.name%3Dgraceful`);
    try {
      const del = await call(cluster, 'DELETE', `${PODS}/graceful`);
      expect(at(del.json, 'metadata.deletionTimestamp')).toEqual(expect.any(String));
      expect(at(del.json, 'metadata.deletionGracePeriodSeconds')).toBe(5);
      await waitFor(cluster, `${PODS}/graceful`, (o) => o === undefined, 'Pod graceful to be gone');
      const last = w.events.filter((e) => e.type === 'MODIFIED').at(-1);
      expect(at(last?.object, 'status.containerStatuses.0.state.terminated.exitCode')).toBe(0);
    } finally {
      w.close();
    }
    const started = cluster.audit().find((e) => e.verb === 'process-started' && e.name === 'graceful');
    const exited = cluster.audit().find((e) => e.verb === 'process-exited' && e.name === 'graceful');
    expect(exited?.exitCode).toBe(0);
    expect(alive(started?.pid ?? -1)).toBe(false);
  });

  it('should SIGKILL a process that ignores SIGTERM after the grace period', async () => {
    await run('stubborn', { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'trap "" TERM; echo ready; while true; do sleep 0.05; done'] }] });
    await waitFor(cluster, `${PODS}/stubborn`, (o) => hasCondition(o, 'Ready'), 'Pod stubborn to be Ready');
    for (let i = 0; i < 400 && !(await call(cluster, 'GET', `${PODS}/stubborn/log`)).text.includes('ready'); i++) await new Promise((r) => setTimeout(r, 10));
    await call(cluster, 'DELETE', `${PODS}/stubborn`);
    await waitFor(cluster, `${PODS}/stubborn`, (o) => o === undefined, 'Pod stubborn to be gone');
    const exited = cluster.audit().find((e) => e.verb === 'process-exited' && e.name === 'stubborn');
    expect(exited?.exitCode).toBe(137);
  });
});
