import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIZE_LIMITS, ManifestError, loadManifests, parseSize, sizeLimitsFromEnv } from '../../src/manifests/index.js';

describe('manifest size limits (issue 14)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-limits-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should read sizes in bytes or with a binary suffix, and name the variable of a bad one', () => {
    expect(parseSize('1048576', 'x')).toBe(1024 * 1024);
    expect(parseSize('512Ki', 'x')).toBe(512 * 1024);
    expect(sizeLimitsFromEnv({ HOOKRUNNER_MAX_MANIFESTS_SIZE: '8Mi' })).toEqual({ ...DEFAULT_SIZE_LIMITS, maxTotalBytes: 8 * 1024 * 1024 });
    expect(() => sizeLimitsFromEnv({ HOOKRUNNER_MAX_MANIFEST_FILE_SIZE: '-1' })).toThrow(/^HOOKRUNNER_MAX_MANIFEST_FILE_SIZE: "-1" is not a positive size/);
    expect(() => sizeLimitsFromEnv({ HOOKRUNNER_MAX_BODY_SIZE: '1MB' })).toThrow(/HOOKRUNNER_MAX_BODY_SIZE/);
  });

  it('should refuse a local file over the limit by its size, without parsing it, and load the others', async () => {
    const big = join(dir, 'big.yaml');
    // Not even YAML: the size check comes first, so no parse error is reported.
    await writeFile(big, '{'.repeat(2048));
    await writeFile(join(dir, 'ok.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ok }\n');
    const err: unknown = await loadManifests([dir], { limits: { maxFileBytes: 1024 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManifestError);
    expect((err as ManifestError).issues).toEqual([{ file: big, line: 0, message: '2 KiB (2048 bytes), over the manifest file limit of 1 KiB (HOOKRUNNER_MAX_MANIFEST_FILE_SIZE; Kubernetes stores no object over ~1.5 MiB)' }]);
    expect((await loadManifests([join(dir, 'ok.yaml')], { limits: { maxFileBytes: 1024 } })).manifests).toHaveLength(1);
  });
});
