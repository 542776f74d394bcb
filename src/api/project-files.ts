/** `hookrunner serve --projects-dir DIR`: every AppProject document in DIR, validated; errors name the file. */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseProject } from '../projects/index.js';
import type { ProjectSpec } from '../projects/index.js';

/** Largest project file read. */
const MAX_FILE_BYTES = 1024 * 1024;
/** Most project files read from one folder. */
const MAX_FILES = 1000;

export class ProjectFileError extends Error {
  override readonly name = 'ProjectFileError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

export interface LoadedProject {
  name: string;
  spec: ProjectSpec;
  original: Record<string, unknown>;
  file: string;
}

/**
 * Read every `*.yaml`, `*.yml` and `*.json` file of `dir` (not recursing; files starting with `.`
 * skipped, as a mounted ConfigMap's `..data` links are), each one AppProject (YAML files may hold
 * several documents). A project defined twice is an error naming both files.
 * @throws ProjectFileError naming the file and the field
 */
export async function loadProjectsDir(dir: string): Promise<LoadedProject[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir)).filter((f) => !f.startsWith('.') && /\.(ya?ml|json)$/i.test(f)).sort();
  } catch (err) {
    throw new ProjectFileError(dir, `cannot read the projects folder: ${(err as Error).message}`);
  }
  if (entries.length > MAX_FILES) throw new ProjectFileError(dir, `holds ${entries.length} project files; at most ${MAX_FILES} are read`);
  const out: LoadedProject[] = [];
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const file = join(dir, entry);
    const info = await stat(file);
    if (!info.isFile()) continue;
    if (info.size > MAX_FILE_BYTES) throw new ProjectFileError(file, `is ${info.size} bytes; at most ${MAX_FILE_BYTES} are read`);
    const text = await readFile(file, 'utf8');
    for (const [i, doc] of parseDocuments(file, text).entries()) {
      const parsed = parseProject(doc);
      const where = `document ${i + 1}`;
      if (!parsed.ok) throw new ProjectFileError(file, `${where}: ${parsed.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
      const earlier = seen.get(parsed.name);
      if (earlier) throw new ProjectFileError(file, `project ${parsed.name} is also defined in ${earlier}`);
      seen.set(parsed.name, file);
      out.push({ name: parsed.name, spec: parsed.spec, original: doc, file });
    }
  }
  return out;
}

function parseDocuments(file: string, text: string): Record<string, unknown>[] {
  let values: unknown[];
  if (/\.json$/i.test(file)) {
    try {
      values = [JSON.parse(text)];
    } catch (err) {
      throw new ProjectFileError(file, `is not valid JSON: ${(err as Error).message}`);
    }
  } else {
    const docs = parseAllDocuments(text, { prettyErrors: true }).filter((d) => d.contents !== null || d.errors.length > 0);
    values = docs.map((d) => {
      const error = d.errors[0];
      if (error) throw new ProjectFileError(file, `is not valid YAML: ${error.message.split('\n')[0] ?? ''}`);
      return d.toJS({ maxAliasCount: 100 }) as unknown;
    });
  }
  return values.map((v, i) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProjectFileError(file, `document ${i + 1} must be an AppProject object`);
    return v as Record<string, unknown>;
  });
}
