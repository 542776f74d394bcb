/** Fixtures of the application status and automated sync tests: an app of a Deployment, a ConfigMap and a PostSync hook. */
import request from 'supertest';
import type { ApplicationStatus } from '../../src/status/index.js';
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

export function statusApplication(input: { name: string; repoURL: string; namespace: string; automated?: string }): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${input.name}
spec:
  project: default
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
