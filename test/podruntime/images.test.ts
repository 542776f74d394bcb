import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInImages, loadImageMapping } from '../../src/devcluster/index.js';
import { ImageResolver, REPO_ROOT } from '../../src/podruntime/images.js';

describe('when mapping images to entrypoints', () => {
  it('should map hookrunner\'s own images to the local binary', () => {
    expect(existsSync(join(REPO_ROOT, 'bin', 'hookrunner'))).toBe(true);
    const resolver = new ImageResolver();
    expect(resolver.entrypoint('hookrunner/notifier:0.1.0')).toEqual([process.execPath, join(REPO_ROOT, 'bin', 'hookrunner'), 'notify']);
    expect(resolver.entrypoint('hookrunner/health-check:0.1.0')?.at(-1)).toBe('check');
    expect(resolver.entrypoint('nginx')).toBeUndefined();
    expect(Object.keys(builtInImages())).toEqual(['hookrunner/notifier:*', 'hookrunner/health-check:*', 'hookrunner/hookrunner:*']);
  });

  it('should try user patterns first, in order', () => {
    const resolver = new ImageResolver({ 'hookrunner/*:*': { entrypoint: ['mine'] }, 'hookrunner/notifier:*': { entrypoint: ['never'] } });
    expect(resolver.entrypoint('hookrunner/notifier:1')).toEqual(['mine']);
  });

  it('should load the documented example file', async () => {
    const mapping = await loadImageMapping(join(REPO_ROOT, 'images', 'dev-cluster.yaml'));
    expect(new ImageResolver(mapping).entrypoint('curlimages/curl:8.5.0')).toEqual(['/bin/sh', '-c']);
  });

  it('should refuse a malformed file naming the pattern', async () => {
    await expect(loadImageMapping(join(REPO_ROOT, 'package.json'))).rejects.toThrow(/entrypoint must be a non-empty list of strings/);
  });
});
