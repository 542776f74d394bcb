import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { minimatch } from 'minimatch';
import { ManifestError } from './errors.js';
import type { ManifestIssue } from './errors.js';
import { parseManifestText } from './parse.js';
import type { Manifest, Warning } from './types.js';

/** What {@link loadManifests} found: the objects in load order, and warnings such as an empty folder. */
export interface LoadResult {
  manifests: Manifest[];
  warnings: Warning[];
}

/** Options of {@link loadManifests}, shaped like an Argo CD directory source. */
export interface LoadOptions {
  /**
   * Walk sub-folders of a folder path (Argo CD `directory.recurse`). Folders whose name starts
   * with a dot (`.git`, ...) are never walked.
   * @defaultValue false
   */
  recurse?: boolean;
  /**
   * Globs a file must match to be read (Argo CD `directory.include`), matched against its path
   * relative to the folder given, e.g. `*.yaml`, `{pre-job,post-job}.yaml`, `jobs/**`.
   * @defaultValue every `.yaml`, `.yml` and `.json` file
   */
  include?: string[];
  /**
   * Globs of files to leave out (Argo CD `directory.exclude`), matched like `include`.
   * @defaultValue none
   */
  exclude?: string[];
}

/** File extensions a directory source reads. */
export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/**
 * Load every manifest under the given files and folders, in a stable order (folders are read in
 * byte order of their entries). Files named directly are read whatever their extension.
 * @throws ManifestError listing every unreadable path and invalid document, with file and line.
 */
export async function loadManifests(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const { recurse = false, include = [], exclude = [] } = options;
  const issues: ManifestIssue[] = [];
  const warnings: Warning[] = [];
  const files: string[] = [];

  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      issues.push({ file: path, line: 0, message: describeFsError(err) });
      continue;
    }
    if (info.isDirectory()) {
      const found = await listManifestFiles(path, { recurse, include, exclude }, issues);
      if (found.length === 0) {
        warnings.push({ file: path, line: 0, message: 'no .yaml, .yml or .json files found' + (recurse ? '' : ' (--recurse reads sub-folders)') });
      }
      files.push(...found);
    } else {
      files.push(path);
    }
  }

  const manifests: Manifest[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      issues.push({ file, line: 0, message: describeFsError(err) });
      continue;
    }
    const parsed = parseManifestText(text, file);
    manifests.push(...parsed.manifests);
    issues.push(...parsed.issues);
  }
  if (issues.length > 0) throw new ManifestError(issues);
  return { manifests, warnings };
}

async function listManifestFiles(
  root: string,
  options: Required<LoadOptions>,
  issues: ManifestIssue[],
): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      issues.push({ file: dir, line: 0, message: describeFsError(err) });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const target = await stat(full);
          isDir = target.isDirectory();
          isFile = target.isFile();
        } catch {
          continue; // a dangling link is not a manifest
        }
      }
      if (isDir) {
        if (options.recurse && !entry.name.startsWith('.')) await walk(full);
        continue;
      }
      if (!isFile || !MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) continue;
      const rel = relative(root, full).split(sep).join('/');
      if (options.exclude.some((g) => minimatch(rel, g, { dot: true }))) continue;
      if (options.include.length > 0 && !options.include.some((g) => minimatch(rel, g, { dot: true }))) continue;
      out.push(full);
    }
  };
  await walk(root);
  return out;
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
