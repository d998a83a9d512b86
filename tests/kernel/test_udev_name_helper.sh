#!/usr/bin/env bash
# The udev naming helper (failoverd-udev-name) run directly, the way udev runs it for
# NICs that appear together: one call per NIC with the kernel's name, all at once.
# Each round starts from an empty state directory; every call must print a distinct
# hwethN (the lowest free ones: a link already called hweth0 and a NIC the kernel named
# hweth2 hold theirs), state.json must record them all, and a second call for a NIC must
# print the same name. The helper only reads links (udev renames), so nothing is renamed
# here; it still runs only inside the test's own namespace.
#
# Naming follows the service (issue 14 point 4, section 5): no name unless
# failoverd.service is enabled and failoverd has started successfully once (its last
# good policy exists); disabling the service stops it again.
#
# Besides the installed helper, failoverd-udev-name-testing (built next to it, with
# test knobs) shows that the test has teeth: holding the lock for a while between
# choosing and writing, calls still get distinct names and take turns; reading
# state.json outside the lock, the same round hands out duplicates, and the test
# must see them.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init udevname

: "${FAILOVERD_UDEV_NAME_BIN:=$LAB_REPO/build/udev-rules/failoverd-udev-name}"
HELPER=$FAILOVERD_UDEV_NAME_BIN
TESTING=$(dirname "$HELPER")/failoverd-udev-name-testing
[[ -x "$HELPER" ]] || fail "helper $HELPER not found (build first)"
[[ -x "$TESTING" ]] || fail "test build of the helper $TESTING not found (build with FAILOVERD_TESTS=ON)"

ROUNDS=${UDEV_NAME_ROUNDS:-20}
HOLD_MS=150

