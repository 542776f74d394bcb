{{/* vim: set filetype=mustache: */}}

{{/*
Worker RBAC generated from the AppProjects in `projects` (rbac.namespaced=false). RBAC cannot deny, so
namespaced kinds are listed one by one from this table (kind → resource) minus the project's
namespaceResourceBlacklist; `*` only when a project allows every namespaced kind (no whitelist, no
blacklist). Kinds not in the table (custom resources) go into rbac.extraRules.
*/}}
{{- define "hookrunner.rbac.namespacedKinds" -}}
- {group: "", kind: Pod, resource: pods}
- {group: "", kind: Service, resource: services}
- {group: "", kind: ConfigMap, resource: configmaps}
- {group: "", kind: Secret, resource: secrets}
- {group: "", kind: ServiceAccount, resource: serviceaccounts}
- {group: "", kind: PersistentVolumeClaim, resource: persistentvolumeclaims}
- {group: "", kind: Endpoints, resource: endpoints}
- {group: "", kind: ResourceQuota, resource: resourcequotas}
- {group: "", kind: LimitRange, resource: limitranges}
- {group: apps, kind: Deployment, resource: deployments}
- {group: apps, kind: StatefulSet, resource: statefulsets}
- {group: apps, kind: DaemonSet, resource: daemonsets}
- {group: apps, kind: ReplicaSet, resource: replicasets}
- {group: batch, kind: Job, resource: jobs}
- {group: batch, kind: CronJob, resource: cronjobs}
- {group: networking.k8s.io, kind: Ingress, resource: ingresses}
- {group: networking.k8s.io, kind: NetworkPolicy, resource: networkpolicies}
- {group: policy, kind: PodDisruptionBudget, resource: poddisruptionbudgets}
- {group: autoscaling, kind: HorizontalPodAutoscaler, resource: horizontalpodautoscalers}
- {group: rbac.authorization.k8s.io, kind: Role, resource: roles}
- {group: rbac.authorization.k8s.io, kind: RoleBinding, resource: rolebindings}
{{- end -}}

{{/* Cluster-scoped kinds a clusterResourceWhitelist may name (kind → resource). */}}
{{- define "hookrunner.rbac.clusterKinds" -}}
- {group: "", kind: Namespace, resource: namespaces}
- {group: "", kind: PersistentVolume, resource: persistentvolumes}
- {group: rbac.authorization.k8s.io, kind: ClusterRole, resource: clusterroles}
- {group: rbac.authorization.k8s.io, kind: ClusterRoleBinding, resource: clusterrolebindings}
- {group: apiextensions.k8s.io, kind: CustomResourceDefinition, resource: customresourcedefinitions}
- {group: storage.k8s.io, kind: StorageClass, resource: storageclasses}
- {group: scheduling.k8s.io, kind: PriorityClass, resource: priorityclasses}
{{- end -}}

{{/*
"true" when a {group, kind} entry of `.list` (Argo CD GroupKind, `*` matching anything) matches `.group`/`.kind`.
*/}}
{{- define "hookrunner.rbac.matches" -}}
{{- range .list -}}
{{- $g := .group | default "" -}}
{{- $k := .kind | default "" -}}
{{- if and (or (eq $g "*") (eq $g $.group)) (or (eq $k "*") (eq $k $.kind)) -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The rules (JSON list) for one kind the worker may sync, with Kubernetes' RBAC escalation prevention:
creating a Role with rights the worker lacks needs `escalate` on roles, a (Cluster)RoleBinding to a role
it does not hold needs `bind`. Granting them means an app of a project allowing these kinds can give
any ServiceAccount any right (up to cluster-admin for ClusterRole/ClusterRoleBinding): allow them only
in projects you trust that far.
*/}}
{{- define "hookrunner.rbac.kindRules" -}}
{{- $all := list "create" "get" "list" "watch" "patch" "update" "delete" -}}
{{- $verbs := $all -}}
{{- /* Namespaces: never update/delete (a prune must not remove a namespace, e.g. kube-system, that RBAC cannot exclude). */ -}}
{{- if eq .kind "Namespace" }}{{ $verbs = ternary (list "create" "get" "list" "watch" "patch") (list "get" "list" "watch") .createNamespaces }}{{ end -}}
{{- $rules := list (dict "apiGroups" (list .group) "resources" (list .resource) "verbs" $verbs) -}}
{{- $rbac := "rbac.authorization.k8s.io" -}}
{{- if eq .kind "Role" }}{{ $rules = append $rules (dict "apiGroups" (list $rbac) "resources" (list "roles") "verbs" (list "escalate")) }}{{ end -}}
{{- if eq .kind "RoleBinding" }}{{ $rules = append $rules (dict "apiGroups" (list $rbac) "resources" (list "roles" "clusterroles") "verbs" (list "bind")) }}{{ end -}}
{{- if eq .kind "ClusterRole" }}{{ $rules = append $rules (dict "apiGroups" (list $rbac) "resources" (list "clusterroles") "verbs" (list "escalate")) }}{{ end -}}
{{- if eq .kind "ClusterRoleBinding" }}{{ $rules = append $rules (dict "apiGroups" (list $rbac) "resources" (list "clusterroles") "verbs" (list "bind")) }}{{ end -}}
{{- toJson $rules -}}
{{- end -}}

