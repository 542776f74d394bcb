/** Output formats and the small renderings every `hookrunner app` command shares. */
import { InvalidArgumentError } from 'commander';
import { stringify as toYaml } from 'yaml';
import { formatMs } from '../../util/index.js';

/** `-o`: the default table, `wide` (more columns), or the document as `json` or `yaml`. */
export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml';

export function parseOutputFormat(value: string): OutputFormat {
  if (value === 'table' || value === 'wide' || value === 'json' || value === 'yaml') return value;
  throw new InvalidArgumentError(`must be json, yaml or wide (or table, the default), got "${value}"`);
}

/** `-o` of the commands that follow an operation (`sync`, `delete`): the result table, or the document. */
export type OperationOutput = 'table' | 'json' | 'yaml';

export function parseOperationOutput(value: string): OperationOutput {
  if (value === 'table' || value === 'json' || value === 'yaml') return value;
  throw new InvalidArgumentError(`must be json or yaml (or table, the default), got "${value}"`);
}

/** The document as `-o json` (2-space indent) or `-o yaml` prints it, ending in a newline. */
export function renderDocument(doc: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : toYaml(doc, { lineWidth: 0 });
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * A timestamp in local time with its UTC offset, `2026-12-05 11:31:02 +01:00` (the process's
 * time zone: `TZ`). Not a timestamp: as given; absent: `-`.
 */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** How long ago, kubectl-style: `45s`, `3m`, `2h`, `4d`. */
export function age(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '-';
  const ms = now - Date.parse(iso);
  if (Number.isNaN(ms)) return '-';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 2 * 3600) return `${Math.floor(s / 60)}m`;
  if (s < 2 * 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** The run time of an operation: from start to finish, or to now while it runs. */
export function duration(startedAt: string, finishedAt: string | null, now: number = Date.now()): string {
  const start = Date.parse(startedAt);
  const end = finishedAt ? Date.parse(finishedAt) : now;
  return Number.isNaN(start) || Number.isNaN(end) ? '-' : formatMs(Math.max(0, end - start));
}

/** A git commit as tables show it (7 hex digits); anything else as it is. */
export function shortRevision(revision: string | null | undefined): string {
  if (!revision) return '-';
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 7) : revision;
}

/** One line of at most `width` characters. */
export function oneLine(text: string, width = 100): string {
  const flat = text.replace(/\s*\n\s*/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

/** Whether to colour: a terminal, and neither `NO_COLOR` nor `TERM=dumb` (https://no-color.org). */
export function useColour(isTTY: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  return isTTY === true && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}