# The server: six veth NICs with kernel-style names, one of them named like a service
# name; and a link that is not a managed NIC but already carries hweth0 (a bridge, as
# it needs no module of its own).
lab_ns server
S=$LAB_NS
lab_switch sw
nics=(ens1 ens2 ens3 hweth2 ens5 ens6)
macs=(02:00:00:00:07:01 02:00:00:00:07:02 02:00:00:00:07:03 02:00:00:00:07:04 02:00:00:00:07:05 02:00:00:00:07:06)
for i in "${!nics[@]}"; do lab_nic server "${nics[$i]}" "${macs[$i]}" sw; done
ip -n "$S" link add hweth0 type bridge
N=${#nics[@]}
EXPECTED="hweth1 hweth2 hweth3 hweth4 hweth5 hweth6"  # hweth0 is taken; hweth2 stays with its NIC
ok "server namespace: NICs ${nics[*]}, and bridge hweth0"

# The helper names NICs only where failoverd.service is enabled and has started
# successfully once: a systemd root with the unit enabled, and a last good policy in
# each state directory (section 5 checks what happens without them).
ROOT=$T/root
mkdir -p "$ROOT/etc/systemd/system/multi-user.target.wants"
ln -s /usr/lib/systemd/system/failoverd.service "$ROOT/etc/systemd/system/multi-user.target.wants/failoverd.service"
export_root=(--systemd-root "$ROOT")

# A policy whose state_dir is a fresh directory: the path of the policy file.
new_policy() {  # DIR
  mkdir -p "$1/state"
  echo '{}' >"$1/state/last-good.json"
  cat >"$1/policy.toml" <<EOF
[daemon]
state_dir = "$1/state"
udev_source = "kernel"

[nics]
include = ["kind:veth"]

[[bridge]]
name = "eth0"
EOF
  echo "$1/policy.toml"
}

# Starts one call per NIC at once in the server namespace and waits for them all.
# Outputs: DIR/NIC.out, DIR/NIC.err, DIR/NIC.rc. Extra arguments: VAR=VALUE for env.
run_round() {  # DIR BIN [VAR=VALUE...]
  local dir=$1 bin=$2 policy nic pid
  shift 2
  policy=$(new_policy "$dir")
  local pids=()
  for nic in "${nics[@]}"; do
    ip netns exec "$S" env "$@" "$bin" --policy "$policy" "${export_root[@]}" "$nic" >"$dir/$nic.out" 2>"$dir/$nic.err" &
    pids+=($!)
  done
  local i=0
  for pid in "${pids[@]}"; do
    if wait "$pid"; then echo 0 >"$dir/${nics[$i]}.rc"; else echo $? >"$dir/${nics[$i]}.rc"; fi
    i=$((i + 1))
  done
}

# The names printed in DIR, sorted, one line.
printed_names() { cat "$1"/*.out | sort -V | tr '\n' ' ' | sed 's/ $//'; }

# Checks a round that must have succeeded: every call exited 0 and printed one hwethN,
# all distinct and the lowest free ones, each recorded in state.json for its NIC, and
# a second call for each NIC prints the same name without changing state.json.
check_round() {  # DIR LABEL
  local dir=$1 label=$2 i nic mac name recorded again before
  for i in "${!nics[@]}"; do
    nic=${nics[$i]}
    [[ "$(cat "$dir/$nic.rc")" == 0 ]] || fail "$label: helper for $nic exited $(cat "$dir/$nic.rc"): $(cat "$dir/$nic.err")"
    name=$(cat "$dir/$nic.out")
    [[ "$name" =~ ^hweth[0-9]+$ ]] || fail "$label: helper for $nic printed '$name'"
  done
  [[ "$(printed_names "$dir")" == "$EXPECTED" ]] || fail "$label: names $(printed_names "$dir"), expected $EXPECTED"
  [[ "$(jq '.nics | length' "$dir/state/state.json")" == "$N" ]] ||
    fail "$label: state.json has $(jq '.nics | length' "$dir/state/state.json") NICs: $(cat "$dir/state/state.json")"
  for i in "${!nics[@]}"; do
    nic=${nics[$i]} mac=${macs[$i]}
    name=$(cat "$dir/$nic.out")
    recorded=$(jq -r --arg m "$mac" '.nics[$m].name // ""' "$dir/state/state.json")
    [[ "$recorded" == "$name" ]] || fail "$label: state.json has '$recorded' for $nic ($mac), the helper printed $name"
  done
  before=$(cat "$dir/state/state.json")
  for i in "${!nics[@]}"; do
    nic=${nics[$i]}
    again=$(ip netns exec "$S" "$HELPER" --policy "$dir/policy.toml" "${export_root[@]}" "$nic") || fail "$label: second call for $nic failed"
    [[ "$again" == "$(cat "$dir/$nic.out")" ]] || fail "$label: second call for $nic printed $again, first $(cat "$dir/$nic.out")"
  done
  [[ "$(cat "$dir/state/state.json")" == "$before" ]] || fail "$label: a second call changed state.json"
}

ms_now() { echo $(($(date +%s%N) / 1000000)); }

# 1. The installed helper, ROUNDS rounds of six NICs at once.
for r in $(seq 1 "$ROUNDS"); do
  run_round "$T/r$r" "$HELPER"
  check_round "$T/r$r" "round $r"
done
ok "$ROUNDS rounds of $N concurrent calls: names $EXPECTED every time, recorded in state.json, stable on a second call"

# A link that is no managed NIC (a bridge, even one with a NIC-like name) is not named: exit 1, nothing printed or recorded.
ip -n "$S" link add ens9 type bridge
out=$(ip netns exec "$S" "$HELPER" --policy "$T/r1/policy.toml" "${export_root[@]}" ens9) && fail "an unmanaged link was named $out"
[[ -z "$out" ]] || fail "unmanaged link: printed '$out'"
[[ "$(jq '.nics | length' "$T/r1/state/state.json")" == "$N" ]] || fail "unmanaged link: state.json changed"
ip -n "$S" link del ens9
ok "a link that is not a managed NIC is left alone (exit 1)"

# 2. The lock held HOLD_MS between choosing and writing: the calls overlap for sure,
#    still get distinct names, and take turns (together at least N x HOLD_MS).
for r in 1 2; do
  started=$(ms_now)
  run_round "$T/held$r" "$TESTING" FAILOVERD_UDEV_NAME_HOLD_MS=$HOLD_MS
  took=$(($(ms_now) - started))
  check_round "$T/held$r" "held round $r"
  ((took >= N * HOLD_MS)) || fail "held round $r: $N calls holding the lock ${HOLD_MS} ms took only ${took} ms"
  ok "held round $r: distinct names, and the $N calls took turns (${took} ms >= $N x ${HOLD_MS} ms)"
done

# 3. Without the lock around the read (only the write locked), the same round must
#    hand out duplicates, and the checks above must notice.
found=""
for r in 1 2 3; do
  run_round "$T/nolock$r" "$TESTING" FAILOVERD_UDEV_NAME_HOLD_MS=$HOLD_MS FAILOVERD_UDEV_NAME_NO_LOCK=1
  distinct=$(cat "$T/nolock$r"/*.out | sort -u | wc -l)
  if ((distinct < N)); then
    found="round $r: $N calls printed only $distinct distinct names ($(printed_names "$T/nolock$r"))"
    break
  fi
done
[[ -n "$found" ]] || fail "without the lock no duplicate appeared in 3 rounds: this test would not notice a missing lock"
if (check_round "$T/nolock$r" "unlocked round" 2>/dev/null); then fail "check_round accepted the unlocked round"; fi
ok "without the lock the duplicates are caught: $found"

# 4. 82-failoverd-unmanaged.rules imports the helper's properties for every bridge: a
#    policy bridge with static addresses is failoverd's (NM and networkd keep off), one
#    without addresses is left to them, and a bridge outside the policy is not touched.
mkdir -p "$T/props/state"
echo '{}' >"$T/props/state/last-good.json"
cat >"$T/props/policy.toml" <<EOF
[daemon]
state_dir = "$T/props/state"
[nics]
include = ["kind:veth"]
[[bridge]]
name = "eth0"
address = ["192.0.2.9/24"]
[[bridge]]
name = "eth1"
EOF
props() { "$HELPER" --policy "$T/props/policy.toml" "${export_root[@]}" --bridge-properties "$1"; }
out=$(props eth0) || fail "bridge-properties eth0: exit $?"
assert_eq $'NM_UNMANAGED=1\nID_NET_MANAGED_BY=failoverd' "$out" "a bridge with static addresses is marked unmanaged"
rc=0; out=$(props eth1) || rc=$?
assert_eq "1:" "$rc:$out" "a bridge without addresses is left to networkd/NM (exit 1, no properties)"
rc=0; out=$(props docker0) || rc=$?
assert_eq "1:" "$rc:$out" "a bridge outside the policy is not touched"

# 5. Naming follows the service: with the policy written but failoverd never started,
#    or the service not enabled (or disabled again), no NIC is named and nothing is recorded.
new_policy "$T/svc" >/dev/null
rm "$T/svc/state/last-good.json"
call() {  # ROOT -> sets RC, OUT, ERR
  run ip netns exec "$S" "$HELPER" --policy "$T/svc/policy.toml" --systemd-root "$1" ens1
}
call "$ROOT"
assert_eq "1:" "$RC:$OUT" "policy written, failoverd never started: no name"
assert_match "has not started successfully on this host yet" "$ERR" "the helper says why"
[[ ! -e "$T/svc/state/state.json" ]] || fail "a name was recorded although nothing was named"
echo '{}' >"$T/svc/state/last-good.json"
mkdir -p "$T/disabled/etc/systemd/system/multi-user.target.wants"
call "$T/disabled"
assert_eq "1:" "$RC:$OUT" "started once, but the service is not enabled: no name"
assert_match "failoverd.service is not enabled" "$ERR" "the helper says why"
run ip netns exec "$S" "$HELPER" --policy "$T/svc/policy.toml" --systemd-root "$T/disabled" --bridge-properties eth0
assert_eq "1:" "$RC:$OUT" "nor bridge properties"
mkdir -p "$T/runtime/run/systemd/system/network-pre.target.wants"
ln -s /usr/lib/systemd/system/failoverd.service "$T/runtime/run/systemd/system/network-pre.target.wants/failoverd.service"
call "$T/runtime"
assert_eq 0 "$RC" "enabled at runtime (under /run) and started once: named"
assert_match "^hweth[0-9]+$" "$OUT" "with a service name"
call "$ROOT"
assert_eq "0:$OUT" "$RC:$OUT" "enabled and started once: the same name again"
rm "$ROOT/etc/systemd/system/multi-user.target.wants/failoverd.service"
call "$ROOT"
assert_eq "1:" "$RC:$OUT" "disabled again (systemctl disable): no name"
