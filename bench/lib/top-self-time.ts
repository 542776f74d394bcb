/**
 * `tsx bench/lib/top-self-time.ts <file.cpuprofile | dir> [--top n]`: the functions with the most
 * self time in V8 CPU profiles (`node --cpu-prof`), as `function file:line`, one table per file;
 * `--window <fromUs>-<toUs>` counts only the samples in that span (the sync bench prints its runs' spans).
 * Positions in dist/*.js are mapped to src/*.ts through their source maps when present.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import type { SourceMapPayload } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  /** Microseconds on the monotonic clock (`process.hrtime`'s, in µs, on Linux). */
  startTime: number;
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  functionName: string;
  url: string;
  /** 1-based. */
  line: number;
  column: number;
  selfMs: number;
  /** Share of the profile's non-idle time, 0–1. */
  share: number;
  /** For a native function (no url): its nearest caller in a file (not in node's internals). */
  via?: { functionName: string; url: string; line: number; column: number };
}

type Frame = CpuProfile['nodes'][number]['callFrame'];

/** For each native node (no url), its nearest ancestor in a file (not a node: internal). */
function jsCallers(profile: CpuProfile): Map<number, Frame> {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frameOf = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const out = new Map<number, Frame>();
  for (const n of profile.nodes) {
    if (n.callFrame.url !== '') continue;
    for (let p = parent.get(n.id); p !== undefined; p = parent.get(p)) {
      const f = frameOf.get(p);
      if (f?.url.startsWith('file://')) {
        out.set(n.id, f);
        break;
      }
    }
  }
  return out;
}

/**
 * Self time per function (name, url, line — nodes of the same function under different callers
 * are summed), longest first, `(idle)` left out. A sample's duration is the time until the next
 * sample (the last one gets the mean interval). With `window` (µs on the profile's clock, which
 * is `process.hrtime.bigint() / 1000n` of any process on Linux), only samples within it count.
 */
export function selfTimes(profile: CpuProfile, window?: { fromUs: number; toUs: number }): SelfTime[] {
  const frameOf = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const callers = jsCallers(profile);
  const { samples, timeDeltas } = profile;
  const mean = timeDeltas.length > 1 ? timeDeltas.slice(1).reduce((a, b) => a + b, 0) / (timeDeltas.length - 1) : 0;
  const byFunction = new Map<string, SelfTime>();
  let total = 0;
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const id = samples[i] ?? -1;
    const frame = frameOf.get(id);
    if (!frame || frame.functionName === '(idle)') continue;
    const us = i + 1 < timeDeltas.length ? (timeDeltas[i + 1] ?? 0) : mean;
    const caller = callers.get(id);
    const key = `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}\u0000${caller ? `${caller.url}:${caller.lineNumber}:${caller.columnNumber}` : ''}`;
    const via = caller ? { via: { functionName: caller.functionName || '(anonymous)', url: caller.url, line: caller.lineNumber + 1, column: caller.columnNumber + 1 } } : {};
    const entry = byFunction.get(key) ?? { functionName: frame.functionName || '(anonymous)', url: frame.url, line: frame.lineNumber + 1, column: frame.columnNumber + 1, selfMs: 0, share: 0, ...via };
    entry.selfMs += us / 1000;
    total += us / 1000;
    byFunction.set(key, entry);
  }
  return [...byFunction.values()].map((e) => ({ ...e, share: total > 0 ? e.selfMs / total : 0 })).sort((a, b) => b.selfMs - a.selfMs);
}

const maps = new Map<string, SourceMap | undefined>();

/** `file:line` of a frame, mapped through `<file>.map` when there is one, relative to the repository when inside it. */
export function locate(entry: Pick<SelfTime, 'url' | 'line' | 'column'>, root: string): string {
  if (!entry.url.startsWith('file://')) return entry.url ? `${entry.url}:${entry.line}` : '(native)';
  const file = fileURLToPath(entry.url);
  if (!maps.has(file)) {
    const mapFile = `${file}.map`;
    maps.set(file, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload) : undefined);
  }
  const found = maps.get(file)?.findEntry(entry.line - 1, entry.column - 1);
  if (found && 'originalSource' in found && found.originalSource) {
    const source = found.originalSource.startsWith('file://') ? fileURLToPath(found.originalSource) : resolve(file, '..', found.originalSource);
    return `${relative(root, source)}:${found.originalLine + 1}`;
  }
  const rel = relative(root, file);
  const modules = file.lastIndexOf('/node_modules/');
  return `${modules >= 0 ? file.slice(modules + 1) : rel.startsWith('..') ? file : rel}:${entry.line}`;
}

/** The top `n` lines of one profile, for printing. */
export function topLines(profile: CpuProfile, n: number, root: string, window?: { fromUs: number; toUs: number }): string[] {
  return selfTimes(profile, window)
    .slice(0, n)
    .map((e) => `${e.selfMs.toFixed(0).padStart(7)} ms ${(e.share * 100).toFixed(1).padStart(5)} %  ${e.functionName}  ${locate(e, root)}${e.via ? `  ← ${e.via.functionName}  ${locate(e.via, root)}` : ''}`);
}

/** Every `.cpuprofile` under a path (a file, or a directory searched recursively). */
export function profileFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? profileFiles(join(path, d.name)) : d.name.endsWith('.cpuprofile') ? [join(path, d.name)] : []));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const windowAt = args.indexOf('--window');
  const n = topAt >= 0 ? Number(args[topAt + 1]) : 15;
  const [fromUs, toUs] = windowAt >= 0 ? (args[windowAt + 1] ?? '').split('-').map(Number) : [];
  const window = fromUs !== undefined && toUs !== undefined ? { fromUs, toUs } : undefined;
  const flagged = new Set([...(topAt >= 0 ? [topAt, topAt + 1] : []), ...(windowAt >= 0 ? [windowAt, windowAt + 1] : [])]);
  const paths = args.filter((_, i) => !flagged.has(i));
  if (paths.length === 0 || !Number.isInteger(n) || n <= 0 || (window && !(window.fromUs < window.toUs))) {
    process.stderr.write('usage: tsx bench/lib/top-self-time.ts <file.cpuprofile | dir>... [--top n] [--window <fromUs>-<toUs>]\n');
    process.exit(2);
  }
  const root = resolve(import.meta.dirname, '..', '..');
  for (const file of paths.flatMap(profileFiles)) {
    console.log(`${relative(process.cwd(), file)}:`);
    for (const line of topLines(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, n, root, window)) console.log(`  ${line}`);
  }
}
