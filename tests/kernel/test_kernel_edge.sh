#!/usr/bin/env bash
# Kernel edge against a real kernel: every KernelOps method of RtnlOps, LinkMonitor and
# UdevMonitor (source "kernel"), driven through kernel_edge_tool inside one private
# network namespace (fod-[RUN-]ke-PID-server). A veth pair stands in for a NIC and its
# cable; tcpdump on the far end captures what Announce sends. The tool itself refuses to
# change anything unless it runs inside the namespace named by --netns.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init ke
lab_require tcpdump
: "${KERNEL_EDGE_TOOL:=$(dirname "$FAILOVERD_BIN")/kernel_edge_tool}"
[[ -x "$KERNEL_EDGE_TOOL" ]] || fail "kernel_edge_tool not found at $KERNEL_EDGE_TOOL (build target kernel_edge_tool)"

lab_ns server
S=$(lab_nsname server)
tool() { ip netns exec "$S" "$KERNEL_EDGE_TOOL" --netns "$S" "$@"; }
# "ifindex=N name=NAME ..." line of one link from a fresh dump.
dump_line() { tool dump 2>/dev/null | grep -E "^ifindex=[0-9]+ name=$1 " || true; }
field() { sed -nE "s/.* $1=([^ ]*).*/\1/p" <<<"$2"; }  # FIELD LINE
ifindex_of() { ip -n "$S" -j link show dev "$1" | jq -r '.[0].ifindex'; }
# Runs CMD..., storing combined output in OUT and exit status in RC (never exits).
run() { OUT=$("$@" 2>&1) && RC=0 || RC=$?; }

udev_running=0; [[ -e /run/udev/control ]] && udev_running=1

# --- monitors first, so they see everything below -------------------------------------
lab_bg links lab_in server "$KERNEL_EDGE_TOOL" monitor-links 120 1000
LINKS_PID=$LAB_BG_PID
lab_bg uevents lab_in server "$KERNEL_EDGE_TOOL" monitor-udev kernel 120 1000
UEVENTS_PID=$LAB_BG_PID
wait_until 5 grep -qx ready "$T/links.out"
wait_until 5 grep -qx ready "$T/uevents.out"

ip -n "$S" link add veth0 type veth peer name peer0
ip -n "$S" link add vm0 type veth peer name vm0p
ip -n "$S" link set vm0p address 02:00:00:00:00:20

# --- DumpLinks ------------------------------------------------------------------------
line=$(dump_line veth0)
assert_match "kind=veth" "$line" "DumpLinks: veth0 is a veth"
assert_eq "veth" "$(field driver "$line")" "DumpLinks: ethtool driver of veth0"
assert_eq "0" "$(field physical "$line")" "DumpLinks: veth0 has no bus device"
assert_eq "-" "$(field perm "$line")" "DumpLinks: veth0 has no permanent MAC"
assert_eq "$(ifindex_of veth0)" "$(sed -nE 's/^ifindex=([0-9]+).*/\1/p' <<<"$line")" "DumpLinks: ifindex"
if ((udev_running == 0)); then
  assert_eq "1" "$(field udev_ready "$line")" "DumpLinks: udev_ready without udevd"
fi
assert_match "name=lo " "$(dump_line lo)" "DumpLinks: returns every link, lo too"

# --- SetLinkName (down, rename, up) ---------------------------------------------------
veth_index=$(ifindex_of veth0)
assert_cmd "SetLinkUp(false) veth0" tool down veth0
assert_cmd "SetLinkName veth0 -> hweth7" tool rename veth0 hweth7
assert_cmd "SetLinkUp(true) hweth7" tool up hweth7
assert_eq "$veth_index" "$(ifindex_of hweth7)" "renamed link keeps its ifindex"
assert_match "UP" "$(ip -n "$S" -j link show dev hweth7 | jq -r '.[0].flags | join(",")')" "hweth7 is up"
run tool rename hweth7 this-name-is-too-long
assert_ne 0 "$RC" "SetLinkName refuses an over-long name"
assert_match "^kernel_edge_tool: hweth7: rename to this-name-is-too-long: " "$OUT" "error names interface and operation"
assert_cmd "SetLinkUp(false) hweth7" tool down hweth7

