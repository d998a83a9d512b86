#!/usr/bin/env bash
# CableProbe against real peers, in private network namespaces only: a switch namespace
# runs lldpd as its LLDP agent (tx interval 1 s), a peer host owns 192.0.2.1 and answers
# ARP, a router host runs radvd advertising 2001:db8:1::/64. cable_probe_tool watches
# the server's NIC (no addresses, IPv6 disabled, like a failoverd standby NIC) and must
# see the LLDP neighbour, the ARP answer for 192.0.2.1 and none for 192.0.2.77, and the
# RA prefix after a router solicitation; then count hand-made malformed frames without
# crashing; then do it all again with the NIC enslaved to a bridge.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init cp
lab_require lldpd lldpcli radvd
: "${CABLE_PROBE_TOOL:=$(dirname "$FAILOVERD_BIN")/cable_probe_tool}"
[[ -x "$CABLE_PROBE_TOOL" ]] || fail "cable_probe_tool not found at $CABLE_PROBE_TOOL (build target cable_probe_tool)"

NIC_MAC=02:00:00:00:00:11
SWITCH_MAC=02:00:00:00:0a:01   # the switch's "chassis": lldpd computes its chassis ID from it
PEER_MAC=02:00:00:00:00:21
ROUTER_MAC=02:00:00:00:00:31

# --- topology ----------------------------------------------------------------------------
lab_switch sw
SW=$LAB_NS
lab_ns server
S=$LAB_NS
lab_nic server nic0 "$NIC_MAC" sw
PORT=$(lab_cable_port nic0)
# A standby NIC as failoverd prepares it: up to sense carrier and probe, IPv6 off, no address.
ip netns exec "$S" sysctl -qw net.ipv6.conf.nic0.disable_ipv6=1
ip -n "$S" link set nic0 up
# The switch's management interface: a veth pair of its own, not bridged.
ip -n "$SW" link add mgmt0 address "$SWITCH_MAC" type veth peer name mgmt1
ip -n "$SW" link set mgmt0 up
ip -n "$SW" link set mgmt1 up

lab_host sw peer 192.0.2.1/24
ip -n "$LAB_NS" link set net0 address "$PEER_MAC"
lab_host sw router 192.0.2.254/24
R=$LAB_NS
ip -n "$R" link set net0 address "$ROUTER_MAC"
ip netns exec "$R" sysctl -qw net.ipv6.conf.all.forwarding=1  # radvd refuses to run otherwise

# --- lldpd on the switch's server-facing ports ------------------------------------------
# lldpd drops privileges to _lldpd and its helper lldpcli connects back to the control
# socket as that user, so the socket's directory must be reachable by it.
chmod 711 "$T"
mkdir -m 755 "$T/lldpd"
cat >"$T/lldpd/lldpd.conf" <<'CONF'
configure lldp tx-interval 1
configure system hostname core-sw-1
CONF
# -d: foreground (a second -d logs to stderr instead of syslog); -u/-p: private control
# socket and pid file; -O: our config instead of /etc/lldpd.{conf,d}; -I: the server cable
# ports (p*) and mgmt0 — lldpd takes the chassis ID (-C) only from an interface it uses.
lab_bg lldpd lab_in sw lldpd -d -d -u "$T/lldpd/lldpd.sock" -p "$T/lldpd/lldpd.pid" \
  -O "$T/lldpd/lldpd.conf" -I 'p*,mgmt0' -C mgmt0 -S "failoverd lab switch"
LLDPD_PID=$LAB_BG_PID

# --- radvd on the router host ------------------------------------------------------------
cat >"$T/radvd.conf" <<'CONF'
interface net0 {
  AdvSendAdvert on;
  MinRtrAdvInterval 3;
  MaxRtrAdvInterval 4;
  prefix 2001:db8:1::/64 { };
};
CONF
router_link_local_ready() {
  [[ -n "$(ip -n "$R" -6 addr show dev net0 scope link -tentative 2>/dev/null)" ]]
}
wait_until 10 router_link_local_ready
# -n: foreground; -m stderr: log to stderr; -C/-p: private config and pid file (in root's
# 0711 temp dir); -u root: keep the user that can read them.
lab_bg radvd lab_in router radvd -n -m stderr -C "$T/radvd.conf" -p "$T/radvd.pid" -u root
RADVD_PID=$LAB_BG_PID

# --- watching the NIC ---------------------------------------------------------------------
tool_in() {  # SHORT_NS ARGS...
  local ns; ns=$(lab_nsname "$1"); shift
  ip netns exec "$ns" "$CABLE_PROBE_TOOL" --netns "$ns" "$@"
}
start_watch() {  # OUTPUT_NAME
  lab_bg "$1" lab_in server "$CABLE_PROBE_TOOL" --netns "$S" watch nic0 90 \
    --arp 192.0.2.1 --arp 192.0.2.77 --rs
  WATCH_PID=$LAB_BG_PID
  wait_until 5 grep -q '"ready":true' "$T/$1.out"
}
# Lines of OUTPUT matching a jq filter (one JSON object per line).
lines() { jq -c "select($2)" "$T/$1.out" 2>/dev/null || true; }
has() { [[ -n "$(lines "$1" "$2")" ]]; }
count() { lines "$1" "$2" | wc -l; }

