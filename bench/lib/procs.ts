/** CPU time and peak memory of local processes, from /proc (Linux), and Redis's own CPU figure. */
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';

/** User + system CPU of a process so far, in ms (10 ms resolution: clock ticks of 1/100 s). */
export async function procCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Peak resident set size of a live process (VmHWM), in MB; NaN when it cannot be read. */
export async function procPeakRssMb(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? Number.NaN : Number(kb) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Redis's used_cpu_user + used_cpu_sys so far, in ms (microsecond resolution). */
export async function redisCpuMs(url: string): Promise<number> {
  const r = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
  try {
    const info = await r.info('cpu');
    const get = (k: string): number => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
    return (get('used_cpu_user') + get('used_cpu_sys')) * 1000;
  } finally {
    r.disconnect();
  }
}
