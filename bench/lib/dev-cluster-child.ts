/**
 * A dev cluster in its own process for benchmarks, so its CPU and memory are measured apart.
 * Driven over IPC (see children.ts): it sends `{ type: 'ready', url }`; `resetWatchPeak` starts
 * a new watch peak; `dump` answers with the audit log, the request log and the watch peak;
 * `stop` stops it and exits.
 */
import { startDevCluster } from '../../src/devcluster/index.js';

const cluster = await startDevCluster({ port: 0, workloadReadyDelayMs: Number(process.env['READY_DELAY_MS'] ?? '100'), auditSize: 2_000_000, requestLogSize: 2_000_000 });
process.send?.({ type: 'ready', url: cluster.url });
process.on('message', (msg: { type: string }) => {
  if (msg.type === 'resetWatchPeak') {
    cluster.resetWatchPeak();
    process.send?.({ type: 'resetWatchPeak' });
  } else if (msg.type === 'dump') {
    process.send?.({ type: 'dump', audit: cluster.audit(), requests: cluster.requests(), watchesPeak: cluster.watchGauge().peak });
  } else if (msg.type === 'stop') {
    void cluster.stop().then(() => process.exit(0));
  }
});
