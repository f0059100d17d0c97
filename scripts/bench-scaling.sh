#!/usr/bin/env bash
# Scaling curves of `kubectl finalizers scan -A -o json`: wall time, client CPU
# and peak RSS against the number of objects (at 1,000 types) and against the
# number of types (at 100k objects), LATENCY_MS per response, RUNS runs per
# point. The clusters are generated one after another (300k objects take some
# 9 GiB in the test cluster, so they cannot all be up at once), so the runs of
# a point follow one another. Writes the raw results to OUT (for
# scripts/bench-plot.py) besides the table.
#
#   scripts/bench-scaling.sh [LATENCY_MS] [RUNS] [OUT]     defaults: 25 3 (none)
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"
latency=${1:-25}
runs=${2:-3}
out=${3:-}

bench_build
# BENCH_POINTS (space-separated) replaces the points, e.g. for a quick try.
read -r -a points <<<"${BENCH_POINTS:-types=1000,objects=10k types=1000,objects=30k \
types=1000,objects=100k types=1000,objects=300k types=100,objects=100k types=300,objects=100k}"
for point in "${points[@]}"; do
  name=${point//[=,]/-}
  echo "cluster: --generate $point,stuck=100 --latency-ms $latency"
  start_cluster "$name" --generate "$point,stuck=100" --latency-ms "$latency"
  use_cluster "$name"
  echo "  test cluster RSS: $(cluster_rss_mib "$name") MiB"
  for run in $(seq "$runs"); do measure scan "$run" json scan; done
  stop_cluster "$name"
done

echo
python3 scripts/bench-report.py --points "$results"
[ -z "$out" ] || cp "$results" "$out"
