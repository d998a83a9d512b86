#!/usr/bin/env bash
# What the policy says about a bridge reaches the kernel (issue 15's safety net):
#  1. `--dry-run` on a fresh host prints the plan (the rename, the bridge with its MAC and
#     STP, the zone, the address) and each bridge's port, addresses and zone, also as
#     `--json`, and changes nothing at all.
#  2. stp = true with forward_delay_s = 4: the bridge is created with STP on and a 4 s
#     forward delay; failoverd_bridge_up says it is up.
#  3. A reload with an explicit MAC and STP off: the same bridge (same ifindex, never
#     deleted) gets the new MAC and STP off; the port stays.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init brset
lab_require_daemon

m1=02:00:00:00:54:01
lab_ns server
S=$(lab_nsname server)
lab_switch a
lab_nic server ens1 "$m1" a
lab_host a peer 192.0.2.1/24

write_policy() {  # EXTRA-KEYS...
  {
    lab_policy_header
    printf '\n[[bridge]]\nname = "eth0"\nzone = "lan"\naddress = ["192.0.2.9/24"]\nports = [{ mac = "%s" }]\n' "$m1"
    printf '%s\n' "$@"
  } >"$T/policy.toml"
}
bridge_info() { ip -n "$S" -d -j link show eth0 | jq -c '.[0] | {ifindex, address, stp: .linkinfo.info_data.stp_state, fd: .linkinfo.info_data.forward_delay}'; }

# 1. -----------------------------------------------------------------------------------------
write_policy 'stp = true' 'forward_delay_s = 4'
before=$(lab_link_snapshot server)
nft_before=$(ip netns exec "$S" nft list ruleset)
expect_rc 0 "--dry-run" ip netns exec "$S" "$FAILOVERD_BIN" --policy "$T/policy.toml" --dry-run
assert_match "hweth[0-9]+: rename \(was ifindex [0-9]+\) \(was ens1\)" "$OUT" "the plan renames the NIC"
assert_match "eth0: create bridge, mac [0-9a-f:]+, stp on, forward delay 4 s" "$OUT" "the plan creates eth0 with STP and its forward delay"
assert_match "eth0: install firewall zone \(zone lan\)" "$OUT" "the plan installs eth0's zone"
assert_match "eth0: configure static addresses" "$OUT" "the plan configures eth0's address"
# The NIC is still down (a fresh NIC): no carrier to judge yet, so it is a standby until it is up.
assert_match "bridge eth0: no NIC with carrier to forward through yet, standby hweth[0-9]+; addresses 192.0.2.9/24; zone lan" \
  "$OUT" "the dry run ends with each bridge: its NICs, addresses and zone"
expect_rc 0 "--dry-run --json" ip netns exec "$S" "$FAILOVERD_BIN" --policy "$T/policy.toml" --dry-run --json
assert_match '^null \["hweth[0-9]+"\]$' "$(jq -r '.bridges[] | select(.name == "eth0") | "\(.active) \(.standbys | tojson)"' <<<"$OUT")" \
  "--json: eth0's NIC under its service name, a standby until it has carrier"
assert_eq '["192.0.2.9/24"]' "$(jq -c '.bridges[0].addresses' <<<"$OUT")" "--json: eth0's addresses"
assert_cmd "--json: the plan's steps with their kinds" jq -e \
  '[.actions[].action] | index("create-bridge") != null and index("install-zone") != null' <<<"$OUT"
assert_eq "$before" "$(lab_link_snapshot server)" "--dry-run changed no link"
assert_eq "$nft_before" "$(ip netns exec "$S" nft list ruleset)" "--dry-run changed no firewall"
[[ ! -e $T/state/state.json ]] || fail "--dry-run wrote state.json"
ok "--dry-run wrote no state"

# 2. -----------------------------------------------------------------------------------------
lab_daemon_start server "$T/policy.toml"
wait_until 10 lab_active_is eth0 "$(lab_nic_name server "$m1")"
info=$(bridge_info)
assert_eq 1 "$(jq .stp <<<"$info")" "eth0 has STP on"
assert_eq 400 "$(jq .fd <<<"$info")" "eth0's forward delay is 4 s (400 centiseconds)"
bridge_up() { grep -qx 'failoverd_bridge_up{bridge="eth0"} 1' <<<"$(lab_ctl metrics)"; }
wait_until 15 bridge_up  # (with STP on, the port forwards after the forward delay; the bridge is up at once)
ok "metrics: failoverd_bridge_up{bridge=\"eth0\"} 1"
ifindex=$(jq .ifindex <<<"$info")

# 3. -----------------------------------------------------------------------------------------
write_policy 'mac = "02:12:34:56:78:9a"' 'stp = false'
expect_rc 0 "reload with an explicit MAC and STP off" lab_ctl reload
assert_match "eth0: MAC, STP or forward delay changed" "$OUT" "the reload says what changes"
info=$(bridge_info)
assert_eq "$ifindex" "$(jq .ifindex <<<"$info")" "the same bridge (not deleted and made again)"
assert_eq '"02:12:34:56:78:9a"' "$(jq .address <<<"$info")" "eth0 has the new MAC"
assert_eq 0 "$(jq .stp <<<"$info")" "eth0 has STP off"
assert_eq "$(lab_nic_name server "$m1")" "$(lab_ports_of server eth0)" "the port stayed"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "the peer reaches the bridge under its new MAC"
lab_daemon_stop
