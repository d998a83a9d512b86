#!/usr/bin/env bash
# The benchmarks: builds them in Release (build-bench/) and prints their numbers —
# medians, p99s and ratios against baselines measured in the same run. Nothing here
# passes or fails on speed (the machines are shared and noisy: compare medians and
# ratios, not single runs); it is not part of scripts/test.sh or ctest.
#   scripts/bench.sh                    # bench_decide, bench_identify, bench_failover (root)
#   BENCH_ROUNDS=50 scripts/bench.sh    # rounds per identification method (20)
#   BENCH_IDENTIFY=0 BENCH_FAILOVER=0 scripts/bench.sh   # bench_decide only (no root needed)
#   BENCH_METHODS="arp lldp" ...        # identification methods (arp ra lldp ra-default)
#   BENCH_DECIDE=0 BENCH_IDENTIFY=0 BENCH_SECTIONS="failover stp" scripts/bench.sh
#                                       # parts of bench_failover only (failover stp storm start taps load);
#                                       # its JSON is also written to build-bench/bench_failover.json
#   FAILOVERD_BIN=old/failoverd FAILOVERCTL_BIN=old/failoverctl ...   # bench_failover against another daemon
#   BENCH_SOAK=1 SOAK_SECONDS=3600 scripts/bench.sh   # also the soak (tests/bench/run_soak.sh): an hour of random
#                                       # control requests, reloads, flaps, cable moves and firewall flushes
set -euo pipefail
cd "$(dirname "$0")/.."

: "${BENCH_DECIDE:=1}" "${BENCH_IDENTIFY:=1}" "${BENCH_FAILOVER:=1}" "${BENCH_SOAK:=0}"
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DFAILOVERD_TESTS=ON >/dev/null
cmake --build build-bench -j2 --target bench_decide bench_identify bench_failover failoverd failoverctl

if [[ "$BENCH_DECIDE" == 1 ]]; then
  echo "== bench_decide ($(date -u +%FT%TZ), $(nproc) CPUs, $(uname -r))"
  build-bench/tests/bench/bench_decide
fi

[[ "$BENCH_IDENTIFY" == 1 || "$BENCH_FAILOVER" == 1 || "$BENCH_SOAK" == 1 ]] || exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "bench.sh: bench_identify and bench_failover need root (network namespaces); skipped" >&2
  exit 0
fi
if [[ "$BENCH_IDENTIFY" == 1 ]]; then
  for tool in lldpd radvd arping rdisc6; do
    command -v "$tool" >/dev/null 2>&1 ||
      { echo "bench.sh: '$tool' is missing (Debian packages: lldpd radvd arping ndisc6)" >&2; exit 1; }
  done
fi

# The lab names its namespaces fod-<run id>-bench-id-<pid>; this run's id lets it delete
# what the wrapper could not (killed before its own cleanup), and nothing else.
export FOD_RUN_ID="b$$"
cleanup_own_namespaces() {
  local ns
  for ns in $(ip netns list 2>/dev/null | awk -v p="fod-$FOD_RUN_ID-" 'index($1, p) == 1 { print $1 }'); do
    echo "bench.sh: removing leftover namespace $ns" >&2
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
}
trap cleanup_own_namespaces EXIT

if [[ "$BENCH_IDENTIFY" == 1 ]]; then
  echo
  echo "== bench_identify"
  BENCH_IDENTIFY_BIN="$PWD/build-bench/tests/bench/bench_identify" bash tests/bench/run_identify_bench.sh
fi

if [[ "$BENCH_FAILOVER" == 1 ]]; then
  echo
  echo "== bench_failover (JSON on stdout, progress on stderr; also build-bench/bench_failover.json)"
  BENCH_FAILOVER_BIN="$PWD/build-bench/tests/bench/bench_failover" BENCH_OUT="$PWD/build-bench/bench_failover.json" \
    bash tests/bench/run_failover_bench.sh
fi

if [[ "$BENCH_SOAK" == 1 ]]; then
  echo
  echo "== soak (${SOAK_SECONDS:-3600} s)"
  FAILOVERD_BIN="${FAILOVERD_BIN:-$PWD/build-bench/failoverd/failoverd}" \
    FAILOVERCTL_BIN="${FAILOVERCTL_BIN:-$PWD/build-bench/failoverd/failoverctl}" bash tests/bench/run_soak.sh
fi
