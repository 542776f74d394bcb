/** Tables for the terminal: no rows, no table (never a header over nothing). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderOperation } from '../../src/cli/result-view.js';
import { renderTable } from '../../src/cli/table.js';
import { plan } from '../../src/plan/index.js';
import { operationSpec, resultFor, startOperation } from '../../src/sync/index.js';
import type { Operation } from '../../src/sync/index.js';
import { manifest, newObj } from '../helpers/builders.js';
import { runCli } from '../helpers/cli.js';

const START = Date.parse('2026-01-01T00:00:00Z');

function operation(withResult: boolean): Operation {
  const spec = operationSpec({ app: 'shop', namespace: 'shop', revision: 'r1', initiatedBy: 'test', manifests: [manifest(newObj('ConfigMap', 'settings'))] });
  const op = startOperation({ id: 'op-1', spec, now: START });
  const tasks = plan(spec.manifests, { namespace: 'shop', startedAt: new Date(START) }).tasks;
  const task = tasks[0];
  if (!task) throw new Error('no task');
  return { ...op, plan: tasks, results: withResult ? [resultFor(task, { message: 'configmap/settings created', status: 'Synced', hookPhase: 'Succeeded' })] : [] };
}

describe('renderTable', () => {
  it('should align columns and leave the last one unpadded', () => {
    expect(renderTable(['A', 'LONG'], [['xyz', '1'], ['q', '22']])).toBe('A    LONG\nxyz  1\nq    22\n');
  });

  it('should render nothing for no rows', () => {
    expect(renderTable(['PHASE', 'WAVE', 'KIND'], [])).toBe('');
  });
});

describe('renderOperation', () => {
  it('should print the result table when tasks have results', () => {
    const text = renderOperation(operation(true));
    expect(text).toContain('OPERATION:  op-1');
    expect(text).toMatch(/^SYNC WAVE +PHASE +KIND/m);
    expect(text).toMatch(/^0 +Sync +ConfigMap +shop +settings +Synced/m);
  });

  it('should print the header only, without an empty table, before any task has a result', () => {
    const text = renderOperation(operation(false));
    expect(text).toContain('OPERATION:  op-1');
    expect(text).not.toContain('SYNC WAVE');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.endsWith('\n\n')).toBe(false);
  });
});

describe('hookrunner plan with no tasks', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-plan-empty-'));
    await writeFile(join(dir, 'comments-only.yaml'), '# nothing here yet\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should print the warnings without an empty table header', async () => {
    // A folder none of whose files matches: only the warning remains.
    const { code, stdout, stderr } = await runCli(['plan', dir, '--include', 'none-*.yaml']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).not.toContain('PHASE');
    expect(stdout).toBe(`No tasks.\n\nWARNINGS (1):\n${dir}:0: no .yaml, .yml or .json files found (--recurse reads sub-folders)\n`);
  });

  it('should say there are no tasks for a file without objects', async () => {
    const { code, stdout } = await runCli(['plan', join(dir, 'comments-only.yaml')]);
    expect(code).toBe(0);
    expect(stdout).toBe('No tasks.\n');
  });

  it('should keep the JSON output unchanged: an empty task list', async () => {
    const { code, stdout } = await runCli(['plan', join(dir, 'comments-only.yaml'), '-o', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ tasks: [], warnings: [] });
  });
});
