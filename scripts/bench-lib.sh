# shellcheck shell=bash
# Shared by the bench-*.sh scripts (sourced, not run): test clusters started
# and stopped by name, one measured run of a command, the ways of finding what
# is stuck, and the stuck set each way found.
#
# A measured run records, as a line of $results (tab-separated): the way, the
# round, wall seconds, client CPU seconds (user + system, child processes
# included), peak RSS in KiB (the largest process), exit code, requests,
# response bytes and 429s the test cluster counted, and the size and digest of
# the stuck set found. scripts/bench-report.py turns the lines into tables.
#
# Environment: BENCH_BUILD=0 skips `cargo build` (reuse the binaries in
# target/release); BENCH_BIN=DIR takes the binaries from DIR instead (several
# scripts, one build); BENCH_KEEP=DIR keeps the raw results and outputs in DIR.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
work=$(mktemp -d)
# Copies of the binaries, so that a build during the run changes nothing.
bin=$work/bin
plugin=$bin/kubectl-finalizers

results=$work/results.tsv
: >"$results"
declare -A cluster_pid=()

bench_cleanup() {
  local name
  for name in "${!cluster_pid[@]}"; do kill "${cluster_pid[$name]}" 2>/dev/null || true; done
  if [ -n "${BENCH_KEEP:-}" ]; then
    mkdir -p "$BENCH_KEEP" && cp -r "$work"/. "$BENCH_KEEP"/
  fi
  rm -rf "$work"
}
trap bench_cleanup EXIT

bench_build() {
  if [ "${BENCH_BUILD:-1}" != 0 ]; then
    cargo build --quiet --release -p testcluster --bins
    # Alone, as releases are built: with the test cluster in the same build,
    # cargo would unify dependency features (serde_json's preserve_order, …).
    cargo build --quiet --release --bin kubectl-finalizers
  fi
  mkdir -p "$bin"
  local from=${BENCH_BIN:-$root/target/release}
  cp "$from/kubectl-finalizers" "$from/testcluster" "$bin/"
  [ -x /usr/bin/time ] || { echo "GNU time is needed (/usr/bin/time; apt-get install time)" >&2; exit 1; }
  echo "kubectl-finalizers $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)," \
    "$(kubectl version --client 2>/dev/null | head -1), $(nproc) cores"
}

# start_cluster NAME TESTCLUSTER-ARGS… — waits until it serves (generating
# 300k objects takes about a minute) and prints what it generated.
start_cluster() {
  local name=$1
  shift
  mkdir -p "$work/$name"
  "$bin/testcluster" --kubeconfig "$work/$name/kubeconfig" "$@" 2>"$work/$name/server.log" &
  cluster_pid[$name]=$!
  local _
  for _ in $(seq 1800); do
    [ -s "$work/$name/kubeconfig" ] && break
    kill -0 "${cluster_pid[$name]}" 2>/dev/null || break
    sleep 0.2
  done
  [ -s "$work/$name/kubeconfig" ] || {
    echo "test cluster $name did not start" >&2
    cat "$work/$name/server.log" >&2
    exit 1
  }
  sed -n 's/^testcluster: generated /  generated: /p' "$work/$name/server.log"
}

stop_cluster() {
  kill "${cluster_pid[$1]}" 2>/dev/null || true
  wait "${cluster_pid[$1]}" 2>/dev/null || true
  unset "cluster_pid[$1]"
}

# use_cluster NAME — later commands talk to it; HOME is its own, so kubectl's
# discovery cache is per cluster.
use_cluster() {
  export KUBECONFIG=$work/$1/kubeconfig HOME=$work/$1
  url=$(sed -n 's/^ *server: //p' "$KUBECONFIG")
  current=$1
}

stats() { curl -sk -H "Authorization: Bearer admin-token" -X "$1" "$url/testcluster/stats"; }

# Resident memory of a test cluster, in MiB.
cluster_rss_mib() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/${cluster_pid[$1]}/status"; }

# measure WAY ROUND FORMAT COMMAND… — one run of COMMAND (stdout kept as the
# run's output, stderr in a .err file); FORMAT (json, kubectl or lines) says
# how to read the stuck set from the output.
measure() {
  local way=$1 round=$2 format=$3
  shift 3
  local out=$work/out/$current.$way.$round
  mkdir -p "$work/out"
  rm -rf "$HOME/.kube/cache" "$HOME/.kube/http-cache"
  stats DELETE >/dev/null
  local rc=0
  # Through bash, so that COMMAND may be one of the exported functions below.
  /usr/bin/time -o "$out.time" -f '%e %U %S %M' bash -c '"$@"' bench "$@" >"$out" 2>"$out.err" || rc=$?
  local s
  s=$(stats GET)
  # The last line: GNU time puts "Command exited with non-zero status" before it.
  read -r wall user sys rss < <(tail -1 "$out.time")
  python3 "$root/scripts/bench-report.py" --stuck "$format" "$out" >"$out.stuck"
  local count digest
  count=$(grep -c . "$out.stuck" || true)
  digest=$(sha256sum <"$out.stuck" | cut -c1-12)
  python3 - "$s" <<PY >>"$results"
import json, sys
d = json.loads(sys.argv[1])
total = lambda k: sum(v[k] for v in d.values())
kinds = ",".join(f"{k}:{v['count']}" for k, v in sorted(d.items()))
cpu = $user + $sys
print("\t".join(map(str, ["$current/$way", $round, $wall, round(cpu, 2), $rss, $rc,
    total("count"), total("bytes"), total("throttled"), $count, "$digest", kinds])))
PY
  printf '  %-34s round %s: %7.1f s  rc %s  %s stuck\n' "$way" "$round" "$wall" "$rc" "$count" >&2
}

# --- the ways --------------------------------------------------------------------

# The jsonpath every kubectl way prints: one line per terminating object
# (its quotes are kubectl's, not the shell's).
# shellcheck disable=SC2089,SC2090
terminating='{range .items[?(@.metadata.deletionTimestamp)]}{.apiVersion}|{.kind}|{.metadata.namespace}|{.metadata.name}|{.metadata.finalizers}{"\n"}{end}'

# Runbook style: discover, then one kubectl call per type.
kubectl_per_type() {
  kubectl api-resources --verbs=list -o name 2>/dev/null | while read -r type; do
    kubectl get "$type" -A --ignore-not-found -o jsonpath="$terminating" 2>/dev/null || true
  done
}

# Every type in one kubectl call (kubectl lists them one after another).
kubectl_one_call() {
  local types
  types=$(kubectl api-resources --verbs=list -o name 2>/dev/null | paste -sd, -)
  kubectl get "$types" -A --ignore-not-found -o jsonpath="$terminating" 2>/dev/null || true
}

# One call per type, each named resource.version.group (core types by plural).
kubectl_qualified() {
  kubectl api-resources --verbs=list --no-headers 2>/dev/null |
    awk '{v = $(NF-2); n = split(v, p, "/"); print (n == 2 ? $1 "." p[2] "." p[1] : $1)}' |
    while read -r type; do
      kubectl get "$type" -A --ignore-not-found -o jsonpath="$terminating" 2>/dev/null || true
    done
}

scan() { "$plugin" scan -A -o json "$@"; }

export -f kubectl_per_type kubectl_one_call kubectl_qualified scan
# shellcheck disable=SC2090
export terminating plugin
