/**
 * A dev cluster in its own process for benchmarks, so its CPU is measured apart. Driven over
 * IPC: it sends `{ url }` when ready; on `'dump'` it sends its audit log and CPU time, then stops.
 */
import { startDevCluster } from '../../src/devcluster/index.js';

const cluster = await startDevCluster({ port: 0, workloadReadyDelayMs: Number(process.env['READY_DELAY_MS'] ?? '100'), auditSize: 1_000_000 });
const cpuStart = process.cpuUsage();
process.send?.({ url: cluster.url });
process.on('message', (msg) => {
  if (msg !== 'dump') return;
  const cpu = process.cpuUsage(cpuStart);
  process.send?.({ audit: cluster.audit(), cpuMs: (cpu.user + cpu.system) / 1000 }, () => {
    void cluster.stop().then(() => process.exit(0));
  });
});