# --- CreateBridge ---------------------------------------------------------------------
run tool bridge eth0 02:00:00:00:00:09 0 0
assert_eq 0 "$RC" "CreateBridge eth0 (stp off, forward delay 0)"
bridge_index=$(sed -nE 's/.*ifindex=([0-9]+).*/\1/p' <<<"$OUT")
assert_eq "$(ifindex_of eth0)" "$bridge_index" "CreateBridge returns the bridge's ifindex"
details=$(ip -n "$S" -d -j link show dev eth0)
assert_eq "02:00:00:00:00:09" "$(jq -r '.[0].address' <<<"$details")" "bridge has the given MAC"
assert_eq "0" "$(jq -r '.[0].linkinfo.info_data.stp_state' <<<"$details")" "bridge STP off"
assert_eq "0" "$(jq -r '.[0].linkinfo.info_data.forward_delay' <<<"$details")" "bridge forward delay 0"
assert_eq "false" "$(jq -r '.[0].flags | index("UP") != null' <<<"$details")" "bridge created administratively down"
run tool bridge eth0 02:00:00:00:00:09 0 0
assert_eq "kernel_edge_tool: eth0: create bridge: File exists" "$OUT" "second CreateBridge is refused with the kernel's error"
run tool bridge br9 02:00:00:00:00:0a 1 4
assert_eq 0 "$RC" "CreateBridge br9 (stp on, forward delay 4 s)"
details=$(ip -n "$S" -d -j link show dev br9)
assert_eq "1" "$(jq -r '.[0].linkinfo.info_data.stp_state' <<<"$details")" "br9 STP on"
assert_eq "400" "$(jq -r '.[0].linkinfo.info_data.forward_delay' <<<"$details")" "br9 forward delay in centiseconds"
line=$(dump_line eth0)
assert_match "kind=bridge .*driver=bridge" "$line" "DumpLinks: eth0 is a bridge"

# --- SetMaster ------------------------------------------------------------------------
assert_cmd "SetMaster hweth7 -> eth0" tool master hweth7 eth0
assert_eq "eth0" "$(ip -n "$S" -j link show dev hweth7 | jq -r '.[0].master')" "hweth7 is a port of eth0"
assert_eq "$bridge_index" "$(field master "$(dump_line hweth7)")" "DumpLinks: master of hweth7"
assert_cmd "SetMaster hweth7 -> 0 (release)" tool nomaster hweth7
assert_eq "null" "$(ip -n "$S" -j link show dev hweth7 | jq -r '.[0].master')" "hweth7 released"
run tool master hweth7 hweth7
assert_match "^kernel_edge_tool: hweth7: set master hweth7: [A-Z]" "$OUT" "enslaving to a non-bridge fails with the kernel's reason"
assert_cmd "SetMaster hweth7 -> eth0 again" tool master hweth7 eth0
assert_cmd "SetMaster vm0 -> eth0" tool master vm0 eth0
for l in hweth7 vm0 eth0; do tool up "$l" >/dev/null 2>&1 || fail "up $l"; done
ip -n "$S" link set peer0 up
ip -n "$S" link set vm0p up
bridge_has_carrier() { [[ "$(field carrier "$(dump_line eth0)")" == 1 ]]; }
wait_until 5 bridge_has_carrier
ok "DumpLinks: eth0 has carrier once a port is up"

# --- PrepareNic -----------------------------------------------------------------------
ip -n "$S" addr add 192.0.2.50/24 dev hweth7
ip -n "$S" addr add 192.0.2.51/24 dev hweth7       # a secondary: goes with the primary
ip -n "$S" addr add 2001:db8::50/64 dev hweth7 nodad
ip -n "$S" addr add 198.51.100.77/24 dev eth0       # another link's: stays
assert_cmd "PrepareNic hweth7" tool prepare hweth7
assert_eq "0" "$(ip -n "$S" -j addr show dev hweth7 | jq '[.[0].addr_info[]] | length')" "hweth7 has no address left"
assert_match "198\.51\.100\.77/24" "$(ip -n "$S" addr show dev eth0)" "eth0's address is left where it is"
ip -n "$S" addr del 198.51.100.77/24 dev eth0
sysctl_of() { ip netns exec "$S" cat "/proc/sys/net/$1"; }
assert_eq "1" "$(sysctl_of ipv6/conf/hweth7/disable_ipv6)" "hweth7 disable_ipv6"
assert_eq "0" "$(sysctl_of ipv6/conf/hweth7/accept_ra)" "hweth7 accept_ra"
assert_eq "8" "$(sysctl_of ipv4/conf/hweth7/arp_ignore)" "hweth7 arp_ignore"
assert_eq "2" "$(sysctl_of ipv4/conf/hweth7/arp_announce)" "hweth7 arp_announce"
assert_eq "1" "$(sysctl_of ipv4/conf/hweth7/rp_filter)" "hweth7 rp_filter"
assert_cmd "PrepareNic again on an empty NIC" tool prepare hweth7

