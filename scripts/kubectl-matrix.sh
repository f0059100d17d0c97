#!/usr/bin/env bash
# Runs the kubectl fidelity suites with every kubectl minor version installed
# beside the kubectl on PATH (kubectl.1.27 … kubectl.1.33), one version at a
# time, and prints one line per version. Exit status: the number of versions
# with a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
kubectl_path=$(command -v kubectl) || { echo "kubectl is not on PATH" >&2; exit 2; }
dir=$(dirname "$(readlink -f "$kubectl_path")")
cargo test --locked --test kubectl --test kubectl_fidelity --no-run >/dev/null 2>&1 \
    || { echo "the test binaries do not build" >&2; exit 2; }
failed=0
for binary in "$dir"/kubectl "$dir"/kubectl.1.*; do
    [ -x "$binary" ] || continue
    version=$("$binary" version --client -o json 2>/dev/null | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p')
    log=$(KUBECTL="$binary" cargo test --locked --no-fail-fast --test kubectl --test kubectl_fidelity 2>&1)
    passed=$(grep -o '[0-9]* passed' <<<"$log" | awk '{s += $1} END {print s + 0}')
    failures=$(grep -o '[0-9]* failed' <<<"$log" | awk '{s += $1} END {print s + 0}')
    printf '%-14s %-20s %3s passed %3s failed\n' "$(basename "$binary")" "${version:-?}" "$passed" "$failures"
    if [ "$failures" != 0 ] || ! grep -q 'test result: ok' <<<"$log"; then
        grep -E '^test .* FAILED|panicked at' <<<"$log" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
done
exit "$failed"
