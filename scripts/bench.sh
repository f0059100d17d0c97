#!/usr/bin/env bash
# Benchmark: find everything stuck in Terminating, cluster-wide, on a large test
# cluster — kubectl-finalizers scan versus the kubectl ways of doing it (list every
# resource type, full objects, filter on deletionTimestamp: one kubectl call per
# type as runbooks do, or all types in one kubectl call), side by side in one run.
# Prints wall time (median of RUNS), requests and bytes served, stuck objects
# found by each (they must agree), and ratios.
#
#   scripts/bench.sh [NAMESPACES] [LATENCY_MS] [RUNS]   (defaults: 100 2 5)
set -euo pipefail
cd "$(dirname "$0")/.."
namespaces=${1:-100}
latency=${2:-2}
runs=${3:-5}

cargo build --quiet --release --workspace --bins
bin=target/release
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin/testcluster" --kubeconfig "$work/kubeconfig" --bulk-namespaces "$namespaces" \
  --latency-ms "$latency" 2>"$work/server.log" &
server=$!
for _ in $(seq 600); do [ -s "$work/kubeconfig" ] && break; sleep 0.1; done
[ -s "$work/kubeconfig" ] || { echo "the test cluster did not start" >&2; cat "$work/server.log" >&2; exit 1; }
export KUBECONFIG="$work/kubeconfig" HOME="$work"
url=$(sed -n 's/^ *server: //p' "$KUBECONFIG")
stats() { curl -sk -H "Authorization: Bearer admin-token" -X "$1" "$url/testcluster/stats"; }

plugin() { "$bin/kubectl-finalizers" scan -o name 2>/dev/null || true; }
kubectl_way() {
  kubectl api-resources --verbs=list -o name 2>/dev/null | while read -r type; do
    kubectl get "$type" -A --ignore-not-found -o jsonpath='{range .items[?(@.metadata.deletionTimestamp)]}{.kind}/{.metadata.name}{"\n"}{end}' 2>/dev/null || true
  done
}

kubectl_one_call() {
  local types
  types=$(kubectl api-resources --verbs=list -o name 2>/dev/null | paste -sd, -)
  kubectl get "$types" -A --ignore-not-found -o jsonpath='{range .items[?(@.metadata.deletionTimestamp)]}{.kind}/{.metadata.name}{"\n"}{end}' 2>/dev/null || true
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # NAME FUNCTION -> prints "ms requests bytes"
  local times=() out
  for _ in $(seq "$runs"); do
    rm -rf "$HOME/.kube/cache"
    stats DELETE >/dev/null
    local start end
    start=$(date +%s%N)
    out=$("$2")
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  local s
  s=$(stats GET)
  local requests bytes
  requests=$(echo "$s" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(v["count"] for v in d.values()))')
  bytes=$(echo "$s" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(v["bytes"] for v in d.values()))')
  echo "$(printf '%s\n' "${times[@]}" | median) $requests $bytes $(echo "$out" | grep -c . || true)"
}

objects=$(( namespaces * 80 + namespaces / 10 ))
echo "cluster: $namespaces namespaces, about $objects objects, $latency ms added per response; median of $runs runs"
read -r p_ms p_req p_bytes p_found < <(measure plugin plugin)
read -r k_ms k_req k_bytes k_found < <(measure kubectl kubectl_way)
read -r o_ms o_req o_bytes o_found < <(measure kubectl kubectl_one_call)
printf '%-28s %10s %10s %14s %8s\n' "" "wall ms" "requests" "bytes served" "stuck"
printf '%-28s %10s %10s %14s %8s\n' "kubectl-finalizers scan" "$p_ms" "$p_req" "$p_bytes" "$p_found"
printf '%-28s %10s %10s %14s %8s\n' "kubectl, one call per type" "$k_ms" "$k_req" "$k_bytes" "$k_found"
printf '%-28s %10s %10s %14s %8s\n' "kubectl, all types one call" "$o_ms" "$o_req" "$o_bytes" "$o_found"
python3 - "$p_ms" "$p_bytes" "$k_ms" "$k_bytes" "$o_ms" "$o_bytes" <<'PY'
import sys
p_ms, p_b, k_ms, k_b, o_ms, o_b = map(float, sys.argv[1:])
print(f"ratio vs one call per type:  {k_ms / max(p_ms, 1):.1f}x faster, {k_b / max(p_b, 1):.1f}x fewer bytes")
print(f"ratio vs all types one call: {o_ms / max(p_ms, 1):.1f}x faster, {o_b / max(p_b, 1):.1f}x fewer bytes")
PY
