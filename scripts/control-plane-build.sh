#!/usr/bin/env bash
# Builds the real Kubernetes control plane used by `hookrunner dev-cluster --real` and the
# real-backend tests: kube-apiserver, kube-controller-manager and kube-scheduler from the
# k8s.io/kubernetes module, and etcd from go.etcd.io/etcd/server/v3, at the versions pinned in
# controlplane/go.mod (Go module proxy; no Kubernetes source is kept in this repository).
#
# Binaries go to a cache folder outside the repository:
#   $HOOKRUNNER_CONTROL_PLANE_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/hookrunner/control-plane)
#   /<kubernetes version>-<hash of the build inputs>
# A second run with the same inputs does nothing. A binary found in $KUBEBUILDER_ASSETS (the
# envtest convention: etcd, kube-apiserver, …) is used as it is and not built.
# The last line printed is the folder that holds the binaries.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
module="$here/controlplane"
k8s_version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2 } $1 == "require" && $2 == "k8s.io/kubernetes" { print $3 }' "$module/go.mod")"
[ -n "$k8s_version" ] || { echo "control-plane:build: cannot read the k8s.io/kubernetes version from $module/go.mod" >&2; exit 2; }
if ! command -v go >/dev/null; then
  echo "control-plane:build: Go is not installed (Go ≥ 1.24 and the Go module proxy are needed to build the control plane; or set KUBEBUILDER_ASSETS to a folder with etcd, kube-apiserver, kube-controller-manager and kube-scheduler)" >&2
  exit 2
fi
minor="${k8s_version#v1.}"; minor="${minor%%.*}"
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"
inputs_hash="$( { cat "$module/go.mod" "$module/go.sum" "$module/cmd/etcd/main.go" "$0"; go version; echo "$ldflags"; } | sha256sum | cut -c1-12)"
cache_root="${HOOKRUNNER_CONTROL_PLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hookrunner/control-plane}"
out="$cache_root/$k8s_version-$inputs_hash"
mkdir -p "$out"

declare -A packages=(
  [kube-apiserver]=k8s.io/kubernetes/cmd/kube-apiserver
  [kube-controller-manager]=k8s.io/kubernetes/cmd/kube-controller-manager
  [kube-scheduler]=k8s.io/kubernetes/cmd/kube-scheduler
  [etcd]=./cmd/etcd
)
wanted=()
for bin in kube-apiserver kube-controller-manager kube-scheduler etcd; do
  if [ -n "${KUBEBUILDER_ASSETS:-}" ] && [ -x "$KUBEBUILDER_ASSETS/$bin" ]; then
    echo "control-plane:build: $bin from KUBEBUILDER_ASSETS ($KUBEBUILDER_ASSETS/$bin)" >&2
    continue
  fi
  if [ -x "$out/$bin" ] && [ -f "$out/.built-$bin" ]; then
    echo "control-plane:build: $bin is up to date" >&2
    continue
  fi
  wanted+=("${packages[$bin]}")
done

if [ "${#wanted[@]}" -gt 0 ]; then
  echo "control-plane:build: building ${wanted[*]} at $k8s_version with $(go version | cut -d' ' -f3) (a cold build takes tens of minutes on 2 cores; GOCACHE makes the next one fast)" >&2
  start=$(date +%s)
  tmp="$(mktemp -d "$out/.build-XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$module" && go build -mod=readonly -trimpath -ldflags "$ldflags" -o "$tmp/" "${wanted[@]}")
  for pkg in "${wanted[@]}"; do
    bin="$(basename "$pkg")"
    mv -f "$tmp/$bin" "$out/$bin"
    touch "$out/.built-$bin"
  done
  echo "control-plane:build: built in $(( $(date +%s) - start )) s" >&2
fi
echo "$out"
