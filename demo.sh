#!/usr/bin/env bash
# The demo: start the bundled test cluster with a realistic incident (an operator
# uninstalled before its custom resources, an unavailable metrics API, a protected
# PVC) and triage it with kubectl-finalizers, as an operator would.
set -euo pipefail
cd "$(dirname "$0")"

cargo build --quiet --workspace --bins
bin=target/debug
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin/testcluster" --kubeconfig "$work/kubeconfig" \
  --scenario tests/scenarios/logging-operator.yaml \
  --scenario tests/scenarios/metrics-apiservice.yaml \
  --scenario tests/scenarios/pvc-protection.yaml 2>"$work/server.log" &
server=$!
for _ in $(seq 50); do [ -s "$work/kubeconfig" ] && break; sleep 0.1; done
export KUBECONFIG="$work/kubeconfig"
export PATH="$PWD/$bin:$PATH"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@" || true; }

step kubectl-finalizers scan
step kubectl-finalizers scan -n logging -o wide
step kubectl-finalizers scan --include-live -n shop
if [ -n "${DEMO_EXTRA:-}" ]; then step $DEMO_EXTRA; fi
