/**
 * What every dashboard browser test starts from: the API on an ephemeral port with the dev cluster
 * and step workers (test/api/api-harness.ts), the lab's repository, and Debian's Chromium (never a
 * downloaded one) driven by playwright-core, in the time zone Asia/Kolkata (UTC+05:30 all year, so
 * timestamps read the same on every machine). Screenshots go to test-artifacts/ (git-ignored).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { listenApi } from '../../src/api/index.js';
import type { ApiServer } from '../../src/api/index.js';
import { TOKEN, startApiHarness } from '../api/api-harness.js';
import type { ApiHarness } from '../api/api-harness.js';
import { createLabRepo } from '../api/lab-repo.js';
import type { LabOptions } from '../helpers/lab.js';
import type { TestRepo } from '../sources/git-fixture.js';
import { chromiumPath } from '../setup/prereqs.js';

export const ARTIFACTS = join(process.cwd(), 'test-artifacts');
/** The browser's time zone in these tests, and how the dashboard writes its offset. */
export const TIME_ZONE = 'Asia/Kolkata';
export const ZONE_OFFSET = 'UTC+05:30';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface DashboardRig {
  h: ApiHarness;
  server: ApiServer;
  repo: TestRepo;
  browser: BrowserContext;
  page: Page;
  /** Uncaught errors of the page since the rig started. */
  errors: string[];
  screenshot(name: string, fullPage?: boolean): Promise<void>;
  close(): Promise<void>;
}

/** `status`: the server keeps application status (watches of the dev cluster), as `hookrunner serve` does with a cluster. */
export async function startDashboardRig(lab: LabOptions = {}, options: { status?: boolean } = {}): Promise<DashboardRig> {
  // HOOKRUNNER_CHROMIUM, else chromium / chromium-browser on PATH; throws naming the prerequisite when none is found.
  const executablePath = chromiumPath();
  const h = await startApiHarness({ cluster: true, ...(options.status ? { status: true } : {}) });
  const server = await listenApi({ api: h.api, port: 0, host: '127.0.0.1' });
  const repo = await createLabRepo(lab);
  const profile = await mkdtemp(join(tmpdir(), 'hookrunner-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    timezoneId: TIME_ZONE,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1366, height: 768 },
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await mkdir(ARTIFACTS, { recursive: true });
  return {
    h,
    server,
    repo,
    browser,
    page,
    errors,
    async screenshot(name, fullPage = true) {
      await page.screenshot({ path: join(ARTIFACTS, name), fullPage });
    },
    async close() {
      await browser.close();
      await server.close();
      await h.close();
      await repo.remove();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Sign in with the API token (kept in sessionStorage for the tab). */
export async function signIn(rig: DashboardRig): Promise<void> {
  await rig.page.goto(`${rig.server.url}/`);
  await rig.page.fill('#token', TOKEN);
  await rig.page.click('button[type=submit]');
  await rig.page.waitForSelector('#applications');
}

/** The operation id in the page's URL (`#/operations/<id>`). */
export function operationIdOf(page: Page): string {
  return decodeURIComponent(page.url().split('#/operations/')[1] ?? '');
}
