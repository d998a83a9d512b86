#!/usr/bin/env bash
# Mis-cabled boot (issue 3, section 5): the cables of the LAN NIC (preferred by eth0) and
# the WAN NIC (preferred by eth1) are swapped before the daemon starts. With
# require = "confirmed" each NIC must end on the bridge of the network it is really on
# (the LAN NIC active on eth1 and vice versa), both networks must reach the server, and
# no frame may cross between them: captures on both switches from before the start hold
# no frame of the other network, and do hold their own network's traffic.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init idswapboot
lab_require_daemon
lab_require tcpdump

P=02:00:00:32                # this test's MAC prefix
m_lan=$P:00:01               # preferred by eth0, but cabled to the wan switch
m_wan=$P:00:02               # preferred by eth1, but cabled to the lan switch

lab_ns server
lab_identify_lan "$P"
lab_identify_wan "$P"
lab_nic server ens1 "$m_lan" wan
lab_nic server ens2 "$m_wan" lan
lab_capture lan cap-lan
lab_capture wan cap-wan
lab_identify_policy "$T/policy.toml" "ports = [{ mac = \"$m_lan\" }]" "ports = [{ mac = \"$m_wan\" }]"

# Both gateways ping the server from before it starts, 10 echo requests a second.
start_ts=$(date +%s.%N)
lab_bg ping-lan lab_in langw ping -n -D -i 0.1 192.0.2.9
ping_lan_pid=$LAB_BG_PID
lab_bg ping-wan lab_in wangw ping -n -D -i 0.1 198.51.100.9
ping_wan_pid=$LAB_BG_PID

lab_daemon_start server "$T/policy.toml"
n_lan=$(lab_nic_name server "$m_lan")
n_wan=$(lab_nic_name server "$m_wan")
assert_match '^hweth[0-9]+$' "$n_lan" "NIC preferred by eth0 named"
assert_match '^hweth[0-9]+$' "$n_wan" "NIC preferred by eth1 named"

wait_until 15 lab_active_is eth1 "$n_lan"
wait_until 15 lab_active_is eth0 "$n_wan"
ok "eth0 active $n_wan (cabled to the lan), eth1 active $n_lan (cabled to the wan)"
assert_eq "$n_wan" "$(lab_ports_of server eth0 | tr '\n' ' ' | sed 's/ $//')" "eth0's only port is $n_wan"
assert_eq "$n_lan" "$(lab_ports_of server eth1 | tr '\n' ' ' | sed 's/ $//')" "eth1's only port is $n_lan"
assert_eq "eth1 eth1" "$(lab_nic_field "$n_lan" '"\(.network) \(.bridge)"')" "status: $n_lan network and bridge"
assert_eq "eth0 eth0" "$(lab_nic_field "$n_wan" '"\(.network) \(.bridge)"')" "status: $n_wan network and bridge"
assert_not_cmd "log: $n_lan was never enslaved to eth0" grep -q "$n_lan: enslaved to eth0" "$LAB_DAEMON_LOG"
assert_not_cmd "log: $n_wan was never enslaved to eth1" grep -q "$n_wan: enslaved to eth1" "$LAB_DAEMON_LOG"
lab_ctl events >"$T/events.txt"
assert_match "moved eth0 -> eth1" "$(grep -m 1 "$n_lan: .*moved eth0 -> eth1" "$T/events.txt")" "events: $n_lan moved"
assert_match "moved eth1 -> eth0" "$(grep -m 1 "$n_wan: .*moved eth1 -> eth0" "$T/events.txt")" "events: $n_wan moved"
bridge_mac() { lab_status_json | jq -r --arg b "$1" '.bridges[] | select(.name == $b) | .mac'; }
lab_identify_filters "$P" "$(bridge_mac eth0)" "$(bridge_mac eth1)"

wait_until 15 lab_ping_replies_after ping-lan 0 10
wait_until 15 lab_ping_replies_after ping-wan 0 10
ok "both gateways' ping streams get replies"
lab_bg_stop "$ping_lan_pid" INT
lab_bg_stop "$ping_wan_pid" INT
end_ts=$(date +%s.%N)
for n in "$n_lan" "$n_wan"; do
  echo "# $n: probing -> attached in $(lab_log_ms "$LAB_DAEMON_LOG" "$n: probing its cable" "$n: attach to") ms," \
    "-> active in $(lab_log_ms "$LAB_DAEMON_LOG" "$n: probing its cable" "$n: .*-> active") ms" \
    "(daemon start -> active $(lab_log_ms "$LAB_DAEMON_LOG" "." "$n: .*-> active") ms)"
done
lab_daemon_stop
lab_capture_stop cap-lan
lab_capture_stop cap-wan

lab_identify_check_captures "from before the start" "$start_ts" "$end_ts"
lab_identify_check_no_crossing
