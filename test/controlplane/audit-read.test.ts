import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAuditRequests } from '../../src/controlplane/index.js';

/** The real API server's audit log read back for the bench: rotated backups first, a partial last line skipped, no log yet = nothing. */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hookrunner-audit-read-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const line = (id: string, stage: string, verb: string): string =>
  JSON.stringify({ auditID: id, stage, verb, requestURI: `/api/v1/namespaces/a/configmaps/${id}`, user: { username: 'hookrunner-admin' }, userAgent: 'hookrunner', requestReceivedTimestamp: '2026-12-06T10:00:00.000000Z', stageTimestamp: '2026-12-06T10:00:00.010000Z', responseStatus: { code: 200 }, objectRef: { resource: 'configmaps', namespace: 'a', name: id } });

describe('readAuditRequests', () => {
  it('should read the rotated backups before the log, oldest first, and skip a partial last line', async () => {
    const log = join(dir, 'audit.log');
    await writeFile(join(dir, 'audit-2026-12-06T10-00-01.000.log'), `${line('one', 'ResponseComplete', 'get')}\n`);
    await writeFile(join(dir, 'audit-2026-12-06T10-00-02.000.log'), `${line('two', 'ResponseStarted', 'watch')}\n`);
    await writeFile(log, `${line('three', 'RequestReceived', 'get')}\n${line('four', 'ResponseComplete', 'patch')}\n{"auditID":"fi`);
    const got = await readAuditRequests(log);
    expect(got.map((r) => [r.auditId, r.stage, r.verb])).toEqual([
      ['one', 'ResponseComplete', 'get'],
      ['two', 'ResponseStarted', 'watch'],
      ['four', 'ResponseComplete', 'patch'],
    ]);
    expect(got[0]).toMatchObject({ user: 'hookrunner-admin', userAgent: 'hookrunner', namespace: 'a', resource: 'configmaps', name: 'one', code: 200, time: Date.parse('2026-12-06T10:00:00.010Z') });
  });

  it('should give nothing before the log exists, and throw on any other failure to read it', async () => {
    expect(await readAuditRequests(join(dir, 'audit.log'))).toEqual([]);
    expect(await readAuditRequests(join(dir, 'missing', 'audit.log'))).toEqual([]);
    await mkdir(join(dir, 'audit.log')); // a directory where the log should be: EISDIR
    await expect(readAuditRequests(join(dir, 'audit.log'))).rejects.toThrow(/EISDIR/);
  });
});
