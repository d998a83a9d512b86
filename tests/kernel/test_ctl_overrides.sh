#!/usr/bin/env bash
# failoverctl against the real daemon (SPEC §5, §6): the read-only commands and the exit
# codes (0 ok, 1 refused, 2 usage, 3 unreachable); the administrator's overrides attach,
# detach, auto, isolate and restore, checked on the kernel (ip link master, addresses,
# the nft zone chain), in the status JSON and with the peers' traffic; the overrides
# surviving a daemon restart; who may change state through the socket (SO_PEERCRED,
# control_group); and an attach refused because it would bridge two identified networks.
#
#   switch a: m1, m2 (eth0's ports, in that order), peer 192.0.2.1
#   switch b: m3 (eth1's port), peerb 198.51.100.1
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init ctlovr
lab_require_daemon
lab_require nft setpriv

m1=02:00:00:00:41:01   # eth0, preferred
m2=02:00:00:00:41:02   # eth0, second
m3=02:00:00:00:41:03   # eth1
lab_ns server
lab_switch a
lab_switch b
lab_nic server ens1 "$m1" a
lab_nic server ens2 "$m2" a
lab_nic server ens3 "$m3" b
lab_host a peer 192.0.2.1/24
lab_host b peerb 198.51.100.1/24

# The lab's policy header with control_group = "root" made explicit in [daemon].
policy_header() { lab_policy_header | sed '/^\[daemon\]$/a control_group = "root"'; }
{
  policy_header
  cat <<EOF2

[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "$m1" }, { mac = "$m2" }]

[[bridge]]
name = "eth1"
zone = "lan"
address = ["198.51.100.9/24"]
ports = [{ mac = "$m3" }]
EOF2
} >"$T/policy.toml"
grep -q '^include = \["kind:veth"\]$' "$T/policy.toml" || fail "the policy does not restrict the NICs to veths"

# ---- helpers ------------------------------------------------------------------------------

# failoverctl as another user (numeric ids; no supplementary groups), against the daemon.
ctl_as() {  # UID GID ARGS...
  local uid=$1 gid=$2; shift 2
  ip netns exec "$LAB_DAEMON_NS" setpriv --reuid="$uid" --regid="$gid" --clear-groups \
    "$FAILOVERCTL_BIN" --socket "$LAB_DAEMON_SOCKET" "$@"
}

ports() { lab_ports_of server "$1" | tr '\n' ' ' | sed 's/ $//'; }          # BRIDGE
ports_are() { [[ "$(ports "$1")" == "$2" ]]; }                              # BRIDGE "NIC..."
master_of() { ip -n "$(lab_nsname server)" -j link show dev "$1" | jq -r '.[0].master // ""'; }
bridge_field() { lab_status_json | jq -r --arg b "$1" ".bridges[] | select(.name == \$b) | $2"; }
bridge_field_is() { [[ "$(bridge_field "$1" "$2")" == "$3" ]]; }
settled() { [[ "$(lab_ctl --json plan 2>/dev/null | jq -r .message)" == "nothing to change" ]]; }
ping_fails() { ! lab_ping_ok "$1" "$2"; }
state_json_is() { jq -e "$1" "$T/state/state.json" >/dev/null; }  # JQ_CONDITION
check_ports() {  # BRIDGE "NIC..." WHEN
  local now; now=$(ports "$1")
  [[ "$now" == "$2" ]] || fail "$3: $1's ports are '$now', expected '$2'"
  ok "$3: $1's ports (ip link): '${2}'"
}

# ---- start --------------------------------------------------------------------------------
lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1")
n2=$(lab_nic_name server "$m2")
n3=$(lab_nic_name server "$m3")
for n in "$n1" "$n2" "$n3"; do assert_match '^hweth[0-9]+$' "$n" "NIC named"; done
wait_until 10 lab_active_is eth0 "$n1"
wait_until 10 lab_active_is eth1 "$n3"
wait_until 10 settled
check_ports eth0 "$n1" "start"
check_ports eth1 "$n3" "start"
wait_until 10 lab_ping_ok peer 192.0.2.9
wait_until 10 lab_ping_ok peerb 198.51.100.9
ok "both peers ping the server"

