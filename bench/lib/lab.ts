/**
 * The sync bench's lab-like application: PreSync hook Job → Service (wave -2) → ServiceAccount
 * (wave -1) → Deployment → PostSync hook Job (5 tasks, 2 hook transitions).
 */
export const LAB = `apiVersion: batch/v1
kind: Job
metadata:
  name: pre-job
  annotations: { argocd.argoproj.io/hook: PreSync }
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: check, image: busybox, command: [sh, -c, "true"] }]
---
apiVersion: v1
kind: Service
metadata: { name: nginx, annotations: { argocd.argoproj.io/sync-wave: "-2" } }
spec: { ports: [{ port: 80 }], selector: { app: nginx } }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: nginx, annotations: { argocd.argoproj.io/sync-wave: "-1" } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: nginx }
spec:
  selector: { matchLabels: { app: nginx } }
  template:
    metadata: { labels: { app: nginx } }
    spec: { containers: [{ name: nginx, image: nginx }] }
---
apiVersion: batch/v1
kind: Job
metadata:
  name: post-job
  annotations: { argocd.argoproj.io/hook: PostSync }
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: notify, image: busybox, command: [sh, -c, "true"] }]
`;
