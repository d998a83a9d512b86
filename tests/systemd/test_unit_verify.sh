#!/usr/bin/env bash
# `systemd-analyze verify` on failoverd.service: every directive known, the
# dependencies resolvable, no ordering cycle. The unit's /usr/sbin/failoverd is
# pointed at the binary under test so the check does not need an install.
set -euo pipefail
src=${FAILOVERD_SOURCE_DIR:?}/failoverd/systemd/failoverd.service
bin=${FAILOVERD_BIN:?}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/sbin/failoverd|$bin|g" "$src" >"$dir/failoverd.service"
out=$(systemd-analyze verify --man=no "$dir/failoverd.service" 2>&1) || {
  echo "systemd-analyze verify failed:"; echo "$out"; exit 1
}
if grep -q 'failoverd.service' <<<"$out"; then
  echo "systemd-analyze verify complained about the unit:"; echo "$out"; exit 1
fi
grep -q '^Type=notify$' "$dir/failoverd.service" || { echo "unit is not Type=notify"; exit 1; }
grep -q '^Before=network-pre.target' "$dir/failoverd.service" || { echo "unit not ordered before network-pre.target"; exit 1; }
echo "ok - failoverd.service verifies cleanly${out:+ (other output: $out)}"
