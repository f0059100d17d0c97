#!/usr/bin/env bash
# Benchmark: find everything stuck in Terminating on a fleet-scale test cluster
# (TYPES resource types, OBJECTS objects, LATENCY_MS per response), side by
# side in one run, the ways alternating round by round:
#
#   scan                    kubectl finalizers scan -A -o json (the baseline)
#   kubectl-per-type        kubectl api-resources, then kubectl get TYPE -A per type
#   kubectl-qualified       the same, each type named resource.version.group
#   kubectl-one-call        kubectl get TYPE1,TYPE2,… -A
#   scan-concurrency-1      scan, one type at a time
#   scan-concurrency-16     scan, the default concurrency named on the command line
#   scan-no-paging          scan, --chunk-size 1000000
#   lister-metadata         bench-lister.py: the scan's strategy in plain Python
#   lister-full             the same lister, full objects (the plugin cannot)
#   floor                   the same lister, metadata, one unpaged list per type
#
# Reports wall time, client CPU, peak RSS, requests, bytes, 429s and the
# stuck set each way found (all must agree); medians over the rounds.
#
#   scripts/bench.sh [TYPES] [OBJECTS] [LATENCY_MS] [ROUNDS] [SLOW_ROUNDS]
#       defaults: 1000 100k 25 5 1 — the kubectl ways that call kubectl once per
#       type take minutes a run at this size, so they run in the first
#       SLOW_ROUNDS rounds only; concurrency 1, the full lister and the
#       one-call kubectl way in the first two.
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"
types=${1:-1000}
objects=${2:-100k}
latency=${3:-25}
rounds=${4:-5}
slow_rounds=${5:-1}
spec="types=$types,objects=$objects,stuck=100"

bench_build
echo "cluster: --generate $spec --latency-ms $latency; $rounds rounds"
start_cluster fleet --generate "$spec" --latency-ms "$latency"
use_cluster fleet
echo "  test cluster RSS: $(cluster_rss_mib fleet) MiB"

lister() { python3 "$root/scripts/bench-lister.py" "$@"; }
export -f lister
export root

for round in $(seq "$rounds"); do
  ways=(scan scan-no-paging scan-concurrency-16 lister-metadata floor)
  [ "$round" -gt 2 ] || ways+=(scan-concurrency-1 lister-full kubectl-one-call)
  [ "$round" -gt "$slow_rounds" ] || ways+=(kubectl-per-type kubectl-qualified)
  # Rotate the order so that no way always runs first or last.
  for ((i = 0; i < ${#ways[@]}; i++)); do
    way=${ways[$(((i + round) % ${#ways[@]}))]}
    case $way in
      scan) measure scan "$round" json scan ;;
      scan-no-paging) measure "$way" "$round" json scan --chunk-size 1000000 ;;
      scan-concurrency-1) measure "$way" "$round" json scan --concurrency 1 ;;
      scan-concurrency-16) measure "$way" "$round" json scan --concurrency 16 ;;
      lister-metadata) measure "$way" "$round" lines lister metadata 8 500 ;;
      lister-full) measure "$way" "$round" lines lister full 8 500 ;;
      floor) measure "$way" "$round" lines lister metadata 8 0 ;;
      kubectl-one-call) measure "$way" "$round" kubectl kubectl_one_call ;;
      kubectl-per-type) measure "$way" "$round" kubectl kubectl_per_type ;;
      kubectl-qualified) measure "$way" "$round" kubectl kubectl_qualified ;;
    esac
  done
done
stop_cluster fleet

echo
echo "### $types types, $objects objects, $latency ms"
grep '^fleet/' "$results" | sed 's,^fleet/,,' >"$work/fleet.tsv"
python3 scripts/bench-report.py "$work/fleet.tsv" scan
echo
python3 scripts/bench-report.py --checks "$work/fleet.tsv"
