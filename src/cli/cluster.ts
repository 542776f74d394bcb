/** Connect to the cluster for a command and make sure it answers before anything is started. */
import { createClusterClient } from '../cluster/index.js';
import type { ClusterClient } from '../cluster/types.js';
import { errorMessage } from '../util/index.js';

export interface ConnectOptions {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
}

/** Client-side rate limit from `HOOKRUNNER_KUBE_QPS` / `HOOKRUNNER_KUBE_BURST` (defaults 50/100, as Argo CD's controller). */
function rateLimit(env: ConnectOptions['env']): { qps?: number; burst?: number } {
  const num = (name: string): number | undefined => {
    const v = Number(env[name]);
    return Number.isFinite(v) && v > 0 ? v : undefined;
  };
  const qps = num('HOOKRUNNER_KUBE_QPS');
  const burst = num('HOOKRUNNER_KUBE_BURST');
  return { ...(qps ? { qps } : {}), ...(burst ? { burst } : {}) };
}

export async function connectCluster(options: ConnectOptions): Promise<{ client: ClusterClient } | { error: string }> {
  let client: ClusterClient;
  try {
    client = createClusterClient({
      ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
      ...(options.context ? { context: options.context } : {}),
      env: options.env,
      // The client's default retries (6 attempts, 200 ms doubling to 10 s): with 3, a cluster
      // answering 15% of requests with 429/5xx failed about one hook finalizer removal in 24 syncs.
      ...rateLimit(options.env),
    });
  } catch (err) {
    return { error: errorMessage(err) };
  }
  try {
    if (!(await client.resourceInfo('v1', 'Namespace'))) throw new Error('the API server does not serve v1 Namespaces');
  } catch (err) {
    client.close();
    return { error: `cannot reach the cluster: ${errorMessage(err)}` };
  }
  return { client };
}