{{/*
Rules (JSON list) for the kinds a project allows from a table: `.white` empty allows all (namespaced
kinds) or none (cluster kinds, `.emptyAllows` false), minus `.black`.
*/}}
{{- define "hookrunner.rbac.allowedRules" -}}
{{- $rules := list -}}
{{- $ctx := .context -}}
{{- $white := .white -}}
{{- $black := .black -}}
{{- $emptyAllows := .emptyAllows -}}
{{- range (fromYamlArray (include .table $ctx)) -}}
{{- $allowed := ternary $emptyAllows (include "hookrunner.rbac.matches" (dict "list" $white "group" .group "kind" .kind) | eq "true") (empty $white) -}}
{{- $denied := include "hookrunner.rbac.matches" (dict "list" $black "group" .group "kind" .kind) | eq "true" -}}
{{- if and $allowed (not $denied) -}}
{{- $rules = concat $rules (fromJsonArray (include "hookrunner.rbac.kindRules" (dict "group" .group "kind" .kind "resource" .resource "createNamespaces" $ctx.Values.rbac.createNamespaces))) -}}
{{- end -}}
{{- end -}}
{{- toJson $rules -}}
{{- end -}}

{{/* The namespaced rules (JSON list) of one project; `*` when it allows every namespaced kind. */}}
{{- define "hookrunner.rbac.projectNamespacedRules" -}}
{{- $white := .project.namespaceResourceWhitelist | default list -}}
{{- $black := .project.namespaceResourceBlacklist | default list -}}
{{- if and (empty $white) (empty $black) -}}
{{- toJson (list (dict "apiGroups" (list "*") "resources" (list "*") "verbs" (list "*"))) -}}
{{- else -}}
{{- include "hookrunner.rbac.allowedRules" (dict "context" .context "table" "hookrunner.rbac.namespacedKinds" "white" $white "black" $black "emptyAllows" true) -}}
{{- end -}}
{{- end -}}

{{/* The cluster-scoped rules (JSON list) of one project: only kinds of its clusterResourceWhitelist. */}}
{{- define "hookrunner.rbac.projectClusterRules" -}}
{{- $white := .project.clusterResourceWhitelist | default list -}}
{{- $black := .project.clusterResourceBlacklist | default list -}}
{{- if and (include "hookrunner.rbac.matches" (dict "list" $white "group" "\x00" "kind" "\x00")) (empty $black) -}}
{{- toJson (list (dict "apiGroups" (list "*") "resources" (list "*") "verbs" (list "*"))) -}}
{{- else -}}
{{- include "hookrunner.rbac.allowedRules" (dict "context" .context "table" "hookrunner.rbac.clusterKinds" "white" $white "black" $black "emptyAllows" false) -}}
{{- end -}}
{{- end -}}

{{/*
The projects as rendered (JSON map name → spec): every project also denies the release namespace
(`!<release namespace>`), so no application can overwrite hookrunner itself, its Redis or its Secrets.
*/}}
{{- define "hookrunner.projects" -}}
{{- $out := dict -}}
{{- range $name, $spec := .Values.projects -}}
{{- $spec = deepCopy ($spec | default dict) -}}
{{- $deny := dict "namespace" (printf "!%s" $.Release.Namespace) "server" "*" -}}
{{- $_ := set $spec "destinations" (append ($spec.destinations | default list) $deny) -}}
{{- $_ := set $out $name $spec -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
The worker's RBAC plan (JSON) from the union of the projects:
  roles:   {namespace: [rules]} for destinations that name a namespace (a Role + RoleBinding each; each
           also may `get` its own Namespace, which a sync reads first);
  cluster: [rules] for the ClusterRole: the namespaced rules of projects with a glob destination (RBAC
           cannot exclude namespaces, so they hold in every namespace; the service refuses denied
           destinations before applying), `get/list/watch` on Namespaces then, and the cluster-scoped rules.
*/}}
{{- define "hookrunner.worker.plan" -}}
{{- $roles := dict -}}
{{- $cluster := list -}}
{{- $glob := false -}}
{{- range $name, $p := (include "hookrunner.projects" . | fromJson) -}}
{{- $rules := include "hookrunner.rbac.projectNamespacedRules" (dict "context" $ "project" $p) | fromJsonArray -}}
{{- $denied := list -}}
{{- range $p.destinations }}{{ $d := .namespace | default "" }}{{ if hasPrefix "!" $d }}{{ $denied = append $denied (trimPrefix "!" $d) }}{{ end }}{{ end -}}
{{- range $p.destinations -}}
{{- $ns := .namespace | default "" -}}
{{- if or (eq $ns "") (hasPrefix "!" $ns) (has $ns $denied) -}}
{{- else if regexMatch "[*?\\[]" $ns -}}
{{- $glob = true -}}
{{- $cluster = concat $cluster $rules -}}
{{- else -}}
{{- $_ := set $roles $ns (concat (get $roles $ns | default list) $rules) -}}
{{- end -}}
{{- end -}}
{{- $cluster = concat $cluster (include "hookrunner.rbac.projectClusterRules" (dict "context" $ "project" $p) | fromJsonArray) -}}
{{- end -}}
{{- if $glob -}}
{{- $cluster = append $cluster (dict "apiGroups" (list "") "resources" (list "namespaces") "verbs" (list "get" "list" "watch")) -}}
{{- end -}}
{{- $final := dict -}}
{{- range $ns, $rules := $roles -}}
{{- $_ := set $final $ns (uniq $rules) -}}
{{- end -}}
{{- toJson (dict "roles" $final "cluster" (uniq $cluster)) -}}
{{- end -}}

{{/* Rules every Role/ClusterRole of the worker carries: read Pod logs and Events (hook output, health). */}}
{{- define "hookrunner.rbac.readRules" -}}
- apiGroups: [""]
  resources: ["pods/log", "events"]
  verbs: ["get", "list", "watch"]
{{- end -}}