# --- EnsureAddress / EnsureDefaultRoute -----------------------------------------------
assert_cmd "EnsureAddress eth0 192.0.2.9/24" tool address eth0 192.0.2.9/24
assert_cmd "EnsureAddress eth0 192.0.2.9/24 again (already there)" tool address eth0 192.0.2.9/24
assert_cmd "EnsureAddress eth0 2001:db8::9/64" tool address eth0 2001:db8::9/64
assert_cmd "EnsureAddress eth0 2001:db8::9/64 again" tool address eth0 2001:db8::9/64
addrs=$(ip -n "$S" -j addr show dev eth0 | jq -r '[.[0].addr_info[] | "\(.local)/\(.prefixlen)"] | join(" ")')
assert_match "192\.0\.2\.9/24" "$addrs" "eth0 has its IPv4 address"
assert_match "2001:db8::9/64" "$addrs" "eth0 has its IPv6 address"
assert_cmd "EnsureDefaultRoute via 192.0.2.1" tool route eth0 192.0.2.1
assert_cmd "EnsureDefaultRoute via 192.0.2.1 again" tool route eth0 192.0.2.1
assert_eq "192.0.2.1 eth0" "$(ip -n "$S" -j route show default | jq -r '.[0] | "\(.gateway) \(.dev)"')" "IPv4 default route"
run tool route eth0 192.0.2.2
assert_eq "kernel_edge_tool: eth0: add default route via 192.0.2.2: another default route is in the way" "$OUT" \
  "a different default route is not 'already there'"
assert_cmd "EnsureDefaultRoute via 2001:db8::1 (twice)" bash -c \
  "ip netns exec '$S' '$KERNEL_EDGE_TOOL' --netns '$S' route eth0 2001:db8::1 && ip netns exec '$S' '$KERNEL_EDGE_TOOL' --netns '$S' route eth0 2001:db8::1"
assert_eq "2001:db8::1 eth0" "$(ip -n "$S" -6 -j route show default | jq -r '.[0] | "\(.gateway) \(.dev)"')" "IPv6 default route"

# --- Announce -------------------------------------------------------------------------
# Wait for what Announce depends on: DAD done on eth0's addresses (tentative ones are
# skipped) and the MACs learned (vm0p's and peer0's own DAD/MLD traffic teaches them).
no_tentative() { [[ -z "$(ip -n "$S" -6 addr show dev eth0 tentative)" ]]; }
wait_until 10 no_tentative
learned() {  # MAC PORT
  bridge -n "$S" -j fdb show br eth0 |
    jq -e --arg m "$1" --arg p "$2" '.[] | select(.mac == $m and .ifname == $p and (.state // "") != "permanent")' >/dev/null
}
wait_until 10 learned 02:00:00:00:00:20 vm0
# peer0 (the "switch" side of hweth7) is learned on hweth7 itself: it must not be announced.
peer_mac=$(ip -n "$S" -j link show dev peer0 | jq -r '.[0].address')
wait_until 10 learned "$peer_mac" hweth7
# The far end of hweth7's "cable" captures what arrives; -c 5 with a time limit shows
# that exactly the four expected frames come and nothing else.
lab_bg capture lab_in server timeout 4 tcpdump -Z root -Q in -U -n -i peer0 -c 5 -w "$T/announce.pcap" \
  'arp or rarp or (icmp6 and ip6[40] == 136)'
