/**
 * The apply sync options (docs/semantics.md §9.5, §9.6) through the real engine — queue, workers,
 * both cluster backends: each test shows the failure or silence without the option, then the option.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IgnoreDifference, Operation, TaskResult } from '../../src/sync/index.js';
import { orderedResults } from '../../src/sync/index.js';
import { testBackends } from '../helpers/backends.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { jobYaml } from '../helpers/lab.js';

const job = (name: string, text: string, options?: string): string => jobYaml(name, `echo ${text}`, options ? { 'argocd.argoproj.io/sync-options': options } : {});

const configMap = (name: string, body: string, options?: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${options ? `  annotations:\n    argocd.argoproj.io/sync-options: ${options}\n` : ''}${body}
`;

describe.each(testBackends())('apply sync options on the %s cluster', (backend) => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness({ backend });
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-sync-options-'));
  });
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Sync `yaml` as the whole source of app `name` (namespace of the same name). */
  const sync = async (name: string, yaml: string, spec: { syncOptions?: string[]; ignoreDifferences?: IgnoreDifference[] } = {}): Promise<Operation> => {
    const folder = join(dir, name);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'app.yaml'), yaml);
    return h.sync([folder], { app: name, namespace: name, createNamespace: true, ...spec });
  };
  const row = (op: Operation, kind: string): TaskResult | undefined => orderedResults(op).find((r) => r.kind === kind);
  const liveJob = (ns: string, name: string) => h.client.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name });
  const command = (obj: Awaited<ReturnType<typeof liveJob>>): string => JSON.stringify((obj?.['spec'] as { template: { spec: { containers: { args: string[] }[] } } }).template.spec.containers[0]?.args);

  it('Replace=true: a Job whose template changed is re-created where a plain apply fails', async () => {
    const app = 'opt-replace';
    expect((await sync(app, job('migrate', 'v1'))).phase).toBe('Succeeded');
    const first = await liveJob(app, 'migrate');

    const plain = await sync(app, job('migrate', 'v2'));
    expect(plain.phase).toBe('Failed');
    expect(row(plain, 'Job')).toMatchObject({ status: 'SyncFailed', message: expect.stringMatching(/^apply jobs\.batch opt-replace\/migrate: Invalid \(422\): Job\.batch "migrate" is invalid: spec\.template: /) });

    const replaced = await sync(app, job('migrate', 'v2', 'Replace=true'));
    expect(replaced.phase, replaced.message).toBe('Succeeded');
    expect(row(replaced, 'Job')).toMatchObject({ status: 'Synced', message: expect.stringMatching(/^job\.batch\/migrate replaced \(deleted and re-created: .*immutable\)$/) });
    const second = await liveJob(app, 'migrate');
    expect(second?.metadata.uid).not.toBe(first?.metadata.uid);
    expect(command(second)).toContain('echo v2');
  });

  it('Force=true: an apply the API server refuses (an immutable field) deletes and re-creates the object', async () => {
    const app = 'opt-force';
    expect((await sync(app, job('seed', 'v1'))).phase).toBe('Succeeded');
    const forced = await sync(app, job('seed', 'v2', 'Force=true'));
    expect(forced.phase, forced.message).toBe('Succeeded');
    expect(row(forced, 'Job')?.message).toBe('job.batch/seed replaced (deleted and re-created: Force=true)');
    expect(command(await liveJob(app, 'seed'))).toContain('echo v2');
  });

  it('Validate=false: an unknown field is dropped instead of refused (annotation, and as an application option)', async () => {
    const app = 'opt-validate';
    const strict = await sync(app, configMap('typo', 'data: { key: a }\ndataa: { key: b }'));
    expect(strict.phase).toBe('Failed');
    // kube-apiserver's server-side apply refuses a field its schema does not declare (a 500 that is the object's failure, not retried).
    expect(row(strict, 'ConfigMap')).toMatchObject({ status: 'SyncFailed', message: `apply configmaps ${app}/typo: InternalError (500): failed to create typed patch object (${app}/typo; /v1, Kind=ConfigMap): .dataa: field not declared in schema` });

    const annotated = await sync(app, configMap('typo', 'data: { key: a }\ndataa: { key: b }', 'Validate=false'));
    expect(annotated.phase, annotated.message).toBe('Succeeded');
    const live = await h.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: app, name: 'typo' });
    expect(live?.['data']).toEqual({ key: 'a' });
    expect(live?.['dataa']).toBeUndefined();

    const appLevel = await sync(app, configMap('typo', 'data: { key: c }\ndataa: { key: b }'), { syncOptions: ['Validate=false'] });
    expect(appLevel.phase, appLevel.message).toBe('Succeeded');
    expect(row(appLevel, 'ConfigMap')?.message).toBe('configmap/typo configured');
    expect((await h.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: app, name: 'typo' }))?.['data']).toEqual({ key: 'c' });
  });

  it('ServerSideApply=true: the fields taken over from another manager are reported on the row', async () => {
    const app = 'opt-ssa';
    expect((await sync(app, configMap('settings', 'data: { mode: fast, size: "1" }'))).phase).toBe('Succeeded');
    const edit = async (): Promise<void> => {
      await h.client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: app }, data: { mode: 'slow' } }, { fieldManager: 'kubectl-edit', force: true });
    };
    await edit();
    const silent = await sync(app, configMap('settings', 'data: { mode: fast, size: "1" }'));
    expect(row(silent, 'ConfigMap')?.message).toBe('configmap/settings configured');

    await edit();
    const reported = await sync(app, configMap('settings', 'data: { mode: fast, size: "1" }', 'ServerSideApply=true'));
    expect(reported.phase, reported.message).toBe('Succeeded');
    expect(row(reported, 'ConfigMap')?.message).toBe('configmap/settings serverside-applied (took over .data.mode from "kubectl-edit")');
    expect((await h.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: app, name: 'settings' }))?.['data']).toEqual({ mode: 'fast', size: '1' });

    const both = await sync(app, configMap('settings', 'data: { mode: fast }', 'ServerSideApply=true,Force=true'));
    expect(both.phase).toBe('Failed');
    expect(row(both, 'ConfigMap')?.message).toBe('error validating options: --force cannot be used with --server-side');
  });

  const service = `apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: 8080 }]
`;

  it('ApplyOutOfSyncOnly=true: only what differs from live is applied — server defaults do not count', async () => {
    const app = 'opt-oos';
    const source = (b: string): string => [service, configMap('a', 'data: { k: same }'), configMap('b', `data: { k: ${b} }`)].join('---\n');
    expect((await sync(app, source('v1'))).phase).toBe('Succeeded');
    const everything = await sync(app, source('v2'));
    expect(orderedResults(everything).map((r) => `${r.kind}/${r.name} ${r.message}`)).toEqual(['ConfigMap/a configmap/a unchanged', 'ConfigMap/b configmap/b configured', 'Service/web service/web unchanged']);

    const before = await h.client.get({ apiVersion: 'v1', kind: 'Service', namespace: app, name: 'web' });
    const onlyChanged = await sync(app, source('v3'), { syncOptions: ['ApplyOutOfSyncOnly=true'] });
    expect(onlyChanged.phase, onlyChanged.message).toBe('Succeeded');
    expect(orderedResults(onlyChanged).map((r) => `${r.kind}/${r.name} ${r.message}`)).toEqual(['ConfigMap/b configmap/b configured']);
    expect((await h.client.get({ apiVersion: 'v1', kind: 'Service', namespace: app, name: 'web' }))?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
  });

  it('ApplyOutOfSyncOnly=true: a field removed from the manifest makes the object out of sync, and the apply removes it', async () => {
    const app = 'opt-oos-removed';
    expect((await sync(app, configMap('c', 'data: { k: v, extra: "1" }'))).phase).toBe('Succeeded');
    const op = await sync(app, configMap('c', 'data: { k: v }'), { syncOptions: ['ApplyOutOfSyncOnly=true'] });
    expect(orderedResults(op).map((r) => `${r.kind}/${r.name} ${r.message}`)).toEqual(['ConfigMap/c configmap/c configured']);
    expect((await h.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: app, name: 'c' }))?.['data']).toEqual({ k: 'v' });
  });

  it('RespectIgnoreDifferences=true: a field ignoreDifferences names keeps its live value; ApplyOutOfSyncOnly ignores it too', async () => {
    const app = 'opt-respect';
    const source = configMap('settings', 'data: { mode: fast, size: "1" }');
    const ignoreDifferences: IgnoreDifference[] = [{ group: '', kind: 'ConfigMap', name: 'settings', jsonPointers: ['/data/mode'] }];
    const edit = async (): Promise<void> => {
      await h.client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: app }, data: { mode: 'slow' } }, { fieldManager: 'operator', force: true });
    };
    const mode = async (): Promise<unknown> => ((await h.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: app, name: 'settings' }))?.['data'] as { mode?: string } | undefined)?.mode;
    expect((await sync(app, source)).phase).toBe('Succeeded');

    await edit();
    expect((await sync(app, source, { ignoreDifferences })).phase).toBe('Succeeded');
    expect(await mode()).toBe('fast'); // ignoreDifferences alone does not keep the live value

    await edit();
    const respected = await sync(app, source, { ignoreDifferences, syncOptions: ['RespectIgnoreDifferences=true'] });
    expect(respected.phase, respected.message).toBe('Succeeded');
    expect(await mode()).toBe('slow');

    const skipped = await sync(app, source, { ignoreDifferences, syncOptions: ['ApplyOutOfSyncOnly=true'] });
    expect(orderedResults(skipped)).toEqual([]);
    expect(await mode()).toBe('slow');
  });
});