# ---- 1. read-only commands and exit codes -------------------------------------------------
expect_rc 0 "status" lab_ctl status
assert_match "active-backup +up .* active $n1" "$(grep -m 1 '^eth0 ' <<<"$OUT")" "status table: eth0's line"
[[ "$OUT" == *"$n1"* && "$OUT" == *"$n2"* && "$OUT" == *"$n3"* ]] || fail "status table lacks a NIC: $OUT"
ok "status table names $n1, $n2 and $n3"
expect_rc 0 "--json status" lab_ctl --json status
json=$OUT
assert_eq "inet failoverd true" "$(jq -r '"\(.firewall.table) \(.firewall.zero_phase)"' <<<"$json")" "status JSON: firewall"
assert_eq "eth0 up $n1 eth1 up $n3" \
  "$(jq -r '[.bridges[] | "\(.name) \(.state) \(.active)"] | join(" ")' <<<"$json")" "status JSON: bridges, states, active"
assert_eq "active-backup lan" "$(jq -r '.bridges[0] | "\(.mode) \(.zone)"' <<<"$json")" "status JSON: eth0 mode and zone"
assert_eq "$n1:active $n2:standby" \
  "$(jq -r '[.bridges[0].ports[] | "\(.nic):\(.role)"] | join(" ")' <<<"$json")" "status JSON: eth0's ports and roles"
assert_eq 3 "$(jq '[.nics[] | select(has("perm_mac") and has("carrier") and has("bridge") and has("role") and has("network") and has("seen"))] | length' <<<"$json")" \
  "status JSON: every NIC has the §6 fields"
assert_eq "eth0 active" "$(jq -r --arg n "$n1" '.nics[] | select(.name == $n) | "\(.bridge) \(.role)"' <<<"$json")" "status JSON: $n1"
expect_rc 0 "events" lab_ctl events
assert_match "$n1: .*active of eth0" "$(grep -m 1 "$n1: .*active of eth0" <<<"$OUT")" "events: $n1 became eth0's active"
expect_rc 0 "plan" lab_ctl plan
assert_match "nothing to change" "$OUT" "plan after convergence"
expect_rc 0 "probe a managed NIC" lab_ctl probe "$n1"
assert_match "$n1" "$OUT" "probe output"
expect_rc 1 "probe an unknown NIC" lab_ctl probe hweth99
assert_match "no managed NIC named 'hweth99'" "$ERR" "probe hweth99: message on stderr"
expect_rc 0 "metrics" lab_ctl metrics
assert_match "failoverd_[a-z_]+(\{[^}]*\})? [0-9.e+-]+" "$(grep -m 1 '^failoverd_' <<<"$OUT")" "metrics: a failoverd_ sample"
expect_rc 2 "usage: attach without arguments" lab_ctl attach
expect_rc 2 "usage: attach with one argument" lab_ctl attach "$n2"
expect_rc 2 "usage: unknown command" lab_ctl frobnicate
expect_rc 2 "usage: no command" lab_ctl
expect_rc 3 "daemon unreachable (no socket)" \
  ip netns exec "$LAB_DAEMON_NS" "$FAILOVERCTL_BIN" --socket "$T/nosuch.sock" status
assert_match "nosuch.sock" "$ERR" "unreachable: message names the socket"

# ---- 2. attach ----------------------------------------------------------------------------
expect_rc 0 "attach $n2 eth0" lab_ctl attach "$n2" eth0
assert_match "$n2: attached to eth0 by hand" "$OUT" "attach: message"
check_ports eth0 "$n2" "after attach $n2 eth0"
assert_eq "manual eth0" "$(lab_nic_field "$n2" '"\(.role) \(.bridge)"')" "status: $n2 role and bridge"
assert_eq "active true" "$(lab_status_json | jq -r --arg n "$n2" '.bridges[] | select(.name == "eth0") | .ports[] | select(.nic == $n) | "\(.role) \(.manual)"')" \
  "status: as a port of eth0, $n2 is the active one (SPEC §6 port roles), marked manual"
assert_eq "$n2" "$(lab_json_active eth0)" "status: eth0's active"
assert_eq "up" "$(bridge_field eth0 .state)" "status: eth0 state"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "peer pings 192.0.2.9 through $n2"
expect_rc 1 "attach an unknown NIC refused" lab_ctl attach hweth99 eth0
assert_match "no managed NIC named 'hweth99'" "$ERR" "attach hweth99: message on stderr"
expect_rc 1 "attach to an unknown bridge refused" lab_ctl attach "$n2" nosuch
assert_match "no bridge named 'nosuch'" "$ERR" "attach to nosuch: message on stderr"
check_ports eth0 "$n2" "after the refused attaches"
assert_eq "manual eth0" "$(lab_nic_field "$n2" '"\(.role) \(.bridge)"')" "status: $n2 unchanged by the refusals"

