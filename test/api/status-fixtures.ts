/** Fixtures of the application status and automated sync tests: an app of a Deployment, a ConfigMap and a PostSync hook. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { ApplicationStatus } from '../../src/status/index.js';
import type { Backend } from '../helpers/backends.js';
import { createKubectl } from '../helpers/kubectl.js';
import type { Kubectl } from '../helpers/kubectl.js';
import { jobYaml } from '../helpers/lab.js';
import { AUTH } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';

export const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: nginx
`;
export const configMap = (mode: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: ${mode}
`;

/** An app of a Deployment, a ConfigMap and a PostSync hook Job. */
export function statusRepoFiles(mode = 'a'): Record<string, string> {
  return {
    'app/deployment.yaml': DEPLOYMENT,
    'app/config.yaml': configMap(mode),
    'app/post.yaml': jobYaml('post', 'echo synced', { 'argocd.argoproj.io/hook': 'PostSync' }),
  };
}

export function statusApplication(input: { name: string; repoURL: string; namespace: string; automated?: string; project?: string }): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${input.name}
spec:
  project: ${input.project ?? 'default'}
  source: { repoURL: ${input.repoURL}, path: app, targetRevision: main }
  destination: { server: https://kubernetes.default.svc, namespace: ${input.namespace} }
  syncPolicy:
${input.automated ? `    automated: ${input.automated}\n` : ''}    syncOptions: [CreateNamespace=true]
`;
}

/** GET the application until `predicate` holds for its status (watches make it change; this only reads). */
export async function statusUntil(h: ApiHarness, name: string, predicate: (s: ApplicationStatus) => boolean, what: string, timeoutMs = 60_000): Promise<ApplicationStatus> {
  const started = Date.now();
  let last: ApplicationStatus | undefined;
  while (Date.now() - started < timeoutMs) {
    const res = await request(h.app).get(`/api/v1/applications/${name}`).set(AUTH);
    last = (res.body as { status: ApplicationStatus }).status;
    if (last && predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name}: ${what} not reached in ${timeoutMs} ms; last status ${JSON.stringify(last?.sync)} ${JSON.stringify(last?.health)} ${JSON.stringify(last?.resources)}`);
}

/** The real kubectl against the harness's cluster, its caches in a temp folder `remove()` deletes. */
export async function kubectlFor(h: ApiHarness): Promise<{ kubectl: Kubectl; remove: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'hookrunner-kubectl-'));
  const kubeconfig = join(home, 'kubeconfig');
  await h.testCluster?.writeKubeconfig(kubeconfig);
  return { kubectl: await createKubectl(kubeconfig, home), remove: () => rm(home, { recursive: true, force: true }) };
}

/** A live edit of the Deployment's replicas: `kubectl scale` on the real backend, a merge patch on the dev cluster (it has no scale subresource). */
export function scaleWeb(kubectl: Kubectl, backend: Backend, namespace: string, replicas: number): Promise<string> {
  return backend === 'real'
    ? kubectl.ok(['scale', 'deployment/web', '-n', namespace, `--replicas=${replicas}`])
    : kubectl.ok(['patch', 'deployment/web', '-n', namespace, '--type', 'merge', '-p', JSON.stringify({ spec: { replicas } })]);
}
