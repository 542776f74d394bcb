/** The kubeconfig that points kubectl and client libraries at the dev cluster. */
import { stringify } from 'yaml';

export const CONTEXT_NAME = 'dev-cluster';

/** YAML with one cluster, one user (a bearer token) and a `dev-cluster` context in `default`. */
export function renderKubeconfig(options: { server: string; token: string }): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT_NAME, cluster: { server: options.server } }],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: CONTEXT_NAME, namespace: 'default' } }],
    'current-context': CONTEXT_NAME,
    preferences: {},
    users: [{ name: CONTEXT_NAME, user: { token: options.token } }],
  });
}
