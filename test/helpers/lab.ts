import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Options for a lab-shaped application (the seed's sync-phases folder), with shell commands as hooks. */
export interface LabOptions {
  /** The PreSync check: `exit 0` or `exit 1` (scenario 1), or any shell command. @defaultValue 'exit 0' */
  preJob?: string;
  /** Extra annotations of the pre-job (e.g. a delete policy). */
  preJobAnnotations?: Record<string, string>;
  postJobAnnotations?: Record<string, string>;
  failJobAnnotations?: Record<string, string>;
  /** Add the lab's invalid Pod (scenario 2). */
  invalidPod?: boolean;
  /** Give the pre-job a generateName instead of a name. */
  generateName?: boolean;
  /** Leave out the PostSync and SyncFail hooks. */
  withoutNotifiers?: boolean;
  /** Extra files: name → YAML. */
  extra?: Record<string, string>;
}

function annotations(all: Record<string, string>): string {
  const entries = Object.entries(all);
  if (entries.length === 0) return '';
  return `  annotations:\n${entries.map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`).join('\n')}\n`;
}

/** A busybox Job running `command` in `sh -c`, with these annotations (a hook when they say so). */
export function jobYaml(name: string, command: string, extra: Record<string, string> = {}, generate = false): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  ${generate ? `generateName: ${name}-` : `name: ${name}`}
${annotations(extra)}spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
          command: ["/bin/sh", "-c"]
          args: [${JSON.stringify(command)}]
`;
}

function job(name: string, hook: string, command: string, extra?: Record<string, string>, generate = false): string {
  return jobYaml(name, command, { 'argocd.argoproj.io/hook': hook, ...extra }, generate);
}

/** Write the lab's manifests into a new temp folder; returns it and a cleanup. */
export async function writeLab(options: LabOptions = {}): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'hookrunner-lab-'));
  const files: Record<string, string> = {
    'pre-job.yaml': job('health-check-pre-job', 'PreSync', options.preJob ?? "echo 'Mattermost is up and Running'; exit 0", options.preJobAnnotations, options.generateName),
    'service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: nginx
  annotations:
    argocd.argoproj.io/sync-wave: "-2"
spec:
  type: ClusterIP
  ports:
    - port: 80
      targetPort: 80
      name: http
  selector:
    app.kubernetes.io/name: nginx
`,
    'serviceaccount.yaml': `apiVersion: v1
kind: ServiceAccount
metadata:
  name: nginx
  annotations:
    argocd.argoproj.io/sync-wave: "-1"
`,
    'deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: nginx
  template:
    metadata:
      labels:
        app.kubernetes.io/name: nginx
    spec:
      containers:
        - name: nginx
          image: nginx
`,
    ...(options.withoutNotifiers
      ? {}
      : {
          'post-job.yaml': job('mattermost-post-job-success', 'PostSync', "echo 'The last sync is: Sync OK'", options.postJobAnnotations ?? { 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' }),
          'fail-job.yaml': job('mattermost-post-job-failure', 'SyncFail', "echo 'The last sync is: Sync Failed'", options.failJobAnnotations),
        }),
    ...(options.invalidPod
      ? {
          'fail-during-sync.yaml': `apiVersion: v1
kind: Pod
metadata:
  name: quick-fail-pod
spec:
  containers:
    - name: nginx
      image: nginx
      resources:
        limits:
          memory: "invalid-value"
`,
        }
      : {}),
    ...(options.extra ?? {}),
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
