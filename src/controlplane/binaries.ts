/**
 * Where the control plane's binaries are: `$KUBEBUILDER_ASSETS` (the envtest convention) first,
 * then the folder `npm run control-plane:build` wrote (`scripts/control-plane-build.sh`), found
 * through its stamp files under the cache root.
 */
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ControlPlaneError } from './errors.js';

export const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
export type Component = (typeof COMPONENTS)[number];

export type Binaries = Record<Component, string>;

export interface FindBinariesOptions {
  /** A folder holding all four binaries; overrides the search. @defaultValue undefined */
  dir?: string;
  /** Environment read for `KUBEBUILDER_ASSETS`, `HOOKRUNNER_CONTROL_PLANE_CACHE`, `XDG_CACHE_HOME`, `HOME`. @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The cache root of `control-plane:build` (the same rule as the script). */
export function cacheRoot(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.HOOKRUNNER_CONTROL_PLANE_CACHE || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'hookrunner', 'control-plane');
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Build folders under the cache root, newest first. */
function buildFolders(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names
    .map((name) => join(root, name))
    .filter((dir) => {
      try {
        return statSync(dir).isDirectory();
      } catch {
        return false;
      }
    })
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
}

/** Every binary's path; ControlPlaneError listing what is missing and how to get it. */
export function findBinaries(options: FindBinariesOptions = {}): Binaries {
  const env = options.env ?? process.env;
  const folders = options.dir ? [options.dir] : [...(env.KUBEBUILDER_ASSETS ? [env.KUBEBUILDER_ASSETS] : []), ...buildFolders(cacheRoot(env))];
  const found: Partial<Binaries> = {};
  const missing: Component[] = [];
  for (const name of COMPONENTS) {
    const dir = folders.find((d) => executable(join(d, name)) && (d === options.dir || d === env.KUBEBUILDER_ASSETS || stamped(d, name)));
    if (dir) found[name] = join(dir, name);
    else missing.push(name);
  }
  if (missing.length > 0) {
    throw new ControlPlaneError(
      `the real control plane needs ${missing.join(', ')}: run \`npm run control-plane:build\` (Go and the Go module proxy), or set KUBEBUILDER_ASSETS to a folder that has them (searched: ${folders.length > 0 ? folders.join(', ') : `nothing under ${cacheRoot(env)}`})`,
    );
  }
  return found as Binaries;
}

function stamped(dir: string, name: string): boolean {
  try {
    return statSync(join(dir, `.built-${name}`)).isFile();
  } catch {
    return false;
  }
}
