#!/usr/bin/env bash
# Mis-cabling while running (issue 3, section 5): a LAN NIC (preferred by eth0) and a WAN
# NIC (preferred by eth1) start correctly cabled and active; then their cables are
# swapped at the switches. Both NICs must end on the bridge of the network they are
# really on (the LAN NIC now active on eth1 and vice versa), traffic on both networks
# must resume, and no frame may cross between the networks: a capture on each switch for
# the whole test must hold no frame of the other network (its addresses as a source, its
# hosts' MACs, its bridge's MAC), and must hold its own network's traffic, before and
# after the swap.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init idswaprun
lab_require_daemon
lab_require tcpdump

P=02:00:00:31                # this test's MAC prefix
m_lan=$P:00:01               # cabled to the lan switch at first
m_wan=$P:00:02               # cabled to the wan switch at first

lab_ns server
lab_identify_lan "$P"
lab_identify_wan "$P"
lab_nic server ens1 "$m_lan" lan
lab_nic server ens2 "$m_wan" wan
lab_capture lan cap-lan
lab_capture wan cap-wan
lab_identify_policy "$T/policy.toml" "ports = [{ mac = \"$m_lan\" }]" "ports = [{ mac = \"$m_wan\" }]"

lab_daemon_start server "$T/policy.toml"
n_lan=$(lab_nic_name server "$m_lan")
n_wan=$(lab_nic_name server "$m_wan")
assert_match '^hweth[0-9]+$' "$n_lan" "LAN NIC named"
assert_match '^hweth[0-9]+$' "$n_wan" "WAN NIC named"

# --- correctly cabled ---------------------------------------------------------------------
wait_until 15 lab_active_is eth0 "$n_lan"
wait_until 15 lab_active_is eth1 "$n_wan"
ok "start: eth0 active $n_lan, eth1 active $n_wan"
assert_eq eth0 "$(lab_nic_field "$n_lan" .network)" "status: $n_lan is on network eth0"
assert_eq eth1 "$(lab_nic_field "$n_wan" .network)" "status: $n_wan is on network eth1"
bridge_mac() { lab_status_json | jq -r --arg b "$1" '.bridges[] | select(.name == $b) | .mac'; }
lab_identify_filters "$P" "$(bridge_mac eth0)" "$(bridge_mac eth1)"

# Traffic on both networks across the swap: 10 echo requests a second from each gateway.
start_ts=$(date +%s.%N)
lab_bg ping-lan lab_in langw ping -n -D -i 0.1 192.0.2.9
ping_lan_pid=$LAB_BG_PID
lab_bg ping-wan lab_in wangw ping -n -D -i 0.1 198.51.100.9
ping_wan_pid=$LAB_BG_PID
wait_until 10 lab_ping_replies_after ping-lan 0 5
wait_until 10 lab_ping_replies_after ping-wan 0 5
ok "ping streams from both gateways answered"

# --- the swap -----------------------------------------------------------------------------
# As by hand: both cables pulled, then each plugged into the other switch. The daemon
# notices the pulls first (a person needs seconds for a swap). IDENTIFY_INSTANT_SWAP=1
# re-plugs at once instead, within milliseconds of the pull: then the old bridge may
# still hold the NIC when its carrier returns on the other network.
no_ports() { [[ -z "$(lab_ports_of server eth0)$(lab_ports_of server eth1)" ]]; }
swap_ts=$(date +%s.%N)
log_mark=$(wc -l <"$LAB_DAEMON_LOG")
if [[ "${IDENTIFY_INSTANT_SWAP:-0}" != 1 ]]; then
  lab_cable_cut "$m_lan"
  lab_cable_cut "$m_wan"
  wait_until 5 no_ports
  ok "both cables pulled: the daemon released $n_lan and $n_wan"
fi
lab_cable_move "$m_lan" wan
lab_cable_move "$m_wan" lan
ok "cables swapped: $n_lan now on the wan switch, $n_wan on the lan switch"

wait_until 20 lab_active_is eth1 "$n_lan"
wait_until 20 lab_active_is eth0 "$n_wan"
ok "after the swap: eth0 active $n_wan, eth1 active $n_lan"
assert_eq "$n_wan" "$(lab_ports_of server eth0 | tr '\n' ' ' | sed 's/ $//')" "eth0's only port is $n_wan"
assert_eq "$n_lan" "$(lab_ports_of server eth1 | tr '\n' ' ' | sed 's/ $//')" "eth1's only port is $n_lan"
assert_eq "eth1 eth1" "$(lab_nic_field "$n_lan" '"\(.network) \(.bridge)"')" "status: $n_lan network and bridge"
assert_eq "eth0 eth0" "$(lab_nic_field "$n_wan" '"\(.network) \(.bridge)"')" "status: $n_wan network and bridge"
log_since_swap() { tail -n "+$((log_mark + 1))" "$LAB_DAEMON_LOG"; }
assert_not_cmd "log: $n_lan not enslaved to eth0 again after the swap" eval 'log_since_swap | grep "$n_lan: enslaved to eth0" >/dev/null'
assert_not_cmd "log: $n_wan not enslaved to eth1 again after the swap" eval 'log_since_swap | grep "$n_wan: enslaved to eth1" >/dev/null'
lab_ctl events >"$T/events.txt"
assert_match "moved eth0 -> eth1" "$(grep -m 1 "$n_lan: .*moved eth0 -> eth1" "$T/events.txt")" "events: $n_lan moved"
assert_match "moved eth1 -> eth0" "$(grep -m 1 "$n_wan: .*moved eth1 -> eth0" "$T/events.txt")" "events: $n_wan moved"

# Traffic resumes on both networks: a second of replies in each stream after the swap.
wait_until 15 lab_ping_replies_after ping-lan "$swap_ts" 10
wait_until 15 lab_ping_replies_after ping-wan "$swap_ts" 10
ok "both gateways' ping streams get replies again after the swap"
lab_bg_stop "$ping_lan_pid" INT
lab_bg_stop "$ping_wan_pid" INT
end_ts=$(date +%s.%N)
for n in "$n_lan" "$n_wan"; do
  echo "# $n: carrier up -> attached in $(lab_log_ms "$LAB_DAEMON_LOG" "$n: carrier up" "$n: attach to" "$log_mark") ms," \
    "-> active in $(lab_log_ms "$LAB_DAEMON_LOG" "$n: carrier up" "$n: standby -> active" "$log_mark") ms"
done
lab_daemon_stop
lab_capture_stop cap-lan
lab_capture_stop cap-wan

# --- nothing crossed ----------------------------------------------------------------------
lab_identify_check_captures "before the swap" "$start_ts" "$swap_ts"
lab_identify_check_captures "after the swap" "$swap_ts" "$end_ts"
lab_identify_check_no_crossing
