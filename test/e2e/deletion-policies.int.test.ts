/**
 * §6 deletion policies, checked as the lab does: by listing Jobs after each operation.
 * HookSucceeded/HookFailed fire on the operation's outcome; BeforeHookCreation (the default)
 * replaces a named hook on the next sync; every deleted hook's log is in the result (D4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../helpers/backends.js';
import { jobNames, startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { writeLab } from '../helpers/lab.js';

const policy = (p: string): Record<string, string> => ({ 'argocd.argoproj.io/hook-delete-policy': p });
const FAIL = "echo 'Mattermost is NOT accessible'; exit 1";

describe.each(testBackends())('deletion policies (§6.2) on the %s cluster', (backend) => {
  let h: Harness;
  let n = 0;
  beforeAll(async () => {
    h = await startHarness({ backend });
  });
  afterAll(async () => {
    await h?.close();
  });
  const app = (): { app: string; namespace: string } => {
    n++;
    return { app: `policy-${n}`, namespace: `policy-${n}` };
  };

  it.each([
    ['HookSucceeded, sync succeeds → deleted', 'HookSucceeded', undefined, false],
    ['HookSucceeded, sync fails → kept', 'HookSucceeded', FAIL, true],
    ['HookFailed, sync succeeds → kept', 'HookFailed', undefined, true],
    ['HookFailed, sync fails → deleted', 'HookFailed', FAIL, false],
  ])('%s', async (_name, p, preJob, kept) => {
    const lab = await writeLab({ preJobAnnotations: policy(p), ...(preJob ? { preJob } : {}) });
    try {
      const target = app();
      const op = await h.sync([lab.dir], target);
      expect(op.phase).toBe(preJob ? 'Failed' : 'Succeeded');
      expect((await jobNames(h.client, target.namespace)).includes('health-check-pre-job')).toBe(kept);
      const pre = op.results.find((r) => r.name === 'health-check-pre-job');
      expect(pre?.logs?.some((l) => l.log.includes('Mattermost is'))).toBe(true);
    } finally {
      await lab.cleanup();
    }
  });

  it('BeforeHookCreation (default): a named Job is replaced on the next sync — a new uid, the old log kept', async () => {
    const lab = await writeLab({ withoutNotifiers: true });
    try {
      const target = app();
      const ref = { apiVersion: 'batch/v1', kind: 'Job', namespace: target.namespace, name: 'health-check-pre-job' };
      expect((await h.sync([lab.dir], target)).phase).toBe('Succeeded');
      const first = await h.client.get(ref);
      const second = await h.sync([lab.dir], target);
      expect(second.phase).toBe('Succeeded');
      const again = await h.client.get(ref);
      expect(again?.metadata.uid).toBeDefined();
      expect(again?.metadata.uid).not.toBe(first?.metadata.uid);
      const pre = second.results.find((r) => r.name === 'health-check-pre-job');
      // the older instance's log (kept before BeforeHookCreation deleted it) and the new one's
      expect(pre?.logs?.length).toBeGreaterThanOrEqual(2);
    } finally {
      await lab.cleanup();
    }
  });

  it('combined BeforeHookCreation,HookSucceeded: replaced before creation and deleted on success', async () => {
    const lab = await writeLab({ withoutNotifiers: true, preJobAnnotations: policy('BeforeHookCreation,HookSucceeded') });
    try {
      const target = app();
      expect((await h.sync([lab.dir], target)).phase).toBe('Succeeded');
      expect(await jobNames(h.client, target.namespace)).toEqual([]);
    } finally {
      await lab.cleanup();
    }
  });

  it('a generateName hook gets a new name every operation, so BeforeHookCreation never finds the old one (§7)', async () => {
    const lab = await writeLab({ withoutNotifiers: true, generateName: true });
    try {
      const target = app();
      await h.sync([lab.dir], { ...target, revision: '1111111aaaa' });
      await h.sync([lab.dir], { ...target, revision: '2222222bbbb' });
      const names = await jobNames(h.client, target.namespace);
      expect(names).toHaveLength(2);
      expect(names[0]).toMatch(/^health-check-pre-job-1111111-presync-\d+$/);
      expect(names[1]).toMatch(/^health-check-pre-job-2222222-presync-\d+$/);
    } finally {
      await lab.cleanup();
    }
  });
});
