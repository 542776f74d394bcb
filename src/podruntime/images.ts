/**
 * Image mapping: which argv a container runs when it has no `command`.
 *
 * File format (`hookrunner dev-cluster --images FILE`, YAML; the `images` option takes the same
 * map): keys are glob patterns on the image reference (minimatch; `*` does not cross `/`), values
 * `{ entrypoint: [argv…] }`. The container's `args` are appended to the entrypoint. User patterns
 * are tried in file order before the built-in ones.
 *
 * ```yaml
 * "hookrunner/notifier:*":
 *   entrypoint: ["/usr/bin/node", "/opt/hookrunner/bin/hookrunner", "notify"]
 * "python:3*":
 *   entrypoint: ["python3"]
 * ```
 *
 * Built in: `hookrunner/notifier:*` → `node <repo>/bin/hookrunner notify`,
 * `hookrunner/health-check:*` → `… check`, `hookrunner/hookrunner:*` → `node <repo>/bin/hookrunner`.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { minimatch } from 'minimatch';
import { parse as parseYaml } from 'yaml';
import { PodRuntimeConfigError } from './errors.js';
import { isRecord } from '../util/json.js';

export interface ImageEntry {
  /** argv run when a container of a matching image has no `command`. */
  entrypoint: string[];
}

/** Image pattern → entry. */
export type ImageMapping = Record<string, ImageEntry>;

/** The repository root, from this module's location (`src/podruntime` or `dist/podruntime`). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function builtInImages(): ImageMapping {
  const bin = [process.execPath, `${REPO_ROOT}bin/hookrunner`];
  return {
    'hookrunner/notifier:*': { entrypoint: [...bin, 'notify'] },
    'hookrunner/health-check:*': { entrypoint: [...bin, 'check'] },
    'hookrunner/hookrunner:*': { entrypoint: [...bin] },
  };
}

/** Check a mapping's shape; PodRuntimeConfigError naming the bad field. */
export function validateImageMapping(value: unknown, source: string): ImageMapping {
  if (value === null || value === undefined) return {};
  if (!isRecord(value)) throw new PodRuntimeConfigError(`${source}: must be a map of image pattern → { entrypoint: [...] }`);
  const out: ImageMapping = {};
  for (const [pattern, entry] of Object.entries(value)) {
    const ep = isRecord(entry) ? entry.entrypoint : undefined;
    if (!Array.isArray(ep) || ep.length === 0 || !ep.every((s) => typeof s === 'string' && s.length > 0)) {
      throw new PodRuntimeConfigError(`${source}: "${pattern}".entrypoint must be a non-empty list of strings`);
    }
    out[pattern] = { entrypoint: [...(ep as string[])] };
  }
  return out;
}

export async function loadImageMapping(file: string): Promise<ImageMapping> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PodRuntimeConfigError(`cannot read image mapping ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text) as unknown;
  } catch (err) {
    throw new PodRuntimeConfigError(`image mapping ${file} is not valid YAML: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return validateImageMapping(parsed, file);
}

/** Finds the entrypoint for an image: user patterns first, then the built-ins. */
export class ImageResolver {
  private readonly entries: [string, ImageEntry][];

  constructor(user: ImageMapping = {}) {
    this.entries = [...Object.entries(user), ...Object.entries(builtInImages())];
  }

  entrypoint(image: string): string[] | undefined {
    for (const [pattern, entry] of this.entries) if (minimatch(image, pattern)) return [...entry.entrypoint];
    return undefined;
  }
}