# ---- 3. detach ----------------------------------------------------------------------------
expect_rc 0 "detach $n2" lab_ctl detach "$n2"
assert_match "detached by hand from eth0" "$OUT" "detach: message"
assert_eq "" "$(master_of "$n2")" "$n2 has no master"
check_ports eth0 "$n1" "after detach $n2"
assert_eq "manual null" "$(lab_nic_field "$n2" '"\(.role) \(.bridge)"')" "status: $n2 role and bridge"
assert_eq "$n1" "$(lab_json_active eth0)" "status: eth0 failed over to"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "peer pings 192.0.2.9 through $n1"

# ---- 4. auto ------------------------------------------------------------------------------
expect_rc 0 "auto $n2" lab_ctl auto "$n2"
assert_match "handed back to failoverd" "$OUT" "auto: message"
assert_eq "standby eth0" "$(lab_nic_field "$n2" '"\(.role) \(.bridge)"')" "status: $n2 role and bridge"
assert_eq "$n1" "$(lab_json_active eth0)" "status: failback=never, eth0's active stays"
wait_until 5 settled
check_ports eth0 "$n1" "after auto $n2"
expect_rc 0 "auto again is harmless" lab_ctl auto "$n2"
assert_match "not overridden" "$OUT" "auto again: message"

# ---- 5. isolate / restore under a ping stream ---------------------------------------------
lab_bg pingstream lab_in peer ping -n -D -i 0.05 192.0.2.9
stream_pid=$LAB_BG_PID
wait_until 10 lab_ping_replies_after pingstream 0 5
ok "ping stream from the peer answered"
expect_rc 0 "isolate eth0" lab_ctl isolate eth0
isolated_ts=$(date +%s.%N)
assert_match "isolated by hand" "$OUT" "isolate: message"
check_ports eth0 "" "after isolate eth0"
for n in "$n1" "$n2"; do assert_eq "" "$(master_of "$n")" "$n has no master"; done
assert_eq "isolated null" "$(bridge_field eth0 '"\(.state) \(.active)"')" "status: eth0 state and active"
addr_flags=$(ip -n "$(lab_nsname server)" -j addr show dev eth0 |
  jq -r '.[0] | "\([.addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"] | join(",")) \(.flags | index("UP") != null)"')
assert_eq "192.0.2.9/24 true" "$addr_flags" "eth0 keeps its address and is up"
zone_chain_exists() { lab_in server nft list chain inet failoverd in_eth0 >/dev/null; }
assert_cmd "nft: eth0's zone chain in_eth0 is still in inet failoverd" zone_chain_exists
wait_until 5 ping_fails peer 192.0.2.9
ok "peer's pings to 192.0.2.9 are no longer answered"
lab_ping_ok peerb 198.51.100.9 || fail "eth1 was affected by isolating eth0"
ok "eth1 unaffected: peerb pings 198.51.100.9"
check_ports eth1 "$n3" "while eth0 is isolated"
expect_rc 0 "isolate again is harmless" lab_ctl isolate eth0
assert_match "already isolated" "$OUT" "isolate again: message"
expect_rc 1 "isolate an unknown bridge refused" lab_ctl isolate nosuch
assert_match "no bridge named 'nosuch'" "$ERR" "isolate nosuch: message on stderr"

# An attach to an isolated bridge is recorded and waits for the restore.
expect_rc 0 "attach $n2 eth0 while eth0 is isolated" lab_ctl attach "$n2" eth0
assert_match "eth0 is isolated, so $n2 joins it on .failoverctl restore eth0." "$OUT" "attach while isolated: message"
check_ports eth0 "" "after attach $n2 to the isolated eth0"
assert_eq "manual isolated" "$(lab_nic_field "$n2" .role) $(bridge_field eth0 .state)" "status: $n2 role, eth0 state"

restore_ts=$(date +%s.%N)
expect_rc 0 "restore eth0" lab_ctl restore eth0
assert_match "eth0: restored; $n2 is its port again" "$OUT" "restore: message"
wait_until 5 ports_are eth0 "$n2"
ok "eth0's port is $n2 (attached by hand while isolated)"
assert_eq "$n2 manual" "$(lab_json_active eth0) $(lab_nic_field "$n2" .role)" "status: eth0's active, $n2's role"
wait_until 5 bridge_field_is eth0 .state up
ok "status: eth0 state up"
wait_until 10 lab_ping_replies_after pingstream "$restore_ts" 5
ok "the peer's ping stream is answered again"
lab_bg_stop "$stream_pid" INT
# Replies while isolated (after the isolate had returned, before the restore): none.
late=$(awk -v a="$isolated_ts" -v b="$restore_ts" '/bytes from/ { t = substr($1, 2, length($1) - 2) + 0; if (t > a + 0.1 && t < b + 0) n++ } END { print n + 0 }' "$T/pingstream.out")
assert_eq 0 "$late" "no reply while eth0 was isolated"
read -r gap_ms back_ms < <(awk -v a="$isolated_ts" -v r="$restore_ts" '/bytes from/ {
    t = substr($1, 2, length($1) - 2) + 0
    if (t <= a + 0) last = t
    else if (t > r + 0 && first == "") first = t }
  END { printf "%.0f %.0f\n", (first - last) * 1000, (first - r) * 1000 }' "$T/pingstream.out")
