/**
 * The real control plane (src/controlplane: etcd, kube-apiserver, controller manager, scheduler
 * as their own processes; the node agent in this process) for the sync bench, driven over IPC
 * like dev-cluster-child.ts (see children.ts). The API server audits every request of
 * hookrunner's user (`hookrunner-admin`, the admin kubeconfig the workers get) and everyone's
 * writes. Messages:
 * - → `{ type: 'ready', url, kubeconfig, tls, pids }` once up (`pids`: each component's, and
 *   this process's as `node-agent`);
 * - `resetWatchPeak` starts sampling `/metrics` (open WATCH requests of every client) each second;
 * - `dump` answers with hookrunner's audited writes (`audit`), its audited requests (`requests`,
 *   raw audit entries) and the sampled baseline and peak of every client's open watches;
 * - `stop` stops the control plane and exits.
 */
import { request } from 'node:https';
import { auditPolicyFor, readAuditRequests, startControlPlane } from '../../src/controlplane/index.js';
import type { TlsClient } from '../../src/controlplane/index.js';
import { HOOKRUNNER_USER, openWatchesFromMetrics } from './real-audit.js';

const SAMPLE_MS = 1_000;
/** Room for 1,000 apps' Deployment Pods and their hooks' Pods at once. */
const MAX_PODS = 2_500;

/** GET with the admin's certificate, no size cap (`/metrics` is a few MB), bounded in time. */
function httpsText(url: string, tls: TlsClient, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: tls.ca, cert: tls.cert, key: tls.key, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`GET ${url} answered ${String(res.statusCode)}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** `--controller-qps=<n>` (bench:sync's flag): the controller manager's client rate limit. */
function controllerArgs(): string[] {
  const m = /^--controller-qps=(\d+)$/.exec(process.argv.find((a) => a.startsWith('--controller-qps=')) ?? '');
  return m ? [`--kube-api-qps=${m[1]}`, `--kube-api-burst=${Number(m[1]) * 2}`] : [];
}

async function main(): Promise<void> {
  const cp = await startControlPlane({
    extraArgs: { 'kube-controller-manager': controllerArgs() },
    auditLog: true,
    auditPolicy: auditPolicyFor({ allRequestsOf: [HOOKRUNNER_USER], skipPaths: ['/metrics'] }),
    startTimeoutMs: 180_000,
    // Every app leaves its Deployment's Pod running: at a kubelet's default 110 the scheduler
    // leaves the 111th Pending and 200 apps stall half done (seen: 91/200 after 15 min).
    maxPods: MAX_PODS,
    onFailure: (err) => void process.send?.({ type: 'error', message: err.message }, () => process.exit(1)),
  });
  const tls = cp.adminTls();
  const sample = async (): Promise<number> => openWatchesFromMetrics(await httpsText(`${cp.url}/metrics`, tls, 10_000));
  let baseline = Number.NaN;
  let peak = Number.NaN;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    sample()
      .then((n) => void (peak = Number.isNaN(peak) ? n : Math.max(peak, n)))
      .catch((err: unknown) => console.error(`real cluster child: /metrics sample failed: ${err instanceof Error ? err.message : String(err)}`));
  };
  const pids = [...cp.components().filter((c) => c.name !== 'node-agent').map((c) => ({ name: c.name, pid: c.pid ?? 0 })), { name: 'node-agent', pid: process.pid }];
  process.send?.({ type: 'ready', url: cp.url, kubeconfig: cp.kubeconfig(), tls, pids });
  process.on('message', (msg: { type: string }) => {
    const reply = async (): Promise<void> => {
      if (msg.type === 'resetWatchPeak') {
        clearInterval(timer);
        baseline = await sample();
        peak = baseline;
        timer = setInterval(tick, SAMPLE_MS);
        process.send?.({ type: 'resetWatchPeak' });
      } else if (msg.type === 'dump') {
        clearInterval(timer);
        const audit = (await cp.audit()).filter((e) => e.source === 'api' && e.user === HOOKRUNNER_USER);
        const requests = cp.auditLogFile ? (await readAuditRequests(cp.auditLogFile)).filter((r) => r.user === HOOKRUNNER_USER) : [];
        process.send?.({ type: 'dump', audit, requests, now: Date.now(), watchesAll: { baseline, peak } });
      } else if (msg.type === 'stop') {
        clearInterval(timer);
        await cp.stop();
        process.exit(0);
      }
    };
    reply().catch((err: unknown) => process.send?.({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
  });
}

main().catch((err: unknown) => {
  process.send?.({ type: 'error', message: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
});