check_everything_seen() {  # OUTPUT_NAME WHAT
  local out=$1 what=$2 line
  wait_until 15 has "$out" '.lldp.system_name == "core-sw-1"'
  line=$(lines "$out" '.lldp' | tail -n 1)
  assert_eq "core-sw-1" "$(jq -r .lldp.system_name <<<"$line")" "$what: LLDP system name"
  assert_eq "$SWITCH_MAC" "$(jq -r .lldp.chassis_id <<<"$line")" "$what: LLDP chassis ID is the switch's MAC"
  assert_eq "$PORT" "$(jq -r .lldp.port_description <<<"$line")" "$what: LLDP port description is the switch port"
  assert_eq "$(ip -n "$SW" -j link show dev "$PORT" | jq -r '.[0].address')" \
    "$(jq -r .lldp.port_id <<<"$line")" "$what: LLDP port ID is the switch port's MAC"
  assert_eq "4" "$(jq -r .lldp.ttl_s <<<"$line")" "$what: LLDP TTL (4 x tx-interval 1 s)"

  wait_until 10 has "$out" '.arp.target == "192.0.2.1"'
  assert_eq "$PEER_MAC" "$(lines "$out" '.arp.target == "192.0.2.1"' | head -n 1 | jq -r .arp.mac)" \
    "$what: ARP answer for 192.0.2.1 from the peer"

  wait_until 15 has "$out" '(.ra.prefixes // []) | any(. == "2001:db8:1::/64")'
  line=$(lines "$out" '.ra' | head -n 1)
  assert_eq "$ROUTER_MAC" "$(jq -r .ra.router_mac <<<"$line")" "$what: RA from the router"
  assert_match '^fe80::' "$(jq -r .ra.router <<<"$line")" "$what: RA source is link-local"
  assert_eq '["2001:db8:1::/64"]' "$(jq -c .ra.prefixes <<<"$line")" "$what: RA prefix"

  # Nobody owns 192.0.2.77: after three more probes for it there is still no answer.
  local sent; sent=$(count "$out" '.sent == "arp" and .target == "192.0.2.77"')
  wait_until 10 eval '(( $(count "$out" ".sent == \"arp\" and .target == \"192.0.2.77\"") >= sent + 3 ))'
  assert_eq 0 "$(count "$out" '.arp.target == "192.0.2.77"')" "$what: no ARP answer for 192.0.2.77"
  assert_eq 0 "$(count "$out" '.malformed')" "$what: nothing from lldpd, radvd or the peer is malformed"
}

start_watch watch1
check_everything_seen watch1 "standby NIC"
kill -0 "$LLDPD_PID" 2>/dev/null || fail "lldpd exited: $(tail -n 5 "$T/lldpd.err")"
kill -0 "$RADVD_PID" 2>/dev/null || fail "radvd exited: $(tail -n 5 "$T/radvd.err")"

# --- malformed frames, sent into the NIC's cable from the switch side ----------------------
# Each passes the probe's socket filter and is refused by its decoder for the reason given.
SRC=02000000aa01
LLDP_HDR=0180c200000e${SRC}88cc
ARP_HDR=ffffffffffff${SRC}0806
RA_HDR=333300000001${SRC}86dd
RA_IP6=fe800000000000000000000000000031ff020000000000000000000000000001
zeros() { printf '%0.s00' $(seq 1 "$1"); }
malformed=(
  "${LLDP_HDR}02ff04${SRC}$(zeros 40)"                                 # chassis ID TLV of 255 bytes
  "${LLDP_HDR}06020078020704${SRC}040703${SRC}$(zeros 30)"              # TTL TLV first
  "${ARP_HDR}000608000604000202000000aa01c0000201000000000000c0000277" # hardware type 6
  "${ARP_HDR}000108"                                                   # cut inside the ARP header
  "${RA_HDR}6000000000103aff${RA_IP6}860034f8400007080000000000000000" # checksum off by one
  "${RA_HDR}6000000000103a40${RA_IP6}860034f7400007080000000000000000" # hop limit 64
)
reasons=(
  "TLV 1 of length 255 overruns the frame"
  "TLV 3 where the chassis ID TLV must be"
  "ARP hardware type 6/6, not Ethernet"
  "truncated ARP header"
  "bad ICMPv6 checksum"
  "hop limit 64, not 255"
)
# Well formed but not for us (an ARP reply to another host): ignored, not counted.
not_for_us="02000000009902000000aa010806000108000604000202000000aa01c0000201020000000099c0000263"
lldp_before=$(count watch1 '.lldp')
assert_cmd "send ${#malformed[@]} malformed frames and one for another host into the cable" \
  tool_in sw send "$PORT" "${malformed[@]}" "$not_for_us"
wait_until 5 has watch1 ".malformed == ${#malformed[@]}"
ok "malformed() counted the ${#malformed[@]} malformed frames"
for reason in "${reasons[@]}"; do
  assert_cmd "logged at debug: $reason" grep -qF "$reason" "$T/watch1.err"
done
assert_cmd "logged at info: the malformed frames" grep -qE '\[info\].*malformed frame' "$T/watch1.err"
wait_until 5 eval '(( $(count watch1 ".lldp") > lldp_before ))'
kill -0 "$WATCH_PID" 2>/dev/null || fail "cable_probe_tool died after the malformed frames"
ok "the probe still decodes LLDP after the malformed frames"
assert_eq "${#malformed[@]}" "$(lines watch1 '.malformed' | tail -n 1 | jq -r .malformed)" \
  "malformed() did not count the frame for another host"
lab_bg_stop "$WATCH_PID"

# --- the same NIC as a bridge port ------------------------------------------------------------
ip -n "$S" link add br0 type bridge stp_state 0 forward_delay 0
ip -n "$S" link set nic0 master br0
ip -n "$S" link set br0 up
start_watch watch2
check_everything_seen watch2 "bridge port"
lab_bg_stop "$WATCH_PID"
