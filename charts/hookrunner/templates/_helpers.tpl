{{/* vim: set filetype=mustache: */}}

{{/*
Chart name, overridable with nameOverride.
Usage: include "hookrunner.name" $
*/}}
{{- define "hookrunner.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
chart label value: <name>-<version>.
Usage: include "hookrunner.chart" $
*/}}
{{- define "hookrunner.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The one name helper: the release's resource-name prefix, or the name of one component
(`<prefix>-<component>`), always at most 63 characters with the component suffix kept whole.
Usage: include "hookrunner.fullname" (dict "context" $)
       include "hookrunner.fullname" (dict "context" $ "component" "worker")
*/}}
{{- define "hookrunner.fullname" -}}
{{- $ctx := .context -}}
{{- $base := "" -}}
{{- if $ctx.Values.fullnameOverride -}}
{{- $base = $ctx.Values.fullnameOverride -}}
{{- else -}}
{{- $name := default $ctx.Chart.Name $ctx.Values.nameOverride -}}
{{- if contains $name $ctx.Release.Name -}}
{{- $base = $ctx.Release.Name -}}
{{- else -}}
{{- $base = printf "%s-%s" $ctx.Release.Name $name -}}
{{- end -}}
{{- end -}}
{{- if .component -}}
{{- $room := sub 62 (len .component) | int -}}
{{- printf "%s-%s" ($base | trunc $room | trimSuffix "-") .component -}}
{{- else -}}
{{- $base | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/*
Selector labels (immutable on Deployments: never add version-like values here).
Usage: include "hookrunner.selectorLabels" (dict "context" $ "component" "api")
*/}}
{{- define "hookrunner.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hookrunner.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end -}}

{{/*
Kubernetes recommended labels plus commonLabels.
Usage: include "hookrunner.labels" (dict "context" $ "component" "api")
*/}}
{{- define "hookrunner.labels" -}}
helm.sh/chart: {{ include "hookrunner.chart" .context }}
{{ include "hookrunner.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: hookrunner
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
{{- with .context.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Image reference; an empty tag means the chart's appVersion.
Usage: include "hookrunner.image" (dict "context" $ "image" .Values.image)
*/}}
{{- define "hookrunner.image" -}}
{{- printf "%s:%s" .image.repository (default .context.Chart.AppVersion .image.tag) -}}
{{- end -}}

{{/*
ServiceAccount name of a component (api or worker).
Usage: include "hookrunner.serviceAccountName" (dict "context" $ "component" "worker")
*/}}
{{- define "hookrunner.serviceAccountName" -}}
{{- $sa := (index .context.Values .component).serviceAccount -}}
{{- if $sa.create -}}
{{- default (include "hookrunner.fullname" .) $sa.name -}}
{{- else -}}
{{- default "default" $sa.name -}}
{{- end -}}
{{- end -}}

{{/*
Is any process running steps with the Kubernetes API (a worker Deployment or an all-in-one API)?
Usage: if (include "hookrunner.worker.runs" $)
*/}}
{{- define "hookrunner.worker.runs" -}}
{{- if or .Values.worker.enabled .Values.api.allInOne -}}true{{- end -}}
{{- end -}}

{{/*
Redis endpoint: the bundled StatefulSet's Service or externalRedis.
Usage: include "hookrunner.redis.host" $
*/}}
{{- define "hookrunner.redis.host" -}}
{{- if .Values.redis.enabled -}}
{{- printf "%s.%s.svc" (include "hookrunner.fullname" (dict "context" . "component" "redis")) .Release.Namespace -}}
{{- else if .Values.externalRedis.host -}}
{{- .Values.externalRedis.host -}}
{{- else if include "hookrunner.redis.seed" . -}}
{{- include "hookrunner.redis.seed" . | splitList ":" | initial | join ":" -}}
{{- else -}}
{{- required "externalRedis.host: required when redis.enabled=false (set the host of your Redis, or enable the bundled one)" .Values.externalRedis.host -}}
{{- end -}}
{{- end -}}

{{/*
With externalRedis.sentinel or externalRedis.cluster and no externalRedis.host: the first
cluster node or Sentinel (host:port), used as REDIS_URL's host and by the worker's readiness check;
the service discovers the rest from REDIS_SENTINELS / REDIS_CLUSTER_NODES.
Usage: include "hookrunner.redis.seed" $
*/}}
{{- define "hookrunner.redis.seed" -}}
{{- with .Values.externalRedis.cluster.nodes }}{{ first . }}{{ else }}{{ with .Values.externalRedis.sentinel.hosts }}{{ first . }}{{ end }}{{ end -}}
{{- end -}}

{{/* Usage: include "hookrunner.redis.port" $ */}}
{{- define "hookrunner.redis.port" -}}
{{- if .Values.redis.enabled -}}{{ .Values.redis.port }}
{{- else if .Values.externalRedis.host -}}{{ .Values.externalRedis.port }}
{{- else if include "hookrunner.redis.seed" . -}}{{ include "hookrunner.redis.seed" . | splitList ":" | last }}
{{- else -}}{{ .Values.externalRedis.port }}{{- end -}}
{{- end -}}

{{/*
The Secret holding the Redis password as "name/key", or "" when there is no password.
Usage: include "hookrunner.redis.passwordRef" $
*/}}
{{- define "hookrunner.redis.passwordRef" -}}
{{- if .Values.redis.enabled -}}
{{- printf "%s/%s" (include "hookrunner.redis.secretName" .) .Values.redis.auth.passwordKey -}}
{{- else -}}
{{- with .Values.externalRedis.existingSecret }}{{ printf "%s/%s" . $.Values.externalRedis.passwordKey }}{{ end -}}
{{- end -}}
{{- end -}}

{{/*
The bundled Redis's password Secret: redis.auth.existingSecret, else the generated `<fullname>-redis`.
Usage: include "hookrunner.redis.secretName" $
*/}}
{{- define "hookrunner.redis.secretName" -}}
{{- default (include "hookrunner.fullname" (dict "context" . "component" "redis")) .Values.redis.auth.existingSecret -}}
{{- end -}}

{{/*
The Secret with the API token and webhook secret: auth.existingSecret, else the generated
`<fullname>-auth` (auth.generate=true), else "" (validateValues has failed the install by then).
Usage: include "hookrunner.auth.secretName" $
*/}}
{{- define "hookrunner.auth.secretName" -}}
{{- if .Values.auth.existingSecret -}}
{{- .Values.auth.existingSecret -}}
{{- else if .Values.auth.generate -}}
{{- include "hookrunner.fullname" (dict "context" . "component" "auth") -}}
{{- end -}}
{{- end -}}

{{/*
REDIS_URL. A password is never templated: it is `$(REDIS_PASSWORD)`, which Kubernetes expands
from the REDIS_PASSWORD variable set just before it (see hookrunner.redis.env).
Usage: include "hookrunner.redis.url" $
*/}}
{{- define "hookrunner.redis.url" -}}
{{- $scheme := "redis" -}}
{{- $user := "" -}}
{{- $db := 0 -}}
{{- if not .Values.redis.enabled -}}
{{- if .Values.externalRedis.tls }}{{ $scheme = "rediss" }}{{ end -}}
{{- $user = .Values.externalRedis.username -}}
{{- $db = .Values.externalRedis.db -}}
{{- end -}}
{{- $auth := "" -}}
{{- if include "hookrunner.redis.passwordRef" . -}}
{{- $auth = printf "%s:$(REDIS_PASSWORD)@" $user -}}
{{- else if $user -}}
{{- $auth = printf "%s@" $user -}}
{{- end -}}
{{- printf "%s://%s%s:%s/%v" $scheme $auth (include "hookrunner.redis.host" .) (include "hookrunner.redis.port" .) $db -}}
{{- end -}}

{{/*
Container env entries for Redis: REDIS_PASSWORD from its Secret (when set), then REDIS_URL.
Usage: {{- include "hookrunner.redis.env" $ | nindent 12 }}
*/}}
{{- define "hookrunner.redis.env" -}}
{{- $ref := include "hookrunner.redis.passwordRef" . -}}
{{- if $ref }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ index (splitList "/" $ref) 0 }}
      key: {{ index (splitList "/" $ref) 1 }}
{{- end }}
- name: REDIS_URL
  value: {{ include "hookrunner.redis.url" . | quote }}
{{- if not .Values.redis.enabled }}
{{- with .Values.externalRedis.sentinel }}
{{- if .hosts }}
- name: REDIS_SENTINELS
  value: {{ join "," .hosts | quote }}
- name: REDIS_SENTINEL_MASTER
  value: {{ .masterName | quote }}
{{- with .existingSecret }}
- name: REDIS_SENTINEL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.externalRedis.sentinel.passwordKey }}
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.externalRedis.cluster.nodes }}
- name: REDIS_CLUSTER_NODES
  value: {{ join "," . | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The RBAC rules of whatever runs steps: every namespaced workload and hook kind a sync applies,
with the verbs the worker uses (server-side apply = patch; deletion policies = delete; health = watch).
A sync first reads its destination Namespace (does it exist?): the ClusterRole may read every
Namespace; a Role may only `get` its own one (RBAC matches `GET /api/v1/namespaces/<ns>` against
Roles in `<ns>`), so a namespaced sync can start there and nowhere else.
Usage: include "hookrunner.worker.rules" (dict "context" $ "namespaced" false)
       include "hookrunner.worker.rules" (dict "context" $ "namespaced" true "namespace" "team-a")
*/}}
{{- define "hookrunner.worker.rules" -}}
{{- $all := list "create" "get" "list" "watch" "patch" "update" "delete" -}}
- apiGroups: [""]
  resources: ["pods", "services", "configmaps", "secrets", "serviceaccounts", "persistentvolumeclaims"]
  verbs: {{ toJson $all }}
