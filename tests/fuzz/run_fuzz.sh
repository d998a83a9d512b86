#!/usr/bin/env bash
# Builds the frame decoders' libFuzzer target with clang-14 and runs it for a bounded
# time from the seed corpus tests/fuzz/corpus/ (valid LLDP, ARP and RA frames captured in
# the lab). Exits non-zero if the fuzzer finds a crash, a sanitizer report or a leak; the
# input that did it is left in $FUZZ_BUILD_DIR/artifacts/.
#   tests/fuzz/run_fuzz.sh                 # 60 s
#   FUZZ_SECONDS=600 tests/fuzz/run_fuzz.sh
# FUZZ_BUILD_DIR (default build-fuzz/ at the top of the checkout) holds the build, the
# growing working corpus and the artifacts; the committed seed corpus is only read.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}

command -v clang++-14 >/dev/null || { echo "run_fuzz: clang++-14 not found (scripts/install-deps.sh)" >&2; exit 1; }
CC=clang-14 CXX=clang++-14 cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2

mkdir -p "$build/corpus" "$build/artifacts"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# New inputs go to the first corpus directory (the build's), never to the seeds.
# -max_len: a jumbo frame; the probe's receive buffer is 16 KiB.
set +e
"$build/frames_fuzz" -max_total_time="$seconds" -max_len=9216 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$build/artifacts/" "$build/corpus" "$here/corpus" 2>&1 | tee "$build/last_run.log"
rc=${PIPESTATUS[0]}
set -e
runs=$(sed -nE 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\1 runs in \2 s/p' "$build/last_run.log" | tail -n 1)
if ((rc != 0)); then
  echo "run_fuzz: FAILED (exit $rc); inputs in $build/artifacts/" >&2
  exit 1
fi
echo "run_fuzz: ${runs:-?}, no crash"
