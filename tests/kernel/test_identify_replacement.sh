#!/usr/bin/env bash
# A replacement NIC (issue 3, section 5): the only LAN NIC dies (its veth is deleted) and
# a new veth NIC, in no bridge's ports list, appears cabled to the LAN switch. With
# spares = true and require = "confirmed" it must be named hwethN, identified on eth0's
# network, and become eth0's active port without any policy edit, and the lan gateway's
# ping stream to the server must resume.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init idrepl
lab_require_daemon

P=02:00:00:34                # this test's MAC prefix
m_old=$P:00:01               # the LAN NIC that dies
m_wan=$P:00:02
m_new=$P:00:09               # the replacement card: in no ports list

lab_ns server
S=$LAB_NS
lab_identify_lan "$P"
lab_identify_wan "$P"
lab_nic server ens1 "$m_old" lan
lab_nic server ens2 "$m_wan" wan
lab_identify_policy "$T/policy.toml" "ports = [{ mac = \"$m_old\" }]
spares = true" "ports = [{ mac = \"$m_wan\" }]"

lab_daemon_start server "$T/policy.toml"
n_old=$(lab_nic_name server "$m_old")
n_wan=$(lab_nic_name server "$m_wan")
wait_until 15 lab_active_is eth0 "$n_old"
wait_until 15 lab_active_is eth1 "$n_wan"
ok "start: eth0 active $n_old, eth1 active $n_wan"

lab_bg ping-lan lab_in langw ping -n -D -i 0.1 192.0.2.9
ping_pid=$LAB_BG_PID
wait_until 10 lab_ping_replies_after ping-lan 0 5
ok "the lan gateway's ping stream is answered"

# --- the card dies ----------------------------------------------------------------------
gone() { [[ -z "$(lab_nic_field "$n_old" .name)" ]]; }
ip -n "$S" link del "$n_old"
wait_until 10 gone
assert_eq "" "$(lab_json_active eth0)" "eth0 has no active port"
lost_ts=$(date +%s.%N)
assert_not_cmd "no replies while eth0 has no NIC" eval \
  'poll_until 1 lab_ping_replies_after ping-lan "$lost_ts" 1'

# --- the replacement appears ----------------------------------------------------------------
log_mark=$(wc -l <"$LAB_DAEMON_LOG")
new_ts=$(date +%s.%N)
lab_nic server ens9 "$m_new" lan
named() { [[ "$(lab_nic_name server "$m_new")" =~ ^hweth[0-9]+$ ]]; }
wait_until 10 named
n_new=$(lab_nic_name server "$m_new")
ok "the new NIC ens9 was named $n_new"
wait_until 15 lab_active_is eth0 "$n_new"
ok "$n_new is eth0's active port"
assert_eq "eth0 eth0 active" "$(lab_nic_field "$n_new" '"\(.network) \(.bridge) \(.role)"')" \
  "status: $n_new network, bridge, role"
assert_eq "$n_new" "$(lab_ports_of server eth0 | tr '\n' ' ' | sed 's/ $//')" "eth0's only port is $n_new"
assert_match '192\.0\.2\.1|core-sw-1|2001:db8:1::' "$(lab_nic_field "$n_new" '[.seen.arp[].target, .seen.lldp.system_name, .seen.ra[]] | join(" ")')" \
  "status: what $n_new sees"
assert_match "$n_new: .*eth0" "$(lab_ctl events | grep -m 1 "$n_new: .*identified on eth0")" "events: $n_new identified on eth0"
wait_until 15 lab_ping_replies_after ping-lan "$new_ts" 10
ok "the lan gateway's ping stream is answered again through $n_new"
lab_bg_stop "$ping_pid" INT
echo "# $n_new: appeared -> probing $(lab_log_ms "$LAB_DAEMON_LOG" "ens9: appeared" "$n_new: probing its cable" "$log_mark") ms," \
  "probing -> attached $(lab_log_ms "$LAB_DAEMON_LOG" "$n_new: probing its cable" "$n_new: attach to" "$log_mark") ms," \
  "-> active $(lab_log_ms "$LAB_DAEMON_LOG" "$n_new: probing its cable" "$n_new: .*-> active" "$log_mark") ms"
lab_daemon_stop
