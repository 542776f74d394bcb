/**
 * The dashboard in a real browser: Debian's Chromium (never a downloaded one) driven by
 * playwright-core, against the API on an ephemeral port with the dev cluster and step workers
 * (dashboard-browser.ts). It signs in, starts a sync of the lab application and watches it live,
 * its tasks grouped by phase and wave with the waves still to come greyed until their rows arrive
 * (§12.2 result table), syncs one checked resource (selective sync, §9.9) and deletes an
 * application after its name is typed (§11). Screenshots are kept in test-artifacts/ (git-ignored).
 */
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, TOKEN, labApplication } from '../api/api-harness.js';
import type { ApiHarness } from '../api/api-harness.js';
import { LAB_PATH } from '../api/lab-repo.js';
import type { TestRepo } from '../sources/git-fixture.js';
import { ARTIFACTS, ZONE_OFFSET, operationIdOf, sleep, startDashboardRig } from './dashboard-browser.js';
import type { DashboardRig } from './dashboard-browser.js';
import type { Page } from 'playwright-core';

/** `<phase> <wave> <result|pending> <kind> <name>` for every task row, in the order shown. */
async function groupedRows(page: Page): Promise<string[]> {
  return page.$$eval('#results tbody tr.task', (trs) => trs.map((tr) => ['phase', 'wave', 'state', 'kind', 'name'].map((a) => tr.getAttribute(`data-${a}`)).join(' ')));
}

