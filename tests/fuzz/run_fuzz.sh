#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 and runs them for a bounded time, each
# from its seed corpus tests/fuzz/corpus/TARGET/ (see CMakeLists.txt for what each one
# feeds). Exits non-zero if a fuzzer finds a crash, an uncaught exception, a sanitizer
# report or a leak; the input that did it is left in $FUZZ_BUILD_DIR/artifacts/TARGET/.
#   tests/fuzz/run_fuzz.sh                       # every target, 60 s in all
#   tests/fuzz/run_fuzz.sh policy netlink        # those two, their shares of the 60 s
#   FUZZ_SECONDS=600 tests/fuzz/run_fuzz.sh      # every target, 600 s in all
#   FUZZ_TARGET_SECONDS=300 tests/fuzz/run_fuzz.sh zone   # zone alone for 300 s
#   tests/fuzz/run_fuzz.sh --build-only          # configure and build, run nothing
#   tests/fuzz/run_fuzz.sh --no-build uevent     # run an already built target
# FUZZ_SECONDS is the budget of a run of every target; each target always gets the same
# share of it (below), whether it runs alone or with the others, so ctest can run one
# test per target in parallel and the total stays FUZZ_SECONDS.
# FUZZ_BUILD_DIR (default build-fuzz/ at the top of the checkout) holds the build, the
# growing working corpora (corpus/TARGET/) and the artifacts; the seeds are only read.
# To reproduce a crash: $FUZZ_BUILD_DIR/TARGET_fuzz $FUZZ_BUILD_DIR/artifacts/TARGET/crash-...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
total=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}

# Share of FUZZ_SECONDS (in sixtieths) and largest input of each target. frames and the
# two parsers with the most structure get the most time; uevent's code is a few lines.
declare -A share=([frames]=16 [policy]=13 [netlink]=13 [zone]=6 [uevent]=4 [control]=4 [state]=4)
declare -A max_len=(
  [frames]=9216    # a jumbo frame; the probe's receive buffer is 16 KiB
  [policy]=8192    # the shipped examples are under 4 KiB
  [netlink]=16384  # a few messages of a dump datagram (the kernel's are up to 32 KiB)
  [zone]=4096
  [uevent]=2048    # the kernel's UEVENT_BUFFER_SIZE
  [control]=4200   # a request line is at most 4096 bytes
  [state]=16384    # a few hundred NICs; the daemon reads up to 16 MiB
)
all_targets=(frames policy netlink zone uevent control state)

build_step=1
run_step=1
targets=()
for arg in "$@"; do
  case $arg in
    --build-only) run_step=0 ;;
    --no-build) build_step=0 ;;
    frames | policy | netlink | zone | uevent | control | state) targets+=("$arg") ;;
    *) echo "run_fuzz: unknown argument '$arg' (targets: ${all_targets[*]})" >&2; exit 2 ;;
  esac
done
((${#targets[@]})) || targets=("${all_targets[@]}")

if ((build_step)); then
  command -v clang++-14 >/dev/null || { echo "run_fuzz: clang++-14 not found (scripts/install-deps.sh)" >&2; exit 1; }
  CC=clang-14 CXX=clang++-14 cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  if ((run_step)); then
    cmake --build "$build" -j2 --target "${targets[@]/%/_fuzz}"
  else
    cmake --build "$build" -j2
  fi
fi
((run_step)) || exit 0

export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
dict_args() { [[ -f "$here/$1.dict" ]] && echo "-dict=$here/$1.dict"; true; }
failed=()
for target in "${targets[@]}"; do
  seconds=${FUZZ_TARGET_SECONDS:-$((total * ${share[$target]} / 60))}
  ((seconds > 0)) || seconds=1
  corpus=$build/corpus/$target
  artifacts=$build/artifacts/$target
  log=$build/last_run_$target.log
  mkdir -p "$corpus" "$artifacts"
  echo "run_fuzz: $target for ${seconds} s"
  # New inputs go to the first corpus directory (the build's), never to the seeds.
  set +e
  # shellcheck disable=SC2046
  "$build/${target}_fuzz" -max_total_time="$seconds" -max_len="${max_len[$target]}" -timeout=10 \
    -print_final_stats=1 $(dict_args "$target") -artifact_prefix="$artifacts/" \
    "$corpus" "$here/corpus/$target" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -nE 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\1 runs in \2 s/p' "$log" | tail -n 1)
  if ((rc != 0)); then
    # The report (stack, sanitizer message, the input's bytes) is at the end of the log.
    tail -n 60 "$log" >&2
    echo "run_fuzz: $target FAILED (exit $rc); log $log, input in $artifacts/" >&2
    failed+=("$target")
  else
    echo "run_fuzz: $target: ${runs:-?}, no crash"
  fi
done
if ((${#failed[@]})); then
  echo "run_fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
