#!/usr/bin/env bash
# `failoverd --migrate` takes over a bridge someone else made (issue 16 point 5): a
# bridge eth0 with its own MAC, address, default route, a policy NIC (ens1) and a
# guest's tap as ports.
#  0. Refused, changing nothing: a port the policy does not select (a possible uplink:
#     a second path to the switch would loop), and a policy that would change its MAC.
#     --dry-run shows the refusals, and the takeover once they are gone; a plain start
#     leaves the bridge alone.
#  1. Taken over, not confirmed: eth0 is marked as failoverd's, gets its zone and the
#     policy's extra address; ens1 (now hwethN) stays its port, the tap too; the host
#     answers throughout. At the deadline everything is put back exactly (links, ports,
#     addresses, routes, nft ruleset, the alias, STP), and failoverd exits 4.
#  1b. kill -9 inside the window: the next start puts it back from state.json.
#  2. Taken over and confirmed: it stays failoverd's, and a cable cut fails over to the
#     standby.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
source "$(dirname "$0")/../lab/host_state.sh"
lab_init migbr
lab_require_daemon
lab_require nft jq

m1=02:00:00:00:0d:01   # the NIC in someone's bridge
m2=02:00:00:00:0d:02   # a second NIC of the policy, on the same switch
up_mac=02:00:00:00:0d:0a
bridge_mac=02:00:00:00:0d:0e
lab_ns server
S=$(lab_nsname server)
lab_switch a
lab_nic server ens1 "$m1" a
lab_nic server ens2 "$m2" a
lab_host a gw 192.0.2.1/24
lab_host a admin 192.0.2.2/24

# Someone's bridge eth0, as ifupdown's bridge-utils would make it.
ip -n "$S" link add eth0 type bridge stp_state 0 forward_delay 200  # 2 s; the policy says 0
ip -n "$S" link set eth0 address "$bridge_mac" alias "made by hand"
ip -n "$S" link set ens1 master eth0
ip -n "$S" link set ens1 up
ip -n "$S" tuntap add dev tap0 mode tap
ip -n "$S" link set tap0 master eth0
ip -n "$S" link set tap0 up
ip -n "$S" addr add 192.0.2.10/24 dev eth0
ip -n "$S" link set eth0 up
ip -n "$S" route add default via 192.0.2.1 dev eth0
# A port the policy will not select (excluded by MAC): it could be an uplink of its own.
ip -n "$S" link add up0 address "$up_mac" type veth peer name up0p address 02:00:00:00:0d:0b
ip -n "$S" link set up0 master eth0
wait_until 10 lab_ping_ok admin 192.0.2.10
ok "someone's eth0 answers before failoverd"

write_policy() {  # FILE MAC_RULE
  lab_policy "$1" <<EOF2
exclude = ["mac:$up_mac", "mac:02:00:00:00:0d:0b"]

[[bridge]]
name = "eth0"
zone = "lan"
mac = "$2"
address = ["192.0.2.10/24", "192.0.2.9/24"]
gateway = "192.0.2.1"
ports = [{ mac = "$m1" }, { mac = "$m2" }]
EOF2
}
write_policy "$T/policy.toml" "$bridge_mac"
write_policy "$T/stable.toml" stable

snapshot() {  # OUTFILE
  lab_host_state server "$1"
  {
    echo "# eth0 in detail: alias, STP, forward delay"
    ip -n "$S" -d -j link show eth0 |
      jq -r '.[0] | "alias=\(.ifalias // "-") stp=\(.linkinfo.info_data.stp_state) fd=\(.linkinfo.info_data.forward_delay)"'
  } >>"$1"
}
same_as_before() {  # LABEL
  snapshot "$T/after-$1.txt"
  diff -u "$T/before.txt" "$T/after-$1.txt" || fail "$1: the host is not as it was (diff above)"
  ok "$1: links, ports, addresses, routes, nft ruleset, eth0's alias and STP identical to before"
}
eth0_alias() { ip -n "$S" -d -j link show eth0 | jq -r '.[0].ifalias // ""'; }

# 0. ----------------------------------------------------------------------------------------
snapshot "$T/before.txt"
lab_failoverd_exits server 4 "$T/uplink.log" "$T/policy.toml" --migrate
assert_match "bridge eth0 has port up0 \(veth\), which the policy does not select.*\(a loop\)" \
  "$(cat "$T/uplink.log")" "a port the policy does not select is refused"
lab_failoverd_exits server 4 "$T/dry-uplink.log" "$T/policy.toml" --dry-run --migrate
assert_match "a start would refuse to convert this host" "$(cat "$T/dry-uplink.log")" "--dry-run --migrate shows the refusal"
same_as_before uplink-refused

ip -n "$S" link del up0
snapshot "$T/before.txt"
lab_failoverd_exits server 4 "$T/mac.log" "$T/stable.toml" --migrate
assert_match "bridge eth0 would get MAC .* instead of its $bridge_mac" "$(cat "$T/mac.log")" \
  "a policy that would change the bridge's MAC is refused"
same_as_before mac-refused

