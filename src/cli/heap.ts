/**
 * How far V8 lets the heap grow past what survived the last full collection, for the long-lived
 * roles (`worker`, `serve`). V8's own factor (up to 4× for a process allocating fast) let a worker
 * with 1,000 operations in flight reach 425 MB RSS while less than 100 MB of its heap was alive
 * (bench/README.md, "Worker memory"); 20 % keeps it near what is alive for about the same CPU.
 * `HOOKRUNNER_HEAP_GROWING_PERCENT` overrides it (10–400; below 10 the collector would run almost
 * without pause); 0 leaves V8's default, and so does a `--heap-growing-percent` node flag, which wins.
 */
import v8 from 'node:v8';

/** @defaultValue 20 */
export const DEFAULT_HEAP_GROWING_PERCENT = 20;

/** The percent to use, or a message naming the bad value. */
export function heapGrowingPercent(env: Readonly<Record<string, string | undefined>>): number | string {
  const raw = env['HOOKRUNNER_HEAP_GROWING_PERCENT'];
  if (raw === undefined || raw.trim() === '') return DEFAULT_HEAP_GROWING_PERCENT;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value > 400 || (value > 0 && value < 10)) return `HOOKRUNNER_HEAP_GROWING_PERCENT must be 0 (V8's default) or a whole number from 10 to 400, got ${JSON.stringify(raw)}`;
  return value;
}

/** Apply {@link heapGrowingPercent} to this process; returns the message of a bad value instead. */
export function configureHeapGrowth(env: Readonly<Record<string, string | undefined>>, execArgv: readonly string[] = process.execArgv): string | undefined {
  const percent = heapGrowingPercent(env);
  if (typeof percent === 'string') return percent;
  const nodeFlag = execArgv.some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a));
  if (percent > 0 && !nodeFlag) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return undefined;
}