- apiGroups: [""]
  resources: ["pods/log", "events"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets", "daemonsets", "replicasets"]
  verbs: {{ toJson $all }}
- apiGroups: ["batch"]
  resources: ["jobs", "cronjobs"]
  verbs: {{ toJson $all }}
- apiGroups: ["networking.k8s.io"]
  resources: ["ingresses", "networkpolicies"]
  verbs: {{ toJson $all }}
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: {{ toJson $all }}
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: {{ toJson $all }}
{{- if .namespaced }}
- apiGroups: [""]
  resources: ["namespaces"]
  resourceNames: [{{ .namespace | quote }}]
  verbs: ["get"]
{{- else }}
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: {{ if .context.Values.rbac.createNamespaces }}["create", "get", "list", "watch", "patch"]{{ else }}["get", "list", "watch"]{{ end }}
{{- end }}
{{- with .context.Values.rbac.extraRules }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
RBAC subjects: the worker's ServiceAccount, and the API's when it runs all-in-one.
Usage: include "hookrunner.worker.subjects" $
*/}}
{{- define "hookrunner.worker.subjects" -}}
{{- if .Values.worker.enabled }}
- kind: ServiceAccount
  name: {{ include "hookrunner.serviceAccountName" (dict "context" . "component" "worker") }}
  namespace: {{ .Release.Namespace }}
{{- end }}
{{- if .Values.api.allInOne }}
- kind: ServiceAccount
  name: {{ include "hookrunner.serviceAccountName" (dict "context" . "component" "api") }}
  namespace: {{ .Release.Namespace }}
{{- end }}
{{- end -}}

