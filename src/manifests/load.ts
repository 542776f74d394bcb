import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { minimatch } from 'minimatch';
import { ManifestError } from './errors.js';
import { DEFAULT_SIZE_LIMITS, SIZE_LIMIT_VARIABLES, formatBytes } from './limits.js';
import type { ManifestLimits } from './limits.js';
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
  /**
   * Size limits (issue 14): each file is measured before it is read; an oversized file, too many
   * files, or too many bytes in all is an issue naming the file, its size and the limit.
   * @defaultValue {@link DEFAULT_SIZE_LIMITS}
   */
  limits?: Partial<ManifestLimits>;
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
  const limits: ManifestLimits = { ...DEFAULT_SIZE_LIMITS, ...options.limits };
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
  if (files.length > limits.maxFiles) {
    throw new ManifestError([{ file: paths.join(', '), line: 0, message: `${files.length} manifest files, over the limit of ${limits.maxFiles} files (${SIZE_LIMIT_VARIABLES.maxFiles})` }]);
  }
  let total = 0;
  for (const file of files) {
    let text: string;
    try {
      // Measured before reading: an oversized file is never loaded (issue 14).
      const { size } = await stat(file);
      if (size > limits.maxFileBytes) {
        issues.push({ file, line: 0, message: `${formatBytes(size)} (${size} bytes), over the manifest file limit of ${formatBytes(limits.maxFileBytes)} (${SIZE_LIMIT_VARIABLES.maxFileBytes}; Kubernetes stores no object over ~1.5 MiB)` });
        continue;
      }
      total += size;
      if (total > limits.maxTotalBytes) {
        issues.push({ file, line: 0, message: `the manifest files up to this one hold ${formatBytes(total)} (${total} bytes), over the limit of ${formatBytes(limits.maxTotalBytes)} for one application (${SIZE_LIMIT_VARIABLES.maxTotalBytes}); the rest was not read` });
        break;
      }
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
  options: Required<Omit<LoadOptions, 'limits'>>,
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
