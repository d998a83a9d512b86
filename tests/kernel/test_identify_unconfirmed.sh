#!/usr/bin/env bash
# No identification answer (issue 3, section 5): eth0 requires "confirmed", but its
# NIC's switch runs no LLDP agent, has no gateway host and no router (only a PC at
# 192.0.2.50). Nothing may be attached to eth0, and status must say why: eth0 has no
# active port and the NIC's reason (or the events) mention identification. After the
# probing window (35 s, as eth0 has LLDP keys) the NIC is quarantined with network
# "unknown". Meanwhile eth1, on a wan that answers, is identified and served at once.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init idunconf
lab_require_daemon
lab_require tcpdump

P=02:00:00:35                # this test's MAC prefix
m_lan=$P:00:01               # preferred by eth0, on the silent lan
m_wan=$P:00:02

lab_ns server
lab_switch lan
lab_host lan lanpc 192.0.2.50/24
ip -n "$LAB_NS" link set net0 address "$P:0b:05"
lab_identify_wan "$P"
lab_nic server ens1 "$m_lan" lan
lab_nic server ens2 "$m_wan" wan
lab_capture lan cap-lan
lab_identify_policy "$T/policy.toml" "ports = [{ mac = \"$m_lan\" }]" "ports = [{ mac = \"$m_wan\" }]"

lab_daemon_start server "$T/policy.toml"
n_lan=$(lab_nic_name server "$m_lan")
n_wan=$(lab_nic_name server "$m_wan")
assert_match '^hweth[0-9]+$' "$n_lan" "NIC on the silent lan named"
wait_until 15 lab_active_is eth1 "$n_wan"
ok "eth1, whose network answers, is served: active $n_wan"
br0_mac=$(lab_status_json | jq -r '.bridges[] | select(.name == "eth0") | .mac')
assert_match '^[0-9a-f:]{17}$' "$br0_mac" "eth0's MAC"

# --- while probing: nothing attached, and status says why --------------------------------------
eth0_has_no_port() {
  local ports; ports=$(lab_ports_of server eth0 | tr '\n' ' ')
  [[ -z "$ports" ]] || fail "eth0 has ports '$ports' although nothing confirmed its network"
}
eth0_has_no_port
assert_eq "" "$(lab_json_active eth0)" "status: eth0 has no active port"
assert_eq "null" "$(lab_status_json | jq -c '.bridges[] | select(.name == "eth0") | .active')" "status: eth0 active is null"
assert_eq "null false" "$(lab_nic_field "$n_lan" '"\(.network) \(.seen.probing_done)"')" \
  "status: $n_lan network not known yet, still probing"
assert_match 'identification' "$(lab_nic_field "$n_lan" .reason)" "status: $n_lan's reason"
assert_eq "[] null []" "$(lab_nic_field "$n_lan" '"\(.seen.arp) \(.seen.lldp) \(.seen.ra)"')" "status: $n_lan sees nothing"
assert_not_cmd "lanpc cannot reach 192.0.2.9" lab_ping_ok lanpc 192.0.2.9

# --- after probing: quarantined ---------------------------------------------------------------
# Watched in the log (cheap), checking at every poll that eth0 still has no port.
quarantined_in_log() {
  eth0_has_no_port
  grep -q "$n_lan: .*-> quarantined" "$LAB_DAEMON_LOG"
}
wait_until 45 quarantined_in_log
assert_eq "quarantined unknown null true" \
  "$(lab_nic_field "$n_lan" '"\(.role) \(.network) \(.bridge) \(.seen.probing_done)"')" \
  "status: $n_lan role, network, bridge, probing done"
assert_match 'quarantined: .*identification' "$(lab_nic_field "$n_lan" .reason)" "status: $n_lan's reason"
assert_match "$n_lan: .*quarantined" "$(lab_ctl events | grep -m 1 "$n_lan: .*quarantined")" "events: $n_lan quarantined"
assert_match 'unknown' "$(lab_ctl probe "$n_lan")" "failoverctl probe $n_lan"
assert_eq "null" "$(lab_status_json | jq -c '.bridges[] | select(.name == "eth0") | .active')" "status: eth0 active is still null"
eth0_has_no_port
ok "eth0 never had a port"
assert_not_cmd "lanpc still cannot reach 192.0.2.9" lab_ping_ok lanpc 192.0.2.9
echo "# $n_lan: probing -> quarantined in $(lab_log_ms "$LAB_DAEMON_LOG" "$n_lan: probing its cable" "$n_lan: .*-> quarantined") ms;" \
  "$n_wan: probing -> active in $(lab_log_ms "$LAB_DAEMON_LOG" "$n_wan: probing its cable" "$n_wan: .*-> active") ms"
lab_daemon_stop
lab_capture_stop cap-lan

# The lan saw nothing of eth0 (and the capture did see the NIC's probes and the PC).
assert_eq "" "$(lab_capture_lines cap-lan "ether host $br0_mac or src host 192.0.2.9 or src net 2001:db8:1::/64" | head -n 10)" \
  "the lan switch saw no frame of eth0"
probes=$(lab_capture_count cap-lan "ether src $m_lan and arp and arp[14:4] = 0")
pc=$(lab_capture_count cap-lan "ether src $P:0b:05")
((probes >= 3 && pc > 0)) || fail "the lan capture holds $probes ARP probes from $n_lan and $pc frames from lanpc"
ok "the lan capture holds $probes ARP probes from $n_lan and $pc frames from lanpc"
# The probe schedule (failoverd/daemon/probe_manager.h): for each arp_target, 3 RFC 5227
# probes in one link-up, about 1 s apart — not a burst, and no more than 3.
to_gw=$(lab_capture_lines cap-lan "ether src $m_lan and arp and arp[14:4] = 0 and arp[24:4] = 0xc0000201" | awk '{ print $1 }')
assert_eq 3 "$(grep -c . <<<"$to_gw")" "ARP probes for 192.0.2.1 from $n_lan in its link-up"
gaps=$(awk 'NR > 1 { printf "%s%.0f", (NR > 2 ? " " : ""), ($1 - last) * 1000 } { last = $1 }' <<<"$to_gw")
for gap in $gaps; do ((gap >= 500)) || fail "ARP probes $gaps ms apart: a burst, not the schedule"; done
ok "the probes for 192.0.2.1 came $gaps ms apart (schedule: 1000 ms)"
