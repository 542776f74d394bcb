/**
 * The dashboard in a real browser: Debian's Chromium (never a downloaded one) driven by
 * playwright-core, against the API on an ephemeral port with the dev cluster and step workers.
 * It signs in, starts a sync of the lab application and watches its rows turn Succeeded live
 * (§12.2 result table). Screenshots are kept in test-artifacts/ (git-ignored).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listenApi } from '../../src/api/index.js';
import type { ApiServer } from '../../src/api/index.js';
import { AUTH, TOKEN, labApplication, startApiHarness } from '../api/api-harness.js';
import type { ApiHarness } from '../api/api-harness.js';
import { LAB_PATH, createLabRepo } from '../api/lab-repo.js';
import type { TestRepo } from '../sources/git-fixture.js';
import { chromiumPath } from '../setup/prereqs.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts');

describe('the dashboard in headless Chromium', () => {
  let h: ApiHarness;
  let server: ApiServer;
  let repo: TestRepo;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    // HOOKRUNNER_CHROMIUM, else chromium / chromium-browser on PATH; throws naming the prerequisite when none is found.
    const executablePath = chromiumPath();
    h = await startApiHarness({ cluster: true });
    server = await listenApi({ api: h.api, port: 0, host: '127.0.0.1' });
    // The pre-job takes a moment, so the page sees the operation Running before it succeeds.
    repo = await createLabRepo({ preJob: 'sleep 2; echo "Mattermost is up and Running"' });
    const created = await request(h.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(labApplication({ repoURL: repo.url, path: LAB_PATH }));
    expect(created.status).toBe(201);
    profile = await mkdtemp(join(tmpdir(), 'hookrunner-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1366, height: 768 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    await mkdir(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
    await repo?.remove();
    if (profile) await rm(profile, { recursive: true, force: true });
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

  it('should start a sync and show its rows turn Succeeded live, with hook logs expandable', async () => {
    await page.click('#applications tr[data-app="app-sync-phase-1"] button[data-action=sync]');
    await page.waitForURL(/#\/operations\/op-/);
    const id = decodeURIComponent(page.url().split('#/operations/')[1] ?? '');
    // A marker that a reload would lose: every change below arrives over the event stream.
    await page.evaluate("window.hookrunnerMarker = 'same page'");
    await page.waitForSelector('#live.live-live');
    await page.waitForSelector('#results tr[data-name="health-check-pre-job"][data-status="Running"]', { timeout: 20_000 });
    await page.waitForSelector('#phase:text("Succeeded")', { timeout: 30_000 });
    expect(await page.evaluate('window.hookrunnerMarker')).toBe('same page');

    const rows = await page.$$eval('#results tbody tr[data-key]', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 7).map((td) => td.textContent?.trim() ?? '').join(' | ')));
    expect(rows).toEqual([
      '0 | v1/Namespace | - | app-sync-phases | Synced | - | ',
      '⚓ 0 | batch/v1/Job | app-sync-phases | health-check-pre-job | Succeeded | Healthy | PreSync',
      '-2 | v1/Service | app-sync-phases | nginx | Synced | Healthy | ',
      '-1 | v1/ServiceAccount | app-sync-phases | nginx | Synced | - | ',
      '0 | apps/v1/Deployment | app-sync-phases | nginx | Synced | Healthy | ',
      '⚓ 0 | batch/v1/Job | app-sync-phases | mattermost-post-job-success | Succeeded | Healthy | PostSync',
    ]);
    const op = await h.engine.store.getOperation(id);
    expect(op?.phase).toBe('Succeeded');
    expect(await page.textContent('[data-fact="REVISION"]')).toBe(op?.revision);
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
});
