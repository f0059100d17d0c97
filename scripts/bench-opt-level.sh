#!/usr/bin/env bash
# The release profile's opt-level, by numbers: the plugin built at opt-level
# "z" (the profile's), "s" and 3 — everything else as [profile.release] says,
# each in its own profile directory under target/ — then binary size, and
# wall time, client CPU and peak RSS of the large scan (TYPES types, OBJECTS
# objects, LATENCY_MS per response), the builds alternating for ROUNDS rounds.
#
#   scripts/bench-opt-level.sh [TYPES] [OBJECTS] [LATENCY_MS] [ROUNDS]
#       defaults: 1000 300k 25 5 (the first run builds three LTO binaries)
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"
types=${1:-1000}
objects=${2:-300k}
latency=${3:-25}
rounds=${4:-5}
levels=(z s 3)

bench_build
for level in "${levels[@]}"; do
  value=$level
  [[ $level == [0-3] ]] || value="\"$level\""
  [ "${BENCH_BUILD:-1}" = 0 ] || cargo build --quiet --bin kubectl-finalizers \
    --config "profile.bench-opt-$level.inherits=\"release\"" \
    --config "profile.bench-opt-$level.opt-level=$value" --profile "bench-opt-$level"
  cp "$root/target/bench-opt-$level/kubectl-finalizers" "$bin/kubectl-finalizers-$level"
  echo "opt-level $level: $(stat -c %s "$bin/kubectl-finalizers-$level") bytes"
done
echo "cluster: --generate types=$types,objects=$objects,stuck=100 --latency-ms $latency"
start_cluster large --generate "types=$types,objects=$objects,stuck=100" --latency-ms "$latency"
use_cluster large
for round in $(seq "$rounds"); do
  for ((i = 0; i < ${#levels[@]}; i++)); do
    level=${levels[$(((i + round) % ${#levels[@]}))]}
    export plugin=$bin/kubectl-finalizers-$level
    measure "opt-level-$level" "$round" json scan
  done
done
echo
python3 scripts/bench-report.py <(sed 's,^large/,,' "$results") opt-level-z
