#!/usr/bin/env bash
# README command 2: build with AddressSanitizer + UndefinedBehaviorSanitizer and run every
# test: the unit tests (no kernel, no root) and the kernel tests (the real daemon in
# private network namespaces; root). Exits non-zero if anything failed.
#   scripts/test.sh              # everything
#   scripts/test.sh -L unit      # extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
# FAILOVERD_REQUIRE_ALL_TESTS: a test whose tool is missing fails the run instead of vanishing.
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DFAILOVERD_SANITIZE=ON -DFAILOVERD_REQUIRE_ALL_TESTS=ON
cmake --build build-test -j2

# Sanitizers: stop at the first error. LeakSanitizer works in network namespaces (it
# needs ptrace of its own threads, which root has); the one kernel test that runs the
# daemon under strace turns it off for that run, since a traced process cannot be traced
# again.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

# Kernel tests name their namespaces fod-<run id>-<test>-<pid>; this run's id lets it
# delete what its own tests could not (a test killed by ctest's timeout), and nothing else.
export FOD_RUN_ID="t$$"
cleanup_own_namespaces() {
  local ns
  for ns in $(ip netns list 2>/dev/null | awk -v p="fod-$FOD_RUN_ID-" 'index($1, p) == 1 { print $1 }'); do
    echo "test.sh: removing leftover namespace $ns" >&2
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
}
trap cleanup_own_namespaces EXIT

if [[ $(id -u) -ne 0 && $# -eq 0 ]]; then
  echo "test.sh: the kernel tests need root; run as root, or pass '-L unit' for the unit tests only" >&2
  exit 1
fi

ctest --test-dir build-test --output-on-failure -j2 "$@"