lab_failoverd_exits server 0 "$T/dry.log" "$T/policy.toml" --dry-run --migrate --confirm 300
cat "$T/dry.log"
assert_cmd "--dry-run --migrate shows the takeover" grep -q \
  "^convert: bridge eth0, which failoverd did not make, is taken over: .*keeps MAC $bridge_mac, its addresses (192.0.2.10/24) and ports (ens1, tap0)" \
  "$T/dry.log"
assert_cmd "... then its plan: the extra address" grep -q "^eth0: configure static addresses" "$T/dry.log"
assert_not_cmd "... with nothing blocked" grep -q "eth0: cannot be set up" "$T/dry.log"
lab_failoverd_exits server 0 "$T/dry-plain.log" "$T/policy.toml" --dry-run
assert_cmd "a plain --dry-run leaves it alone" grep -q "eth0: cannot be set up: bridge eth0 was not made by failoverd" \
  "$T/dry-plain.log"
same_as_before dry-run

# 1. ----------------------------------------------------------------------------------------
lab_daemon_start server "$T/policy.toml" --migrate --confirm 8
assert_eq failoverd "$(eth0_alias)" "eth0 carries failoverd's mark"
assert_eq "$bridge_mac" "$(ip -n "$S" -j link show eth0 | jq -r '.[0].address')" "and keeps its MAC"
hw=$(lab_nic_name server "$m1")
assert_match '^hweth[0-9]+$' "$hw" "ens1 is now $hw"
wait_until 10 lab_active_is eth0 "$hw"
assert_eq eth0 "$(ip -n "$S" -j link show "$hw" | jq -r '.[0].master')" "$hw is still eth0's port"
assert_eq eth0 "$(ip -n "$S" -j link show tap0 | jq -r '.[0].master')" "the guest's tap is still a port"
assert_cmd "eth0 has failoverd's zone" ip netns exec "$S" nft list chain inet failoverd in_eth0
fd_is_policys() { [[ "$(ip -n "$S" -d -j link show eth0 | jq -r '.[0].linkinfo.info_data.forward_delay')" == 0 ]]; }
wait_until 10 fd_is_policys
grep -q "eth0: set mac $bridge_mac, stp off, forward delay 0 s (not as the policy says: forward delay 2 -> 0 s)" \
  "$LAB_DAEMON_LOG" || fail "the log does not say old -> new: $(grep 'eth0: set mac' "$LAB_DAEMON_LOG" || true)"
ok "brought to the policy, old -> new in the log"
has_policy_address() { grep -q "192.0.2.9/24" <<<"$(ip -n "$S" addr show dev eth0)"; }
wait_until 10 has_policy_address
assert_eq eth0 "$(lab_status_json | jq -r '.pending_migration.bridges[0]')" "status shows the pending conversion"
lab_ping_ok admin 192.0.2.10 || fail "the server does not answer on its own address"
lab_ping_ok admin 192.0.2.9 || fail "the server does not answer on the policy's address"
ok "taken over; the server answers on both addresses"
lab_daemon_wait_exit 25
assert_eq 4 "$LAB_DAEMON_RC" "failoverd exits 4 after rolling back"
grep -q "conversion of eth0 rolled back in [0-9]* ms" "$LAB_DAEMON_LOG" || fail "the log does not say it rolled back"
same_as_before not-confirmed
lab_ping_ok admin 192.0.2.10 || fail "the server does not answer after the rollback"

# 1b. ---------------------------------------------------------------------------------------
lab_daemon_start server "$T/policy.toml" --migrate --confirm 120
assert_eq failoverd "$(eth0_alias)" "eth0 carries failoverd's mark"
wait_until 10 has_policy_address
kill -9 "$(lab_daemon_main_pid)"
lab_daemon_wait_exit 10
lab_failoverd_exits server 4 "$T/leftover.log" "$T/policy.toml"
assert_match "rolled back: the host is as it was" "$(cat "$T/leftover.log")" "the next start rolled the takeover back"
same_as_before killed

# 2. ----------------------------------------------------------------------------------------
lab_daemon_start server "$T/policy.toml" --migrate --confirm 120
assert_match "conversion of eth0 confirmed" "$(lab_ctl confirm)" "confirm"
hw=$(lab_nic_name server "$m1")
wait_until 10 lab_active_is eth0 "$hw"
eth0_up() { [[ "$(lab_status_json | jq -r '.bridges[] | select(.name == "eth0") | .state')" == up ]]; }
wait_until 10 eth0_up
lab_cable_cut "$m1"
hw2=$(lab_nic_name server "$m2")
wait_until 10 lab_active_is eth0 "$hw2"
wait_until 10 lab_ping_ok admin 192.0.2.10
ok "after confirm, eth0 is failoverd's: a cut fails over to $hw2 and the server answers"
assert_eq eth0 "$(ip -n "$S" -j link show tap0 | jq -r '.[0].master')" "the guest's tap is still a port"
lab_daemon_stop
assert_eq failoverd "$(eth0_alias)" "eth0 keeps the mark after the daemon stops"
echo "PASS"
