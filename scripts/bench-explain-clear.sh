#!/usr/bin/env bash
# Benchmark of explain and clear at LATENCY_MS per response.
#
# explain -A -o json on two clusters of TYPES types and OBJECTS objects that
# differ only in how many objects are stuck (10 and 1,000), alternating for
# ROUNDS rounds: requests should not grow with the stuck objects, time barely.
#
# clear --stuck --finalizer finalizers.fluxcd.io --yes, with a backup
# directory and an audit log, of 1,000 stuck objects whose owner (Flux) is not
# installed, against a kubectl patch loop (a JSON patch per object that tests
# the finalizer list before removing it) over the same objects on an identical
# cluster. Both empty the same 1,000 objects; each run gets a fresh cluster of
# 200 types and 20k objects, so the loop of 1,000 kubectl calls runs once.
# Then clear --wait of 100 objects, to show how it waits (requests by kind).
#
#   scripts/bench-explain-clear.sh [TYPES] [OBJECTS] [LATENCY_MS] [ROUNDS] [CLEARED]
#       defaults: 1000 100k 25 3 1000 (CLEARED: how many objects clear empties)
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"
types=${1:-1000}
objects=${2:-100k}
latency=${3:-25}
rounds=${4:-3}
cleared=${5:-1000}
finalizer=finalizers.fluxcd.io

bench_build
echo "explain: --generate types=$types,objects=$objects,stuck=10|1000 --latency-ms $latency"
start_cluster stuck-10 --generate "types=$types,objects=$objects,stuck=10" --latency-ms "$latency"
start_cluster stuck-1000 --generate "types=$types,objects=$objects,stuck=1000" --latency-ms "$latency"
explain() { "$plugin" explain -A -o json; }
export -f explain
for round in $(seq "$rounds"); do
  for name in stuck-10 stuck-1000; do
    use_cluster "$name"
    measure explain "$round" none explain
  done
done
stop_cluster stuck-10
stop_cluster stuck-1000

# clear and the kubectl loop, each on a fresh cluster; the loop's list of
# objects comes from a scan made before it is timed.
clear_spec="types=200,objects=20k,stuck=$cleared,finalizer=$finalizer"
echo "clear: --generate $clear_spec --latency-ms $latency"
clear_stuck() {
  "$plugin" clear --stuck --finalizer "$finalizer" --yes \
    --backup-dir "$HOME/backup" --audit-log "$HOME/audit.jsonl" "$@"
}
patch_loop() {
  local res ns name finalizers
  while IFS=$'\t' read -r res ns name finalizers; do
    [ "$ns" != - ] || ns=""
    kubectl patch "$res" "$name" ${ns:+-n "$ns"} --type=json \
      -p "[{\"op\":\"test\",\"path\":\"/metadata/finalizers\",\"value\":$finalizers},{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]"
  done <"$HOME/objects.tsv"
}
export -f clear_stuck patch_loop
export finalizer
# How many objects still carry the finalizer, what was backed up and audited.
after_clear() {
  local left backups audit
  left=$("$plugin" scan -A -o name --finalizer "$finalizer" 2>/dev/null | grep -c . || true)
  backups=$({ find "$HOME/backup" -type f 2>/dev/null || true; } | wc -l)
  audit=$({ cat "$HOME/audit.jsonl" 2>/dev/null || true; } | wc -l)
  echo "    afterwards: $left stuck with $finalizer; $backups backups; $audit audit records"
}
for run in 1 2 3; do
  start_cluster "clear-$run" --generate "$clear_spec" --latency-ms "$latency"
  use_cluster "clear-$run"
  if [ "$run" = 2 ]; then
    "$plugin" scan -A -o json --finalizer "$finalizer" | python3 -c '
import json, sys
for o in json.load(sys.stdin)["items"]:
    res = o["resource"] + ("." + o["group"] if o["group"] else "")
    print("\t".join([res, o.get("namespace") or "-", o["name"], json.dumps(o["finalizers"])]))
' >"$HOME/objects.tsv"
    measure kubectl-patch-loop 1 none patch_loop
  else
    measure clear "$run" none clear_stuck
  fi
  after_clear
  stop_cluster "clear-$run"
done

start_cluster clear-wait --generate "types=200,objects=20k,stuck=100,finalizer=$finalizer" --latency-ms "$latency"
use_cluster clear-wait
clear_wait() { clear_stuck --wait; }
export -f clear_wait
measure clear-wait-100 1 none clear_wait
stop_cluster clear-wait

echo
echo "### explain, $types types, $objects objects, 10 and 1,000 stuck"
grep '/explain' "$results" >"$work/explain.tsv"
python3 scripts/bench-report.py "$work/explain.tsv" stuck-10/explain
echo
echo "requests by kind:"
cut -f1,2,12 "$work/explain.tsv" | sed 's/^/  /'
echo
echo "### clear of $cleared stuck objects against a kubectl patch loop ($clear_spec)"
grep -E '/(clear|kubectl-patch-loop)\s' "$results" | sed 's,^clear-[0-9]/,,' >"$work/clear.tsv"
python3 scripts/bench-report.py "$work/clear.tsv" clear
echo
echo "requests by kind:"
cut -f1,2,12 "$work/clear.tsv" | sed 's/^/  /'
echo "clear --wait of 100 objects, requests by kind:"
grep 'clear-wait-100' "$results" | cut -f3,12 | sed 's/^/  /'
