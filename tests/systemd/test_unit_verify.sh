#!/usr/bin/env bash
# `systemd-analyze verify` on failoverd.service: every directive known, the
# dependencies resolvable, no ordering cycle. The unit's /usr/sbin/failoverd and
# /usr/bin/failoverctl are pointed at the binaries under test so the check does not
# need an install. Also: `systemctl reload` must report a refused policy, so
# ExecReload is failoverctl's reload (which exits 1 on a refusal), never a bare
# SIGHUP, and never forces; and no ExecStartPre=--check stops a start that would fall
# back to the last good policy (tests/kernel/test_policy_fallback.sh runs both).
set -euo pipefail
src=${FAILOVERD_SOURCE_DIR:?}/failoverd/systemd/failoverd.service
bin=${FAILOVERD_BIN:?}
ctl=${FAILOVERCTL_BIN:?}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/sbin/failoverd|$bin|g; s|/usr/bin/failoverctl|$ctl|g" "$src" >"$dir/failoverd.service"
out=$(systemd-analyze verify --man=no "$dir/failoverd.service" 2>&1) || {
  echo "systemd-analyze verify failed:"; echo "$out"; exit 1
}
if grep -q 'failoverd.service' <<<"$out"; then
  echo "systemd-analyze verify complained about the unit:"; echo "$out"; exit 1
fi
grep -q '^Type=notify$' "$dir/failoverd.service" || { echo "unit is not Type=notify"; exit 1; }
grep -q '^Before=network-pre.target' "$dir/failoverd.service" || { echo "unit not ordered before network-pre.target"; exit 1; }
grep -qx "ExecReload=$ctl reload" "$dir/failoverd.service" ||
  { echo "ExecReload is not 'failoverctl reload': $(grep ExecReload "$dir/failoverd.service")"; exit 1; }
if grep -q '^ExecStartPre=' "$dir/failoverd.service"; then
  echo "an ExecStartPre would stop the start before failoverd can fall back to the last good policy"; exit 1
fi
echo "ok - failoverd.service verifies cleanly${out:+ (other output: $out)}"
