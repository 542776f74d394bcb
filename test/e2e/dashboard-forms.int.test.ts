/**
 * The dashboard's application form in Debian's Chromium: creating an application from an Argo CD
 * Application manifest (YAML), the API's validation errors shown per field beside the form with
 * the line each points at, editing the stored manifest, and timestamps written with their time
 * zone (`<time datetime>` in UTC, shown in the browser's zone with its offset).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AUTH, labApplication } from '../api/api-harness.js';
import { LAB_PATH } from '../api/lab-repo.js';
import { ARTIFACTS, ZONE_OFFSET, signIn, startDashboardRig } from './dashboard-browser.js';
import type { DashboardRig } from './dashboard-browser.js';

/** Wrong in four places: the name, the repository URL, a sync option; the destination namespace is missing. */
const INVALID = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: Bad_Name
spec:
  project: default
  source:
    repoURL: https://user:secret@example.com/repo.git
    path: apps/web
    targetRevision: main
  destination:
    server: https://kubernetes.default.svc
  syncPolicy:
    syncOptions:
      - CreateNamespace=true
      - not an option
`;

/** The local time of an ISO instant in Asia/Kolkata (UTC+05:30, no summer time), as the dashboard writes it. */
const kolkata = (iso: string): string => `${new Date(Date.parse(iso) + 330 * 60_000).toISOString().slice(0, 19).replace('T', ' ')} ${ZONE_OFFSET}`;

describe('the dashboard application form in headless Chromium', () => {
  let rig: DashboardRig;
  let page: Page;

  beforeAll(async () => {
    rig = await startDashboardRig();
    page = rig.page;
    await signIn(rig);
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && page) await page.screenshot({ path: join(ARTIFACTS, `dashboard-failure-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`), fullPage: true });
  });

  it("should show the API's validation errors per field, with their lines, and create the application once they are fixed", async () => {
    await page.click('#new-application');
    await page.waitForURL(/#\/new$/);
    // A template to start from.
    expect(parse(await page.inputValue('#manifest'))).toMatchObject({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'my-app' } });
    expect(await page.textContent('label[for="manifest"]')).toBe('Application manifest (YAML or JSON)');

    await page.fill('#manifest', INVALID);
    await page.click('#save');
    await page.waitForSelector('#form-problems li[data-field]');
    // The same errors as the API gives for the same text, each with the line of its field (or of its nearest parent).
    const api = await request(rig.h.app).post('/api/v1/applications').set(AUTH).type('application/yaml').send(INVALID);
    expect(api.status).toBe(400);
    const expected = (api.body.errors as { field: string; message: string }[]).map((e) => `${e.field} ${e.message}`);
    expect(expected.length).toBeGreaterThanOrEqual(4);
    const shown = await page.$$eval('#form-problems li[data-field]', (lis) => lis.map((li) => `${li.getAttribute('data-field')} ${li.querySelector('.message')?.textContent}`));
    expect(shown).toEqual(expected);
    const lineOf = (field: string): Promise<string | null> => page.textContent(`#form-problems li[data-field="${field}"] button.line`);
    expect(await lineOf('metadata.name')).toBe('line 4');
    expect(await lineOf('spec.source.repoURL')).toBe('line 8');
    expect(await lineOf('spec.syncPolicy.syncOptions[1]')).toBe('line 16');
    expect(await lineOf('spec.destination.namespace')).toBe('near line 11');
    expect(await page.getAttribute('#manifest', 'aria-invalid')).toBe('true');
    // A click selects the line in the editor.
    await page.click('#form-problems li[data-field="spec.syncPolicy.syncOptions[1]"] button.line');
    expect(await page.evaluate("(() => { const t = document.getElementById('manifest'); return t.value.slice(t.selectionStart, t.selectionEnd); })()")).toBe('      - not an option');
    await rig.screenshot('dashboard-app-form.png');

    // A YAML syntax error names its line.
    await page.fill('#manifest', 'apiVersion: argoproj.io/v1alpha1\nkind: [Application\n');
    await page.click('#save');
    await page.waitForSelector('#form-problems .detail');
    expect(await page.textContent('#form-problems .detail')).toContain('the body is not valid YAML');
    expect(await page.$$('#form-problems li[data-field]')).toHaveLength(0);

    await page.fill('#manifest', labApplication({ repoURL: rig.repo.url, path: LAB_PATH, name: 'form-lab', namespace: 'form-lab' }));
    await page.click('#save');
    await page.waitForURL(/#\/applications\/form-lab$/);
    const stored = await request(rig.h.app).get('/api/v1/applications/form-lab').set(AUTH);
    expect(stored.status).toBe(200);
    expect(stored.body.source).toMatchObject({ repoURL: rig.repo.url, path: LAB_PATH, targetRevision: 'main' });

    // Creating it a second time: the API's 409, in place.
    await page.goto(`${rig.server.url}/#/new`);
    await page.fill('#manifest', labApplication({ repoURL: rig.repo.url, path: LAB_PATH, name: 'form-lab', namespace: 'form-lab' }));
    await page.click('#save');
    await page.waitForSelector('.notice:has-text("already exists")');
    expect(page.url()).toMatch(/#\/new$/);
    expect(rig.errors).toEqual([]);
  });

  it('should edit the stored manifest, refusing another name, and show when it was created and updated with the time zone', async () => {
    await page.goto(`${rig.server.url}/#/applications/form-lab`);
    await page.waitForSelector('[data-fact="CREATED"] time');
    const before = (await request(rig.h.app).get('/api/v1/applications/form-lab').set(AUTH)).body as { createdAt: string; manifest: unknown };
    expect(await page.getAttribute('[data-fact="CREATED"] time', 'datetime')).toBe(before.createdAt);
    expect(await page.textContent('[data-fact="CREATED"] time')).toBe(kolkata(before.createdAt));
    // The title: UTC, the zone's name (ICU may call it by its older name), how long ago.
    expect(await page.getAttribute('[data-fact="CREATED"] time', 'title')).toMatch(new RegExp(`^${before.createdAt.slice(0, 19).replace('T', ' ')} UTC · shown in Asia/(Kolkata|Calcutta) · `));

    await page.click('#edit');
    await page.waitForURL(/#\/applications\/form-lab\/edit$/);
    await page.waitForSelector('#manifest:enabled');
    // The stored manifest, written as YAML that reads back the same.
    const text = await page.inputValue('#manifest');
    expect(parse(text)).toEqual(before.manifest);

    await page.fill('#manifest', text.replace('name: form-lab', 'name: other-lab'));
    await page.click('#save');
    await page.waitForSelector('#form-problems li[data-field="metadata.name"]');
    expect(await page.textContent('#form-problems li[data-field="metadata.name"] .message')).toBe('must be "form-lab", the name in the URL');

    await page.fill('#manifest', text.replace('targetRevision: main', 'targetRevision: HEAD').replace('- CreateNamespace=true', '- CreateNamespace=true\n      - PruneLast=true'));
    await page.click('#save');
    await page.waitForURL(/#\/applications\/form-lab$/);
    await page.waitForSelector('[data-fact="TARGET REVISION"]:has-text("HEAD")');
    const after = (await request(rig.h.app).get('/api/v1/applications/form-lab').set(AUTH)).body as { createdAt: string; updatedAt: string; source: { targetRevision: string }; syncPolicy: { syncOptions: string[] } };
    expect(after.source.targetRevision).toBe('HEAD');
    expect(after.syncPolicy.syncOptions).toEqual(['CreateNamespace=true', 'PruneLast=true']);
    expect(after.createdAt).toBe(before.createdAt);
    await page.waitForSelector(`[data-fact="UPDATED"] time[datetime="${after.updatedAt}"]`);
    expect(await page.textContent('[data-fact="UPDATED"] time')).toBe(kolkata(after.updatedAt));
    expect(rig.errors).toEqual([]);
  });
});