CAPTURE_PID=$LAB_BG_PID
capture_open() { [[ -s "$T/announce.pcap" ]]; }
wait_until 5 capture_open
assert_cmd "Announce hweth7 eth0" tool announce hweth7 eth0
wait "$CAPTURE_PID" 2>/dev/null || true
frames=$(tcpdump -r "$T/announce.pcap" -e -n -vv 2>/dev/null | tr '\n' ' ' | sed -E 's/ ([0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+ )/\n\1/g')
echo "$frames" | sed 's/^/#   /'
assert_eq "4" "$(grep -c . <<<"$frames")" "exactly four frames announced"
garp=$(grep 'ethertype ARP' <<<"$frames" || true)
assert_match "^[0-9:.]+ 02:00:00:00:00:09 > ff:ff:ff:ff:ff:ff, ethertype ARP \(0x0806\), length 60: .*Request who-has 192\.0\.2\.9 tell 192\.0\.2\.9" \
  "$garp" "gratuitous ARP from the bridge MAC"
na_global=$(grep 'tgt is 2001:db8::9,' <<<"$frames" || true)
assert_match "02:00:00:00:00:09 > 33:33:00:00:00:01, .*hlim 255.* 2001:db8::9 > ff02::1: \[icmp6 sum ok\] ICMP6, neighbor advertisement, .*Flags \[override\].*link-address option \(2\), length 8 \(1\): 02:00:00:00:00:09" \
  "$na_global" "unsolicited NA for 2001:db8::9 (checksum ok, override, TLLA)"
na_ll=$(grep 'tgt is fe80::ff:fe00:9,' <<<"$frames" || true)
assert_match "fe80::ff:fe00:9 > ff02::1: \[icmp6 sum ok\] ICMP6, neighbor advertisement, .*Flags \[override\]" \
  "$na_ll" "unsolicited NA for the link-local address"
rarp=$(grep 'Reverse ARP' <<<"$frames" || true)
assert_match "^[0-9:.]+ 02:00:00:00:00:20 > ff:ff:ff:ff:ff:ff, ethertype Reverse ARP \(0x8035\), length 60: .*Reverse Request who-is 02:00:00:00:00:20 tell 02:00:00:00:00:20" \
  "$rarp" "RARP from the MAC learned behind vm0"
assert_not_cmd "no frame for the MAC learned on the announcing port itself" grep -q "$peer_mac >" <<<"$frames"
assert_cmd "SetLinkUp(false) hweth7" tool down hweth7
run tool announce hweth7 eth0
assert_eq "kernel_edge_tool: hweth7: announce eth0: send: Network is down" "$OUT" "Announce out of a down port fails"

# --- LinkMonitor and UdevMonitor saw it all -------------------------------------------
ip -n "$S" link del br9
has_event() { grep -qE "$1" "$T/$2.out"; }
wait_until 5 has_event "^removed ifindex=[0-9]+ name=br9 " links
assert_cmd "LinkMonitor: veth0 appeared" has_event "^changed ifindex=$veth_index name=veth0 kind=veth .*driver=veth" links
assert_cmd "LinkMonitor: rename seen under the same ifindex" has_event "^changed ifindex=$veth_index name=hweth7 " links
assert_cmd "LinkMonitor: enslaving seen" has_event "^changed ifindex=$veth_index name=hweth7 .*master=$bridge_index " links
assert_cmd "LinkMonitor: carrier seen" has_event "^changed ifindex=$bridge_index name=eth0 .*carrier=1" links
assert_not_cmd "LinkMonitor: releasing a port is not a removal" has_event "^removed .*name=(hweth7|vm0) " links
assert_cmd "UdevMonitor(kernel): add veth0" has_event "^uevent add name=veth0 ifindex=$veth_index " uevents
assert_cmd "UdevMonitor(kernel): move veth0 -> hweth7" has_event "^uevent move name=hweth7 ifindex=$veth_index old=veth0" uevents
assert_cmd "UdevMonitor(kernel): add eth0" has_event "^uevent add name=eth0 ifindex=$bridge_index " uevents
assert_cmd "UdevMonitor(kernel): remove br9" has_event "^uevent remove name=br9 " uevents
lab_bg_stop "$LINKS_PID"
lab_bg_stop "$UEVENTS_PID"

# --- The tool never acts outside its namespace ----------------------------------------
# Run in this (the initial) namespace on a link that does not exist, so that even a broken
# guard could not change anything: the refusal must come before the lookup.
run "$KERNEL_EDGE_TOOL" --netns "$S" up fod-no-such0
assert_ne 0 "$RC" "kernel_edge_tool refuses to change links outside the named namespace"
assert_match "refusing to change links" "$OUT" "... and says why"
