#!/usr/bin/env bash
# Builds the failoverd tree the VM test installs into its guest: the daemon, failoverctl
# and the udev helper, without sanitizers (the guest runs the udev helper under
# systemd-udevd's system call filter, where LeakSanitizer cannot work) and without
# optimisation (it builds in about 2 minutes on 2 cores; -O3 takes 4 times as long).
#   tests/vm/build_tree.sh SOURCE_DIR BUILD_DIR [BUILD_TYPE]   (default Debug)
set -euo pipefail
src=${1:?SOURCE_DIR} dir=${2:?BUILD_DIR} type=${3:-Debug}
cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DFAILOVERD_TESTS=OFF -DFAILOVERD_SANITIZE=OFF >/dev/null
cmake --build "$dir" -j2 --target failoverd failoverctl failoverd-udev-name