echo "# ping stream interrupted for $gap_ms ms (isolate -> restore); first reply $back_ms ms after restore was sent"
expect_rc 0 "restore again is harmless" lab_ctl restore eth0
assert_match "was not isolated" "$OUT" "restore again: message"
expect_rc 0 "auto $n2" lab_ctl auto "$n2"
assert_eq "active standby" "$(lab_nic_field "$n2" .role) $(lab_nic_field "$n1" .role)" \
  "status: failback=never, $n2 keeps the job as the daemon's active; $n1 standby"

# ---- 6. overrides survive a restart ------------------------------------------------------
wait_until 5 settled
active0=$(lab_json_active eth0)
if [[ "$active0" == "$n1" ]]; then other0=$n2; else other0=$n1; fi
expect_rc 0 "detach the active $active0" lab_ctl detach "$active0"
check_ports eth0 "$other0" "after detach $active0"
expect_rc 0 "isolate eth1" lab_ctl isolate eth1
check_ports eth1 "" "after isolate eth1"
assert_cmd "state.json records both overrides" \
  state_json_is '.overrides.isolated == ["eth1"] and ([.overrides.manual[]] == [""])'
lab_daemon_stop
lab_daemon_start server "$T/policy.toml"
wait_until 10 settled
assert_eq "manual null" "$(lab_nic_field "$active0" '"\(.role) \(.bridge)"')" "after restart: $active0 still detached by hand"
assert_eq "" "$(master_of "$active0")" "after restart: $active0 has no master"
check_ports eth0 "$other0" "after restart"
assert_eq "isolated null" "$(bridge_field eth1 '"\(.state) \(.active)"')" "after restart: eth1 still isolated"
check_ports eth1 "" "after restart"
ping_fails peerb 198.51.100.9 || fail "peerb reaches 198.51.100.9 although eth1 is isolated"
ok "after restart: peerb cannot reach 198.51.100.9"
# The detached NIC must not step in even when the bridge is left without a NIC.
other_mac=$m2; [[ "$other0" == "$n2" ]] || other_mac=$m1
lab_cable_cut "$other_mac"
ok "cable of the active $other0 cut"
no_carrier() { [[ "$(lab_nic_field "$other0" .carrier)" == false ]]; }
wait_until 5 no_carrier
wait_until 5 settled
assert_eq "" "$(master_of "$active0")" "$other0's cable cut: the detached $active0 is still not a port"
assert_eq "manual" "$(lab_nic_field "$active0" .role)" "status: $active0 still manual"
lab_cable_restore "$other_mac"
wait_until 10 lab_active_is eth0 "$other0"
ok "$other0's cable back: eth0 active $other0"
expect_rc 0 "auto $active0" lab_ctl auto "$active0"
assert_eq "standby eth0" "$(lab_nic_field "$active0" '"\(.role) \(.bridge)"')" "status: $active0 role and bridge"
expect_rc 0 "restore eth1" lab_ctl restore eth1
wait_until 5 ports_are eth1 "$n3"
ok "eth1's port is $n3 again"
wait_until 10 lab_ping_ok peerb 198.51.100.9
ok "peerb pings 198.51.100.9 again"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "peer pings 192.0.2.9"
assert_cmd "state.json holds no override any more" state_json_is '.overrides.isolated == [] and .overrides.manual == {}'

# ---- 8. who may change state --------------------------------------------------------------
# $T is 0700 by mktemp; let other users traverse it (not list it) so that the socket's own
# mode and the daemon's credential check are what is tested.
chmod 711 "$T"
sock=$LAB_DAEMON_SOCKET
assert_eq "660 root root" "$(stat -c '%a %U %G' "$sock")" "control socket mode, owner, group"
setpriv --reuid=65534 --regid=65534 --clear-groups test -e "$sock" ||
  fail "user 65534 cannot reach $sock: make every directory above ${TMPDIR:-/tmp} traversable"
