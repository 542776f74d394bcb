/** The chaos suite's API client: applications and syncs through `/api/v1`, each call with a timeout and bounded retries. */
import { TOKEN } from './rig.js';

const AUTH = { Authorization: `Bearer ${TOKEN}` };

export function applicationYaml(name: string, repoURL: string): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  annotations:
    notifications.argoproj.io/subscribe.mattermost: chaos/deploys
spec:
  project: default
  source: { repoURL: "${repoURL}", path: app, targetRevision: main }
  destination: { server: https://kubernetes.default.svc, namespace: ${name} }
  syncPolicy: { syncOptions: [CreateNamespace=true] }
`;
}

async function call(url: string, init: RequestInit, what: string, attempts = 10): Promise<Response> {
  let last = '';
  for (let i = 0; i < attempts; i++) {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
      if (res.status < 500) return res;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, Math.min(2_000, 200 * 2 ** i)));
  }
  throw new Error(`${what}: no answer below 500 after ${attempts} attempts: ${last}`);
}

/** Register the application and start its sync; the operation id. */
export async function submitSync(base: string, name: string, repoURL: string): Promise<string> {
  const created = await call(`${base}/api/v1/applications`, { method: 'POST', headers: { ...AUTH, 'Content-Type': 'application/yaml' }, body: applicationYaml(name, repoURL) }, `create application ${name}`);
  if (created.status !== 201 && created.status !== 409) throw new Error(`create application ${name}: ${created.status} ${await created.text()}`);
  const res = await call(`${base}/api/v1/applications/${name}/sync`, { method: 'POST', headers: { ...AUTH, 'Content-Type': 'application/json' }, body: '{}' }, `sync ${name}`);
  const body = (await res.json()) as OperationDocument;
  if (res.status !== 202) throw new Error(`sync ${name}: ${res.status} ${JSON.stringify(body)}`);
  return body.operation.id;
}

export interface OperationDocument {
  operation: { id: string; phase: string; message?: string; startedAt?: string | null; finishedAt?: string | null };
}

/** The operation, `'missing'` on 404, `'gone'` on 410 (lost in a Redis data loss the service detected), undefined when no replica answers. */
export async function readOperation(bases: string[], id: string): Promise<OperationDocument | 'missing' | 'gone' | undefined> {
  for (const base of bases) {
    try {
      const res = await fetch(`${base}/api/v1/operations/${id}`, { headers: AUTH, signal: AbortSignal.timeout(5_000) });
      if (res.status === 404) return 'missing';
      if (res.status === 410) return 'gone';
      if (res.status === 200) return (await res.json()) as OperationDocument;
    } catch {
      // try the next replica
    }
  }
  return undefined;
}
