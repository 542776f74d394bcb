/**
 * The terminal view of `hookrunner sync` in a real terminal: tmux at 80 × 40, the README's
 * `--notify log:stderr` writing to the same terminal while frames are redrawn, against the
 * embedded dev cluster. The pane's whole history must hold every log line and exactly one
 * result: no frame left behind, no line that wrapped.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster } from '../helpers/backends.js';
import type { TestCluster } from '../helpers/backends.js';
import { writeLab } from '../helpers/lab.js';
import { REDIS_URL, cleanPrefix } from '../helpers/redis.js';
import { startTmux } from '../helpers/tmux.js';

const ROOT = resolve(import.meta.dirname, '../..');
const COLUMNS = 80;

/** The lab's rows in the final table (names may be cut with … at 80 columns). */
const LAB_ROWS = [
  /^0 +PreSync +Namespace +view-\w+ /,
  /^0 +PreSync +Job +health-check-pre/,
  /^-2 +Sync +Service +nginx /,
  /^-1 +Sync +ServiceAccount +nginx /,
  /^0 +Sync +Deployment +nginx /,
];

describe('the terminal view of hookrunner sync in tmux at 80 columns (embedded cluster)', () => {
  let cluster: TestCluster;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    cluster = await startTestCluster('embedded');
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-sync-view-'));
    kubeconfig = join(dir, 'kubeconfig');
    await cluster.writeKubeconfig(kubeconfig);
  });
  afterAll(async () => {
    await cluster?.stop();
    await cleanPrefix('hookrunner');
    await rm(dir, { recursive: true, force: true });
  });

  /** `hookrunner sync` of `lab` in tmux with logs on stderr; its exit code and the pane's history. */
  async function syncInTmux(labDir: string, app: string): Promise<{ code: number; history: string[]; output: string }> {
    const command = [
      `env REDIS_URL=${REDIS_URL} HOME=${dir}`,
      `${process.execPath} ${join(ROOT, 'bin/hookrunner')} sync ${labDir} --app ${app} -n ${app} --create-namespace --kubeconfig ${kubeconfig} --notify log:stderr`,
    ].join(' ');
    const session = await startTmux({ command, dir, columns: COLUMNS, rows: 40 });
    try {
      const code = await session.exited(60_000);
      return { code, history: await session.capture(), output: await session.output() };
    } finally {
      await session.kill();
    }
  }

  /** Lines the view wrote (the log notifier's lines are stderr's, and may be longer than the terminal). */
  const ours = (history: string[]): string[] => history.filter((l) => !/^notify #\d+/.test(l));

  it('should leave one final result and every log line, with no line wider than the terminal', async () => {
    const lab = await writeLab({
      // About 2 s of output, so that several frames are drawn while notifications are logged.
      preJob: 'for i in 1 2 3 4; do echo "checking, round $i"; sleep 0.5; done',
      extra: { 'settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  annotations:\n    argocd.argoproj.io/sync-wave: "1"\ndata: { k: v }\n' },
    });
    try {
      const { code, history, output } = await syncInTmux(lab.dir, 'view-ok');
      const text = history.join('\n');
      expect(code, text).toBe(0);
      // What was on the terminal meanwhile: several frames, with tasks still to come, between log lines.
      expect(output.split('OPERATION:').length - 1).toBeGreaterThan(3);
      expect(output).toMatch(/Pending[^]*notify #1 \(updated\)[^]*OPERATION:/);
      expect(history.filter((l) => l.startsWith('OPERATION:')), text).toHaveLength(1);
      expect(history.filter((l) => l.startsWith('PHASE:')), text).toEqual(['PHASE:      Succeeded']);
      for (const row of [...LAB_ROWS, /^1 +Sync +ConfigMap +settings /, /^0 +PostSync +Job +mattermost-post/]) expect(history.filter((l) => row.test(l)), `${row}\n${text}`).toHaveLength(1);
      expect(text).not.toContain('Pending'); // tasks still to come were drawn, and erased with their frame
      for (const line of ours(history)) expect(line.length, line).toBeLessThanOrEqual(COLUMNS);
      // The log notifier's lines from stderr, above the result.
      expect(history.some((l) => /^notify #1: .*view-ok: sync running/.test(l)), text).toBe(true);
      expect(history.some((l) => /^notify #1 \(updated\): .*view-ok: sync succeeded/.test(l)), text).toBe(true);
      expect(history.findLastIndex((l) => l.startsWith('notify #'))).toBeLessThan(history.findIndex((l) => l.startsWith('OPERATION:')));
    } finally {
      await lab.cleanup();
    }
  });

  it("should show a failed hook's last output lines under its row in the final result", async () => {
    const lab = await writeLab({ preJob: 'echo starting; sleep 2; for i in 1 2 3 4 5 6 7; do echo "output line $i"; done; exit 1' });
    try {
      const { code, history } = await syncInTmux(lab.dir, 'view-fail');
      const text = history.join('\n');
      expect(code, text).toBe(1);
      expect(history.filter((l) => l.startsWith('OPERATION:')), text).toHaveLength(1);
      const row = history.findIndex((l) => /^0 +PreSync +Job +health-check-pre-job +Failed/.test(l));
      expect(row, text).toBeGreaterThan(0);
      expect(history[row + 1]).toMatch(/^ {4}↳ health-check-pre-job-\w+\/main \(exit 1\), last 5 lines:$/);
      expect(history.slice(row + 2, row + 7)).toEqual([3, 4, 5, 6, 7].map((i) => `      output line ${i}`));
      expect(text).not.toContain('starting');
      expect(history.filter((l) => /^0 +SyncFail +Job +mattermost-post/.test(l)), text).toHaveLength(1);
      for (const line of ours(history)) expect(line.length, line).toBeLessThanOrEqual(COLUMNS);
    } finally {
      await lab.cleanup();
    }
  });
});