before=$(ports eth0)
expect_rc 3 "nobody cannot even connect (socket 0660 root:root): isolate eth0" ctl_as 65534 65534 isolate eth0
assert_match "[Pp]ermission denied" "$ERR" "nobody's isolate: message"
expect_rc 3 "nobody cannot read status either" ctl_as 65534 65534 status
check_ports eth0 "$before" "after nobody's isolate"
# A non-root user whose group is the control group (root) may change state.
expect_rc 0 "uid 65534 with gid 0 (the control group): isolate eth1" ctl_as 65534 0 isolate eth1
check_ports eth1 "" "after the control group's isolate eth1"
expect_rc 0 "uid 65534 with gid 0: restore eth1" ctl_as 65534 0 restore eth1
wait_until 5 ports_are eth1 "$n3"
ok "eth1's port is $n3 again"
# Socket opened to everyone: read-only commands allowed, changing ones refused.
chmod 0666 "$sock"
expect_rc 0 "socket 0666: nobody may read status" ctl_as 65534 65534 status
assert_match "active-backup +up .* active $(ports eth0)" "$(grep -m 1 '^eth0 ' <<<"$OUT")" "nobody's status: eth0's line"
expect_rc 0 "socket 0666: nobody may read --json status" ctl_as 65534 65534 --json status
assert_eq "up" "$(jq -r '.bridges[0].state' <<<"$OUT")" "nobody's --json status: eth0 up"
for c in events plan metrics "probe $n1"; do
  # shellcheck disable=SC2086  # "probe NIC" is two words on purpose
  expect_rc 0 "socket 0666: nobody may run $c" ctl_as 65534 65534 $c
done
for c in "isolate eth0" "attach $n2 eth0" "detach $(ports eth0)" "auto $n1" "restore eth0" "reload"; do
  # shellcheck disable=SC2086
  expect_rc 1 "socket 0666: nobody may not $c" ctl_as 65534 65534 $c
  assert_match "permission denied" "$ERR" "nobody's $c: message on stderr"
done
check_ports eth0 "$before" "after nobody's refused commands"
assert_eq "up" "$(bridge_field eth0 .state)" "status: eth0 still up"
assert_eq "[]" "$(lab_status_json | jq -c .isolated)" "status: nothing isolated"
assert_cmd "state.json holds no override" state_json_is '.overrides.isolated == [] and .overrides.manual == {}'
lab_ping_ok peer 192.0.2.9 || fail "peer lost 192.0.2.9 after nobody's refused commands"
ok "peer still pings 192.0.2.9"
chmod 0660 "$sock"
lab_daemon_stop

# ---- 7. an attach that would bridge two identified networks -------------------------------
# Both bridges identify their network by an ARP answer (require = "none": no waiting):
# m3's cable answers for 198.51.100.1, so it is eth1's network.
{
  policy_header
  cat <<EOF2

[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "$m1" }, { mac = "$m2" }]

[bridge.identify]
arp_target = "192.0.2.1"
require = "none"

[[bridge]]
name = "eth1"
zone = "lan"
address = ["198.51.100.9/24"]
ports = [{ mac = "$m3" }]

[bridge.identify]
arp_target = "198.51.100.1"
require = "none"
EOF2
} >"$T/policy-identify.toml"
lab_daemon_start server "$T/policy-identify.toml"
wait_until 15 lab_nic_field_is "$n3" .network eth1
ok "status: $n3 is identified on eth1's network"
wait_until 15 lab_nic_field_is "$n1" .network eth0
ok "status: $n1 is identified on eth0's network"
wait_until 10 settled
eth0_before=$(ports eth0)
assert_eq "$n3" "$(ports eth1)" "eth1's port"
expect_rc 1 "attach $n3 eth0 refused" lab_ctl attach "$n3" eth0
assert_match "would bridge two networks" "$ERR" "attach $n3 eth0: message on stderr"
assert_eq "eth1" "$(lab_in server ip -j link show dev "$n3" | jq -r '.[0].master')" "$n3 stays a port of eth1"
check_ports eth0 "$eth0_before" "after the refused attach"
assert_eq "eth1" "$(lab_nic_field "$n3" .bridge)" "status: $n3 still serves eth1"
assert_ne "manual" "$(lab_nic_field "$n3" .role)" "status: $n3 not overridden"
expect_rc 1 "attach $n1 eth1 refused" lab_ctl attach "$n1" eth1
assert_match "would bridge two networks" "$ERR" "attach $n1 eth1: message on stderr"
check_ports eth1 "$n3" "after the refused attach of $n1"
wait_until 10 lab_ping_ok peer 192.0.2.9
wait_until 10 lab_ping_ok peerb 198.51.100.9
ok "both peers still ping the server"
lab_daemon_stop