describe('the dashboard in headless Chromium', () => {
  let rig: DashboardRig;
  let h: ApiHarness;
  let server: DashboardRig['server'];
  let repo: TestRepo;
  let page: Page;

  beforeAll(async () => {
    // The pre-job takes a moment, so the page sees the operation Running (and its later waves to come) before it succeeds.
    rig = await startDashboardRig({ preJob: 'sleep 3; echo "Mattermost is up and Running"' });
    ({ h, server, repo, page } = rig);
    const created = await request(h.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(labApplication({ repoURL: repo.url, path: LAB_PATH }));
    expect(created.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
  });

  afterEach(async ({ task }) => {
    // A failed step leaves a picture of what the page showed.
    if (task.result?.state === 'fail' && page) await page.screenshot({ path: join(ARTIFACTS, `dashboard-failure-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`), fullPage: true });
  });

  it('should sign in with an API token (refusing a wrong one), and list the lab application', async () => {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${server.url}/`);
    await page.fill('#token', 'not-the-token-0123456789');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('.form-error')).toBe('That token is not accepted.');
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('#applications tr[data-app="app-sync-phase-1"]');
    expect(await page.textContent('#applications tr[data-app="app-sync-phase-1"]')).toContain('never synced');
    expect(await page.evaluate("sessionStorage.getItem('hookrunner.token')")).toBe(TOKEN);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-applications.png') });
    expect(errors).toEqual([]);
  });

  it('should show a running sync grouped by phase and wave, with the tasks still to come, and its rows turn Succeeded live', async () => {
    await page.click('#applications tr[data-app="app-sync-phase-1"] button[data-action=sync]');
    await page.waitForURL(/#\/operations\/op-/);
    const id = operationIdOf(page);
    // A marker that a reload would lose: every change below arrives over the event stream.
    await page.evaluate("window.hookrunnerMarker = 'same page'");
    await page.waitForSelector('#live.live-live');
    await page.waitForSelector('#results tr[data-name="health-check-pre-job"][data-status="Running"]', { timeout: 20_000 });
    // While the PreSync hook runs, the Sync and PostSync waves are still to come: greyed, in their groups, in plan order.
    await page.waitForSelector('#results tbody[data-phase="Sync"] tr[data-state="pending"][data-kind="Service"]', { timeout: 5_000 });
    const running = await groupedRows(page);
    expect(running.filter((r) => r.startsWith('PreSync'))).toEqual(['PreSync 0 result Namespace app-sync-phases', 'PreSync 0 result Job health-check-pre-job']);
    expect(running.filter((r) => !r.startsWith('PreSync') && !r.startsWith('SyncFail'))).toEqual([
      'Sync -2 pending Service nginx',
      'Sync -1 pending ServiceAccount nginx',
      'Sync 0 pending Deployment nginx',
      'PostSync 0 pending Job mattermost-post-job-success',
    ]);
    expect(await page.$$eval('#results tr.wave-head', (trs) => trs.map((tr) => `${tr.getAttribute('data-phase')} ${tr.getAttribute('data-wave')}`))).toEqual(
      expect.arrayContaining(['PreSync 0', 'Sync -2', 'Sync -1', 'Sync 0', 'PostSync 0']),
    );
    expect(await page.textContent('#results tr[data-state="pending"][data-kind="Service"] .badge')).toBe('Pending');
    expect(await page.textContent('#results tr.phase-head th#phase-Sync')).toContain('3 tasks · 3 to come');
    // Times carry their zone: in the column heads, and on each <time> (its datetime is UTC).
    expect(await page.textContent('#results thead')).toContain(`STARTED ${ZONE_OFFSET}`);
    expect(await page.textContent('[data-fact="STARTED AT"] time')).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ${ZONE_OFFSET.replace('+', '\\+')}$`));
    const op = await h.engine.store.getOperation(id);
    expect(await page.getAttribute('[data-fact="STARTED AT"] time', 'datetime')).toBe(new Date(op?.startedAt ?? 0).toISOString());
    await rig.screenshot('dashboard-operation-waves.png');

    await page.waitForSelector('#phase:text("Succeeded")', { timeout: 30_000 });
    expect(await page.evaluate('window.hookrunnerMarker')).toBe('same page');
    // Each task left the tasks still to come when its first row arrived: the Service is a result row now, in the same group.
    await page.waitForSelector('#results tbody[data-phase="Sync"] tr[data-state="result"][data-kind="Service"]');
    const rows = await page.$$eval('#results tbody tr[data-state="result"]', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-phase'), tr.getAttribute('data-wave'), ...[...tr.querySelectorAll('td')].slice(0, 6).map((td) => td.textContent?.trim() ?? '')].join(' | ')),
    );
    expect(rows).toEqual([
      'PreSync | 0 | v1/Namespace | - | app-sync-phases | Synced | - | ',
      'PreSync | 0 | ⚓ batch/v1/Job | app-sync-phases | health-check-pre-job | Succeeded | Healthy | PreSync',
      'Sync | -2 | v1/Service | app-sync-phases | nginx | Synced | Healthy | ',
      'Sync | -1 | v1/ServiceAccount | app-sync-phases | nginx | Synced | - | ',
      'Sync | 0 | apps/v1/Deployment | app-sync-phases | nginx | Synced | Healthy | ',
      'PostSync | 0 | ⚓ batch/v1/Job | app-sync-phases | mattermost-post-job-success | Succeeded | Healthy | PostSync',
    ]);
    // Each hook's start and end, as the operation recorded them.
    const hookTimes = await page.$$eval('#results tbody tr[data-state="result"][data-name="health-check-pre-job"] td[data-col] time', (ts) => ts.map((t) => t.getAttribute('datetime')));
    const preJob = (await h.engine.store.getOperation(id))?.results.find((r) => r.name === 'health-check-pre-job');
    expect(hookTimes).toEqual([new Date(preJob?.startedAt ?? 0).toISOString(), new Date(preJob?.finishedAt ?? 0).toISOString()]);
    const finished = await h.engine.store.getOperation(id);
    expect(finished?.phase).toBe('Succeeded');
    expect(await page.textContent('[data-fact="REVISION"]')).toBe(finished?.revision);
    expect(await page.isDisabled('#terminate')).toBe(true);

    await page.click('#results tr[data-name="health-check-pre-job"] button:text("Logs")');
    await page.waitForSelector('#results tr.logs pre');
    expect(await page.textContent('#results tr.logs pre')).toContain('Mattermost is up and Running');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-operation.png'), fullPage: true });
  });

  it('should show the running operation when Sync is pressed twice (D6), and terminate it', async () => {
    const slow = await request(h.app).put('/api/v1/applications/slow-lab').set(AUTH).type('application/yaml').send(labApplication({ repoURL: repo.url, path: LAB_PATH, name: 'slow-lab', namespace: 'slow-lab' }));
    expect(slow.status).toBe(201);
    await page.goto(`${server.url}/#/applications/slow-lab`);
    await page.click('#sync');
    await page.waitForURL(/#\/operations\/op-/);
    const id = decodeURIComponent(page.url().split('#/operations/')[1] ?? '');
    await page.waitForSelector('#phase:text("Running")');
    await page.click('#sync');
    await page.waitForSelector(`.notice a[href="#/operations/${id}"]`);
    expect(await page.textContent('.notice')).toContain('slow-lab already has a running operation');
    await page.click('#terminate');
    await page.waitForSelector('#phase:text-matches("Failed|Terminating")');
    const final = await h.waitFor(id);
    expect(final.phase).toBe('Failed');
    await page.waitForSelector('#phase:text("Failed")');
    expect(await page.textContent('#message')).toBe(final.message);
  });

  it('should sync only the checked resource from the application view, running no hook (§9.9)', async () => {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${server.url}/#/applications/app-sync-phase-1`);
    // The resources of the last operation (the full sync above), hooks left out.
    await page.waitForSelector('#resources tr[data-kind="Service"][data-name="nginx"]');
    const listed = await page.$$eval('#resources tbody tr[data-key]', (trs) => trs.map((tr) => `${tr.getAttribute('data-kind')} ${tr.getAttribute('data-name')}`));
    expect(listed).toEqual(['Namespace app-sync-phases', 'Service nginx', 'ServiceAccount nginx', 'Deployment nginx']);
    expect(await page.textContent('#selection-note')).toBe('A selective sync applies only the checked resources and runs no hooks.');
    expect(await page.isDisabled('#sync-selected')).toBe(true);
    expect(await page.textContent('#sync-selected')).toBe('Sync selected (0)');
    // The name is the checkbox's label.
    await page.click('#resources tr[data-kind="Service"][data-name="nginx"] label');
    expect(await page.isChecked('#resources tr[data-kind="Service"][data-name="nginx"] input[type=checkbox]')).toBe(true);
    expect(await page.textContent('#sync-selected')).toBe('Sync selected (1)');
    expect(await page.isEnabled('#sync-selected')).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-selective-sync.png'), fullPage: true });

    await page.click('#sync-selected');
    await page.waitForURL(/#\/operations\/op-/);
    const id = decodeURIComponent(page.url().split('#/operations/')[1] ?? '');
    await page.waitForSelector('#phase:text("Succeeded")', { timeout: 30_000 });
    // Only the Service: no Job, and no Namespace row (CreateNamespace's task is planned only while the namespace is missing).
    const rows = await page.$$eval('#results tbody tr[data-state="result"]', (trs) => trs.map((tr) => `${tr.getAttribute('data-phase')} ${tr.getAttribute('data-kind')} ${tr.getAttribute('data-name')}`));
    expect(rows).toEqual(['Sync Service nginx']);
    expect(await page.$$('#results tr.hook')).toHaveLength(0);

    const doc = await request(h.app).get(`/api/v1/operations/${id}`).set(AUTH);
    expect(doc.status).toBe(200);
    expect(doc.body.operation.phase).toBe('Succeeded');
    expect(doc.body.resources.map((r: { kind: string; name: string; hookType: string | null }) => [r.kind, r.name, r.hookType])).toEqual([['Service', 'nginx', null]]);
    expect((await h.engine.store.getOperation(id))?.spec.resources).toEqual([{ group: '', kind: 'Service', namespace: 'app-sync-phases', name: 'nginx' }]);
    expect(errors).toEqual([]);
  });

  it('should delete an application once its name is typed, show a refusal in place, and follow the deletion to Succeeded (§11)', async () => {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const name = 'doomed-lab';
    const created = await request(h.app).put(`/api/v1/applications/${name}`).set(AUTH).type('application/yaml').send(labApplication({ repoURL: repo.url, path: LAB_PATH, name, namespace: name }));
    expect(created.status).toBe(201);
    await page.goto(`${server.url}/#/applications/${name}`);
    await page.waitForSelector('#history td:text("No operations yet.")');
    // No operation yet: nothing to select.
    expect(await page.isHidden('#selection')).toBe(true);
    expect(await page.$$('#resources tbody input[type=checkbox]')).toHaveLength(0);

    // The panel opens and closes without deleting anything.
    await page.click('#delete');
    await page.waitForSelector('#delete-panel', { state: 'visible' });
    await page.click('#delete-cancel');
    await page.waitForSelector('#delete-panel', { state: 'hidden' });

    // A sync that runs (its PreSync job sleeps 2 s): the deletion is refused (409), in place.
    const synced = await request(h.app).post(`/api/v1/applications/${name}/sync`).set(AUTH).send({});
    expect(synced.status).toBe(202);
    const syncId = synced.body.operation.id as string;
    await page.click('#delete');
    await page.waitForSelector('#delete-panel', { state: 'visible' });
    expect(await page.textContent('#delete-explanation')).toBe(
      `Deleting ${name} runs its PreDelete hooks, deletes its resources in the cluster (highest wave first; objects with Delete=false are kept), then runs its PostDelete hooks.`,
    );
    expect(await page.isChecked('#delete-cascade-foreground')).toBe(true);
    expect(await page.textContent('label[for="delete-cascade-orphan"]')).toContain('delete no resource, run the hooks');
    expect(await page.isDisabled('#delete-confirm')).toBe(true);
    await page.fill('#delete-confirm-name', 'doomed');
    expect(await page.isDisabled('#delete-confirm')).toBe(true);
    await page.fill('#delete-confirm-name', name);
    expect(await page.isEnabled('#delete-confirm')).toBe(true);
    await page.click('#delete-confirm');
    await page.waitForSelector(`#delete-panel .notice a[href="#/operations/${syncId}"]`);
    expect(await page.textContent('#delete-panel .notice')).toContain(`${name} already has a running operation`);
    expect(page.url()).toContain(`#/applications/${name}`);

    // Once the sync is done, the deletion starts; the page follows it live.
    expect((await h.waitFor(syncId)).phase).toBe('Succeeded');
    await page.check('#delete-cascade-background');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-delete-confirm.png'), fullPage: true });
    await page.click('#delete-confirm');
    await page.waitForURL(/#\/operations\/op-/);
    const id = decodeURIComponent(page.url().split('#/operations/')[1] ?? '');
    expect(id).not.toBe(syncId);
    await page.waitForSelector('#phase:text("Succeeded")', { timeout: 30_000 });
    expect(await page.textContent('#title')).toBe(`${name} · deletion`);
    expect(await page.isHidden('#sync')).toBe(true);
    const rows = await page.$$eval('#results tbody tr[data-state="result"]', (trs) => trs.map((tr) => `${tr.getAttribute('data-phase')} ${tr.getAttribute('data-kind')}`));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.startsWith('Delete '))).toBe(true);
    expect(rows).toContain('Delete Service');
    expect((await h.engine.store.getOperation(id))?.spec.deletion).toEqual({ cascade: 'background' });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-deletion.png'), fullPage: true });

    // The record goes once the deletion succeeded.
    const started = Date.now();
    while ((await request(h.app).get(`/api/v1/applications/${name}`).set(AUTH)).status !== 404) {
      if (Date.now() - started > 15_000) throw new Error(`${name} was not removed after its deletion succeeded`);
      await sleep(100);
    }
    expect(errors).toEqual([]);
  });

  it('should show an operation waiting for a Prune=confirm confirmation, and release it with Confirm pruning (§9.1)', async () => {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const name = 'confirm-lab';
    const cm = (n: string, options = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\n${options ? `  annotations: { argocd.argoproj.io/sync-options: ${options} }\n` : ''}data: { k: v }\n`;
    await repo.commit({ 'confirm/keep.yaml': cm('keep'), 'confirm/old.yaml': cm('old', 'Prune=confirm') }, { message: 'confirm app' });
    expect((await request(h.app).put(`/api/v1/applications/${name}`).set(AUTH).type('application/yaml').send(labApplication({ repoURL: repo.url, path: 'confirm', name, namespace: name }))).status).toBe(201);
    const first = await request(h.app).post(`/api/v1/applications/${name}/sync`).set(AUTH).send({});
    expect((await h.waitFor(first.body.operation.id as string)).phase).toBe('Succeeded');
    await repo.commit({ 'confirm/old.yaml': null }, { message: 'drop old' });
    const pruning = await request(h.app).post(`/api/v1/applications/${name}/sync`).set(AUTH).send({ prune: true });
    const id = pruning.body.operation.id as string;
    // The operation holds first (the API says so), then the page opens on it: a CI machine under load
    // took over 20 s between the two otherwise.
    for (const deadline = Date.now() + 30_000; ; await sleep(100)) {
      const doc = await request(h.app).get(`/api/v1/operations/${encodeURIComponent(id)}`).set(AUTH);
      if ((doc.body as { operation?: { awaitingConfirmation?: unknown } }).operation?.awaitingConfirmation) break;
      if (Date.now() > deadline) throw new Error(`operation ${id} did not hold for its pruning confirmation within 30 s`);
    }
    await page.goto(`${server.url}/#/operations/${encodeURIComponent(id)}`);
    await page.waitForSelector('#confirmation', { state: 'visible', timeout: 20_000 });
    expect(await page.textContent('#message')).toBe('waiting for pruning confirmation of /ConfigMap/old');
    expect(await page.textContent('#confirmation')).toContain(`/ConfigMap/${name}/old`);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-confirm.png'), fullPage: true });
    await page.click('#confirm');
    await page.waitForSelector('#phase:text("Succeeded")', { timeout: 30_000 });
    expect(await page.isHidden('#confirmation')).toBe(true);
    expect(await page.getAttribute('#results tr[data-name="old"]', 'data-status')).toBe('Pruned');
    expect(errors).toEqual([]);
  });
});
