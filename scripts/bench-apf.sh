#!/usr/bin/env bash
# The scan behind an API Priority and Fairness look-alike: a test cluster of
# TYPES types and OBJECTS objects, LATENCY_MS per response, that serves SEATS
# requests at once and answers the rest 429 with Retry-After: 1 — at once
# (no queue), then with up to 16 requests waiting for a seat (APF's queues).
# The scan with its defaults, with --concurrency SEATS, and with --qps 50
# --burst 50, alternating for ROUNDS rounds; exit 4 means some types could
# not be read (the scan is incomplete).
#
#   scripts/bench-apf.sh [TYPES] [OBJECTS] [LATENCY_MS] [SEATS] [ROUNDS]
#       defaults: 1000 100k 25 4 3
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"
types=${1:-1000}
objects=${2:-100k}
latency=${3:-25}
seats=${4:-4}
rounds=${5:-3}
spec="types=$types,objects=$objects,stuck=100"

bench_build
for queue in 0 16; do
  name=queue-$queue
  echo "cluster: --generate $spec --latency-ms $latency --max-requests-inflight $seats --inflight-queue $queue"
  start_cluster "$name" --generate "$spec" --latency-ms "$latency" \
    --max-requests-inflight "$seats" --inflight-queue "$queue"
  use_cluster "$name"
  ways=(scan "scan-concurrency-$seats" scan-qps-50)
  for round in $(seq "$rounds"); do
    for ((i = 0; i < ${#ways[@]}; i++)); do
      way=${ways[$(((i + round) % ${#ways[@]}))]}
      case $way in
        scan) measure scan "$round" json scan ;;
        scan-concurrency-*) measure "$way" "$round" json scan --concurrency "$seats" ;;
        scan-qps-50) measure "$way" "$round" json scan --qps 50 --burst 50 ;;
      esac
    done
  done
  stop_cluster "$name"
done

for queue in 0 16; do
  echo
  echo "### $seats requests in flight, $queue more may wait; $types types, $objects objects, $latency ms"
  grep "^queue-$queue/" "$results" | sed "s,^queue-$queue/,," >"$work/q.tsv"
  python3 scripts/bench-report.py "$work/q.tsv" scan
done
