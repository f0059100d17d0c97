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

# 1. What is stuck, cluster-wide?
step kubectl-finalizers scan
# 2. Why? Owners, evidence, liveness and what to do, namespace by namespace.
step kubectl-finalizers explain
# 3. The safe way out for the uninstalled operator: plan, then a guarded patch.
step kubectl-finalizers clear syslogngconfig.logging.banzaicloud.io/cluster-syslog -n logging --dry-run
step kubectl-finalizers clear syslogngconfig.logging.banzaicloud.io/cluster-syslog -n logging --yes --wait \
  --backup-dir "$work/backups" --audit-log "$work/audit.jsonl"
# 4. A PVC still mounted by a running database is refused: its finalizer is working.
step kubectl-finalizers clear pvc/data-postgres-0 -n shop --yes
# 5. Before the next uninstall: what still carries finalizers?
step kubectl-finalizers scan --include-live -n shop
# 6. Hand the incident over: capture the evidence, explain it with no cluster access.
step sh -c "kubectl-finalizers scan --with-evidence -o json > '$work/snapshot.json'"
step env -u KUBECONFIG HOME="$work" kubectl-finalizers explain -f "$work/snapshot.json" -o yaml --finalizer kubernetes.io/pvc-protection
# 7. Patrol from cron: counts, and metrics, with the known-broken metrics API left out.
step kubectl-finalizers scan -o summary --ignore-group metrics.k8s.io
step kubectl-finalizers scan -o openmetrics --ignore-group metrics.k8s.io
