#!/usr/bin/env bash
# Builds the real servers the local stack runs (nats-server, etcd, kwok, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl, the cert-manager controller) from Go modules, and on request
# the real node's kubelet and kube-proxy (component `node`, from the same k8s module) and CoreDNS (`coredns`).
#
# Output: $CODEXK8S_CACHE_DIR/bin/<component>-<version>-<gosum8>/ (default ~/.cache/codex-k8s), with a
# .stamp file written last. A directory whose stamp exists is reused, so a warm run costs nothing.
# Go's module and build caches live under the same cache dir, never in the work tree.
#
# Usage: tools/go/build.sh [component ...]   (default: all; prints "<component>=<dir>" per component)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${CODEXK8S_CACHE_DIR:-$HOME/.cache/codex-k8s}
export GOMODCACHE=${GOMODCACHE_OVERRIDE:-$cache/go/mod}
export GOCACHE=${GOCACHE_OVERRIDE:-$cache/go/build}
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$cache/bin" "$cache/logs"

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<'EOF'
codex-k8s: Go is not installed and no prebuilt binaries were given.
Install Go 1.26 or newer (https://go.dev/dl/ or `apt-get install golang-1.26`), or point the stack at
prebuilt binaries: KUBEBUILDER_ASSETS=<dir with etcd, kube-apiserver, kube-controller-manager,
kube-scheduler, kwok> and NATS_SERVER_BIN=<path to nats-server>, or give KUBECONFIG / NATS_URL / DATABASE_URL
of servers you already run.
EOF
  exit 3
fi

# module_version <dir> <module path>: the version the tools module pins.
module_version() {
  (cd "$here/$1" && go list -m -f '{{.Version}}' "$2")
}

# module_of <component>: the tools module it is built from (the node's binaries come from the k8s module).
module_of() {
  case "$1" in
    node) echo k8s ;;
    *) echo "$1" ;;
  esac
}

# out_dir <component> <version>: cache key = component, version and the tools module's go.sum.
out_dir() {
  local sum
  sum=$(sha256sum "$here/$(module_of "$1")/go.sum" | cut -c1-8)
  echo "$cache/bin/$1-$2-$sum"
}

build_one() {
  local comp=$1 version dir log start
  case "$comp" in
    k8s | node) version=$(module_version k8s k8s.io/kubernetes) ;;
    etcd) version=$(module_version etcd go.etcd.io/etcd/server/v3) ;;
    kwok) version=$(module_version kwok sigs.k8s.io/kwok) ;;
    nats) version=$(module_version nats github.com/nats-io/nats-server/v2) ;;
    cert-manager) version=$(module_version cert-manager github.com/cert-manager/cert-manager) ;;
    coredns) version=$(module_version coredns github.com/coredns/coredns) ;;
    *) echo "unknown component: $comp" >&2; return 2 ;;
  esac
  dir=$(out_dir "$comp" "$version")
  if [[ -f "$dir/.stamp" ]]; then
    echo "$comp=$dir"
    return 0
  fi
  log="$cache/logs/build-$comp-$version.log"
  echo "codex-k8s: building $comp $version (cold builds take minutes; log: $log)" >&2
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  start=$(date +%s)
  (cd "$here/$(module_of "$comp")" && "build_$comp" "$dir.tmp" "$version") >"$log" 2>&1 || {
    echo "codex-k8s: building $comp failed; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    return 1
  }
  echo "$comp $version built in $(( $(date +%s) - start ))s" >>"$cache/logs/build-times.log"
  echo "$comp $version $(date -u +%FT%TZ)" >"$dir.tmp/.stamp"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  echo "$comp=$dir"
}

# k8s_build <out> <version> <cmd ...>: Kubernetes commands with the version ldflags kwok and clients read
# (--version, /version).
k8s_build() {
  local out=$1 v=$2 minor p=k8s.io/component-base/version c=k8s.io/client-go/pkg/version
  shift 2
  minor=$(echo "$v" | cut -d. -f2)
  local ld="-s -w -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  ld="$ld -X $p.buildDate=1970-01-01T00:00:00Z -X $c.gitVersion=$v -X $c.gitMajor=1 -X $c.gitMinor=$minor"
  go build -trimpath -tags selinux,notest,grpcnotrace -ldflags "$ld" -o "$out/" "${@/#/k8s.io/kubernetes/cmd/}"
}

build_k8s() {
  k8s_build "$1" "$2" kube-apiserver kube-controller-manager kube-scheduler kubectl
}

# The real node's agents (CGO off: the kubelet runs with the cgroupfs driver, no systemd or cadvisor C parts).
build_node() {
  k8s_build "$1" "$2" kubelet kube-proxy
}

# Cluster DNS for the real node's pods (Services by name), run by the stack on the node's host-side address.
build_coredns() {
  go build -trimpath -ldflags "-s -w" -o "$1/coredns" github.com/coredns/coredns
}

build_etcd() {
  go build -trimpath -ldflags "-s -w" -o "$1/etcd" go.etcd.io/etcd/server/v3
}

build_kwok() {
  go build -trimpath -ldflags "-s -w" -o "$1/kwok" sigs.k8s.io/kwok/cmd/kwok
  # The default Stage documents ship in the module zip; the stack feeds them to kwok with --config.
  local src
  src=$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage
  mkdir -p "$1/stages"
  cp "$src/node/fast/node-initialize.yaml" "$src/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
    "$src/pod/fast/pod-ready.yaml" "$src/pod/fast/pod-complete.yaml" "$src/pod/fast/pod-delete.yaml" "$1/stages/"
}

build_nats() {
  go build -trimpath -ldflags "-s -w" -o "$1/nats-server" github.com/nats-io/nats-server/v2
}

build_cert-manager() {
  go build -trimpath -ldflags "-s -w" -o "$1/cert-manager-controller" .
  cp "$(go list -m -f '{{.Dir}}' github.com/cert-manager/cert-manager)"/deploy/crds/*.yaml "$1/"
}

components=("$@")
[[ ${#components[@]} -gt 0 ]] || components=(nats etcd kwok k8s cert-manager)
for comp in "${components[@]}"; do
  build_one "$comp"
done