{{/*
RBAC subject of the API's read-only (Cluster)Role: the API's ServiceAccount.
Usage: include "hookrunner.api.subjects" $
*/}}
{{- define "hookrunner.api.subjects" -}}
- kind: ServiceAccount
  name: {{ include "hookrunner.serviceAccountName" (dict "context" . "component" "api") }}
  namespace: {{ .Release.Namespace }}
{{- end -}}

{{/*
The shared tmp volume mount and volume (read-only root filesystem).
*/}}
{{- define "hookrunner.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}
{{- define "hookrunner.tmpVolume" -}}
- name: tmp
  emptyDir: {}
{{- end -}}

{{/*
Cross-field checks the schema cannot word clearly; each failure names the value to fix.
Usage: include "hookrunner.validateValues" $
*/}}
{{- define "hookrunner.validateValues" -}}
{{- if and (not .Values.redis.enabled) (not .Values.externalRedis.host) (not (include "hookrunner.redis.seed" .)) -}}
{{- fail "externalRedis.host: required when redis.enabled=false (set the host of your Redis, or externalRedis.sentinel.hosts / externalRedis.cluster.nodes, or enable the bundled one)" -}}
{{- end -}}
{{- if and .Values.externalRedis.sentinel.hosts .Values.externalRedis.cluster.nodes -}}
{{- fail "externalRedis.sentinel.hosts and externalRedis.cluster.nodes: set one of them (a Sentinel-managed Redis or a Redis Cluster), not both" -}}
{{- end -}}
{{- if and .Values.externalRedis.sentinel.hosts (not .Values.externalRedis.sentinel.masterName) -}}
{{- fail "externalRedis.sentinel.masterName: required with externalRedis.sentinel.hosts (the name the Sentinels monitor, e.g. mymaster)" -}}
{{- end -}}
{{- if and .Values.rbac.create .Values.rbac.namespaced (empty .Values.rbac.namespaces) -}}
{{- fail "rbac.namespaces: list at least one namespace when rbac.namespaced=true" -}}
{{- end -}}
{{- if and (not .Values.auth.existingSecret) (not .Values.auth.generate) -}}
{{- fail "auth.existingSecret: required when auth.generate=false; the API refuses to start without HOOKRUNNER_API_TOKEN. Create a Secret with the key auth.apiTokenKey (e.g. kubectl create secret generic hookrunner-auth --from-literal=api-token=$(openssl rand -hex 24)) and set auth.existingSecret, or set auth.generate=true" -}}
{{- end -}}
{{- if not (include "hookrunner.worker.runs" .) -}}
{{- fail "worker.enabled: nothing would run sync steps; enable the worker or set api.allInOne=true" -}}
{{- end -}}
{{- end -}}
