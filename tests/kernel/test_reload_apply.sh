#!/usr/bin/env bash
# Policy changes on a running daemon (SPEC §3, §5: reload / SIGHUP, apply [--confirm], confirm),
# while a peer pings the server every 20 ms, so "traffic uninterrupted" is measured, not assumed:
#  1. an invalid policy is refused by `reload` (exit 1, PATH:LINE:COLUMN per problem) and by
#     SIGHUP (daemon keeps running, log says refused); ports unchanged, failover still works;
#  2. a reload adding an internal bridge creates it up, addressed and zoned; no other link moves;
#  3. a reload removing eth1 releases its NIC and deletes the bridge and its zone;
#  4. a reload changing eth0's zone to one that drops echo requests takes effect (and back);
#  5. a reload reversing eth0's port preference leaves the working active NIC in place;
#  6. apply FILE; apply --confirm rolled back at the deadline (time measured); confirm;
#     confirm with nothing pending refused;
#  7. kill -9 inside a confirm window: the next start rolls the apply back.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init reload
lab_require_daemon
lab_require nft stdbuf

m1=02:00:00:00:0d:01   # eth0, preferred
m2=02:00:00:00:0d:02   # eth0, standby
m3=02:00:00:00:0d:03   # eth1
lab_ns server
S=$(lab_nsname server)
lab_switch a
lab_switch b
lab_nic server ens1 "$m1" a
lab_nic server ens2 "$m2" a
lab_nic server ens3 "$m3" b
lab_host a peer 192.0.2.1/24
lab_host b peerb 198.51.100.1/24

# ---------------------------------------------------------------------------------------
# Policies. Zones come from $T/zones: the shipped ones plus "noping" (drops echo requests).
mkdir -p "$T/zones"
cp "$FAILOVERD_SOURCE_DIR"/firewall/zones/*.nft "$T/zones/"
cat >"$T/zones/noping.nft" <<'EOF2'
# Test zone: like lan, but echo requests are dropped (even those conntrack calls established).
input {
	icmp type echo-request drop
	meta l4proto icmp accept
	meta l4proto ipv6-icmp accept
	tcp dport 22 accept
}
EOF2

header() { lab_policy_header | sed "s|^zones_dir = .*|zones_dir = \"$T/zones\"|"; }

# Writes a policy to FILE. Options (defaults): zone=lan ports=m1m2 eth1=1 brvm=0 extra=""
# (another eth0 address) brapply=0 bad=0 (unknown key at line 14, bad CIDR at line 16).
gen_policy() {  # FILE [KEY=VALUE...]
  local file=$1; shift
  local zone=lan ports=m1m2 eth1=1 brvm=0 extra="" brapply=0 bad=0 kv
  for kv in "$@"; do local "$kv"; done
  local plist addrs='"192.0.2.9/24"'
  if [[ $ports == m1m2 ]]; then plist="{ mac = \"$m1\" }, { mac = \"$m2\" }"; else plist="{ mac = \"$m2\" }, { mac = \"$m1\" }"; fi
  [[ -z "$extra" ]] || addrs+=", \"$extra\""
  {
    header   # lines 1-10
    echo     # 11
    echo '[[bridge]]'             # 12
    echo 'name = "eth0"'          # 13
    if [[ $bad == 1 ]]; then
      echo 'colour = "blue"'      # 14: unknown key
      echo "zone = \"$zone\""     # 15
      echo 'address = ["192.0.2.9/33"]'  # 16: bad value
    else
      echo "zone = \"$zone\""
      echo "address = [$addrs]"
    fi
    echo "ports = [$plist]"
    if [[ $eth1 == 1 ]]; then
      printf '\n[[bridge]]\nname = "eth1"\nzone = "lan"\naddress = ["198.51.100.9/24"]\nports = [{ mac = "%s" }]\n' "$m3"
    fi
    if [[ $brvm == 1 ]]; then
      printf '\n[[bridge]]\nname = "br-vm"\nmode = "internal"\nzone = "lan"\naddress = ["203.0.113.1/25"]\n'
    fi
    if [[ $brapply == 1 ]]; then
      printf '\n[[bridge]]\nname = "br-apply"\nmode = "internal"\nzone = "lan"\naddress = ["203.0.113.129/25"]\n'
    fi
  } >"$file"
}

P="$T/policy.toml"
gen_policy "$P"

# ---------------------------------------------------------------------------------------
# Helpers

now_s() { date +%s.%N; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
nft_in() { ip netns exec "$S" nft "$@"; }
link_exists() { ip -n "$S" link show dev "$1" >/dev/null 2>&1; }
link_gone() { ! link_exists "$1"; }
master_of() { ip -n "$S" -j link show dev "$1" | jq -r '.[0].master // ""'; }
ports_are() { [[ "$(lab_ports_of server "$1" | tr '\n' ' ')" == "$2" ]]; }
check_ports() {  # BRIDGE "NIC " WHEN
  local got; got=$(lab_ports_of server "$1" | tr '\n' ' ')
  [[ "$got" == "$2" ]] || fail "$3: $1's ports are '$got', expected '$2'"
  ok "$3: $1's ports are exactly: $2"
}
has_addr() { ip -n "$S" -j addr show dev "$1" | jq -e --arg a "${2%/*}" --argjson l "${2#*/}" \
  '[.[0].addr_info[] | select(.local == $a and .prefixlen == $l)] | length == 1' >/dev/null; }
chain_exists() { nft_in list chain inet failoverd "$1" >/dev/null 2>&1; }
zone_map_has() { nft_in list map inet failoverd zone_input | grep "\"$1\" : jump" >/dev/null; }
# The daemon deletes a bridge first and its zone right after (never a bridge without
# its firewall), so a zone is seen gone a moment after the link.
chain_gone() { ! chain_exists "$1"; }
zone_gone() { chain_gone "in_$1" && chain_gone "fwd_$1" && ! zone_map_has "$1"; }
ctl_rc() {  # OUT_PREFIX CMD...: runs failoverctl, stdout/stderr to $T/OUT_PREFIX.{out,err}, echoes rc
  local name=$1; shift
  local rc=0
  lab_ctl "$@" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
  echo "$rc"
}
# The identity (ifindex, master, admin/lower state) of links, to prove they did not move.
link_ids() {  # IFNAME...
  local n
  for n in "$@"; do
    ip -n "$S" -j link show dev "$n" | jq -r '.[0] | "\(.ifname) \(.ifindex) \(.master // "-") \(.flags | map(select(. == "UP" or . == "LOWER_UP")) | join(","))"'
  done
}

# Link events in the server namespace during a step, to show what did (not) change.
# lo's link group is set before and after, as fences (the monitor prints it): once the
# second one is seen, every event of the step is in the file.
MON_SEQ=0
FENCE=100
fence_seen() { grep -q "^1: lo: .* group $1 " "$T/$MON_FILE.out"; }
fence() {  # sets lo's group to a new number, prints it
  FENCE=$((FENCE + 1))
  ip -n "$S" link set dev lo group "$FENCE"
}
mon_start() {
  MON_SEQ=$((MON_SEQ + 1))
  MON_FILE="linkmon$MON_SEQ"
  lab_bg "$MON_FILE" lab_in server ip -o monitor link
  MON_PID=$LAB_BG_PID
  # the monitor may subscribe after the first change: change it until one is seen
  local limit; limit=$(lab_deadline_ns 5)
  fence
  until fence_seen "$FENCE"; do
    (($(date +%s%N) < limit)) || fail "link monitor did not start"
    sleep 0.05
    fence
  done
}
mon_stop() {
  fence
  wait_until 5 fence_seen "$FENCE"
  lab_bg_stop "$MON_PID"
}
# Fails if the last monitor saw an event of one of IFNAMES.
mon_untouched() {  # WHAT IFNAME...
  local what=$1; shift
  local re hits
  re="^(Deleted )?[0-9]+: ($(IFS='|'; echo "$*"))(@[^:]*)?: "
  hits=$(grep -E "$re" "$T/$MON_FILE.out" || true)
  [[ -z "$hits" ]] || fail "$what: link events for $*:"$'\n'"$hits"
  ok "$what: no link event for $* ($(grep -vc ' lo: ' "$T/$MON_FILE.out" || true) other event line(s))"
}

# The peer's echo stream: ping every 20 ms, -D timestamps, -O reports a missing reply.
lab_bg stream lab_in peer stdbuf -oL ping -n -D -O -i 0.02 192.0.2.9
STREAM_PID=$LAB_BG_PID
PHASES=()  # "NAME START END EXPECT" (EXPECT: none = no loss allowed, any = just report)
phase_begin() { PHASE_NAME=$1; PHASE_EXPECT=${2:-none}; PHASE_START=$(now_s); }
phase_end() {
  local end; end=$(now_s)
  PHASES+=("$PHASE_NAME $PHASE_START $end $PHASE_EXPECT")
  # the verdict on the last requests of the phase comes with the next replies
  wait_until 10 lab_ping_replies_after stream "$end" 5
  stream_check "$PHASE_NAME" "$PHASE_START" "$end" "$PHASE_EXPECT"
}
# Replies, unanswered requests and the longest silence (ms) of the stream in [FROM, TO].
stream_stats() {  # FROM TO -> "REPLIES LOST GAP_MS"
  awk -v from="$1" -v to="$2" '
    function ts(f) { return substr(f, 2, length(f) - 2) + 0 }
    function seq(line,  m) { if (match(line, /icmp_seq=[0-9]+/)) return substr(line, RSTART + 9, RLENGTH - 9); return -1 }
    /bytes from/ && !/DUP!/ { s = seq($0); replied[s] = 1; t = ts($1); n++; rt[n] = t; rs[n] = s; next }
    /no answer yet/ { t = ts($1); if (t >= from && t <= to) unanswered[seq($0)] = 1 }
    END {
      last = from; gap = 0; replies = 0
      for (i = 1; i <= n; i++) {
        if (rt[i] < from || rt[i] > to) continue
        replies++
        if (rt[i] - last > gap) gap = rt[i] - last
        last = rt[i]
      }
      if (to - last > gap) gap = to - last
      lost = 0
      for (s in unanswered) if (!(s in replied)) lost++
      printf "%d %d %.0f\n", replies, lost, gap * 1000
    }' "$T/stream.out"
}
stream_check() {  # NAME FROM TO EXPECT
  local r l g
  read -r r l g < <(stream_stats "$2" "$3")
  STREAM_SUMMARY+=("$(printf '%-28s %5.1f s  %5d replies  %4d lost  longest gap %5d ms' "$1" "$(awk -v a="$2" -v b="$3" 'BEGIN{print b-a}')" "$r" "$l" "$g")")
  case $4 in
    none)
      ((r > 0 && l == 0)) || fail "stream during '$1': $r replies, $l lost, longest gap $g ms (expected no loss)"
      ok "stream during '$1': $r replies, 0 lost, longest gap $g ms" ;;
    dropped)
      ((l > 0)) || fail "stream during '$1': $r replies, $l lost (expected the zone to drop it)"
      ok "stream during '$1': $l request(s) dropped by the zone, $r replies around it" ;;
    *)
      ok "stream during '$1': $r replies, $l lost, longest gap $g ms (reported, not asserted)" ;;
  esac
}
STREAM_SUMMARY=()

# ---------------------------------------------------------------------------------------
# Start
lab_daemon_start server "$P"
n1=$(lab_nic_name server "$m1"); n2=$(lab_nic_name server "$m2"); n3=$(lab_nic_name server "$m3")
assert_match '^hweth[0-9]+$' "$n1" "m1 named"
assert_match '^hweth[0-9]+$' "$n2" "m2 named"
assert_match '^hweth[0-9]+$' "$n3" "m3 named"
wait_until 10 lab_active_is eth0 "$n1"
wait_until 10 lab_active_is eth1 "$n3"
wait_until 10 ports_are eth0 "$n1 "
wait_until 10 ports_are eth1 "$n3 "
wait_until 10 lab_ping_ok peer 192.0.2.9
wait_until 10 lab_ping_ok peerb 198.51.100.9
ok "start: eth0 <- $n1 (standby $n2), eth1 <- $n3; both peers reach the server"
wait_until 10 lab_ping_replies_after stream "$(now_s)" 10
ok "the peer's 50/s echo stream to 192.0.2.9 is answered"

# ---------------------------------------------------------------------------------------
# 1. Invalid policy: refused by reload and by SIGHUP, the running policy stays.
phase_begin "1 invalid reload+HUP"
cp "$P" "$T/policy.good"
link_ids eth0 eth1 "$n1" "$n2" "$n3" >"$T/ids.before"
nft_in list table inet failoverd >"$T/nft.before"
gen_policy "$P" bad=1
assert_eq 'colour = "blue"' "$(sed -n 14p "$P")" "broken policy: unknown key at line 14"
assert_eq 'address = ["192.0.2.9/33"]' "$(sed -n 16p "$P")" "broken policy: bad CIDR at line 16"
rc=$(ctl_rc reload-bad reload)
assert_eq 1 "$rc" "failoverctl reload of a broken policy: exit status"
for line in 14 16; do
  grep -Eq "^$P:$line:[0-9]+: .+" "$T/reload-bad.err" || fail "no '$P:$line:COLUMN: message' line in: $(cat "$T/reload-bad.err")"
  ok "reload refused with: $(grep -E "^$P:$line:" "$T/reload-bad.err" | head -n 1)"
done
assert_cmd "reload's stderr says the running policy stays" grep -q 'running policy stays' "$T/reload-bad.err"
[[ ! -s "$T/reload-bad.out" ]] || fail "refused reload printed on stdout: $(cat "$T/reload-bad.out")"
main_pid=$(lab_daemon_main_pid)
log_lines=$(wc -l <"$LAB_DAEMON_LOG")
kill -HUP "$main_pid"
hup_refused() { tail -n "+$((log_lines + 1))" "$LAB_DAEMON_LOG" | grep 'reload refused' >/dev/null; }
wait_until 10 hup_refused
ok "SIGHUP with the broken policy: log says: $(tail -n "+$((log_lines + 1))" "$LAB_DAEMON_LOG" | grep -A2 -m1 'reload refused' | sed 's/^[0-9T:.-]* //' | tr '\n' ' ')"
tail -n "+$((log_lines + 1))" "$LAB_DAEMON_LOG" | grep -Eq "$P:16:[0-9]+: " ||
  fail "the log of the refused SIGHUP reload does not name $P:16:COLUMN"
ok "the log names the problems with PATH:LINE:COLUMN"
lab_daemon_alive || fail "the daemon died on SIGHUP with a broken policy"
lab_daemon_ready || fail "the daemon does not answer after SIGHUP with a broken policy"
ok "daemon still running and answering after SIGHUP"
link_ids eth0 eth1 "$n1" "$n2" "$n3" >"$T/ids.after"
diff -u "$T/ids.before" "$T/ids.after" >&2 || fail "links changed after refused reloads"
ok "links unchanged: $(tr '\n' ';' <"$T/ids.after")"
nft_in list table inet failoverd >"$T/nft.after"
diff -u "$T/nft.before" "$T/nft.after" >&2 || fail "firewall changed after refused reloads"
ok "firewall table unchanged"
check_ports eth0 "$n1 " "after refused reloads"
check_ports eth1 "$n3 " "after refused reloads"
# Back to the good file; a reload of an unchanged policy changes nothing.
cp "$T/policy.good" "$P"
rc=$(ctl_rc reload-same reload)
assert_eq 0 "$rc" "reload of the unchanged policy: exit status"
assert_cmd "reload of the unchanged policy: 0 changes ($(head -n 1 "$T/reload-same.out"))" grep -q 'policy applied: 0 change(s)' "$T/reload-same.out"
phase_end

# Failover still works after the refused reloads; then back to m1 so that scenario 5 starts
# with the preferred NIC active.
phase_begin "1 failover m1->m2->m1" any
lab_cable_cut "$m1"
wait_until 10 lab_active_is eth0 "$n2"
wait_until 10 ports_are eth0 "$n2 "
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "failover after refused reloads: cut $n1, eth0's port is now $n2, peer reaches the server"
lab_cable_restore "$m1"
wait_until 10 lab_nic_field_is "$n1" .carrier true
lab_cable_cut "$m2"
wait_until 10 lab_active_is eth0 "$n1"
wait_until 10 ports_are eth0 "$n1 "
lab_cable_restore "$m2"
wait_until 10 lab_nic_field_is "$n2" .carrier true
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "failover back: $n1 active again, $n2 standby with carrier"
phase_end

# ---------------------------------------------------------------------------------------
# 2. Reload adding an internal bridge.
phase_begin "2 reload +br-vm"
link_ids eth0 eth1 "$n1" "$n2" "$n3" >"$T/ids.before"
gen_policy "$P" brvm=1
mon_start
rc=$(ctl_rc reload-add reload)
mon_stop
assert_eq 0 "$rc" "reload adding br-vm: exit status"
assert_cmd "reload output lists the change: $(grep br-vm "$T/reload-add.out" | head -n 1 | sed 's/^ *//')" grep -q 'br-vm: new' "$T/reload-add.out"
wait_until 10 link_exists br-vm
ip -n "$S" -d -j link show dev br-vm | jq -e '.[0].linkinfo.info_kind == "bridge" and (.[0].flags | index("UP") != null)' >/dev/null ||
  fail "br-vm is not an up bridge: $(ip -n "$S" -d link show dev br-vm)"
ok "br-vm exists, is a bridge, administratively up"
wait_until 5 has_addr br-vm 203.0.113.1/25
ok "br-vm has 203.0.113.1/25"
assert_cmd "chain in_br-vm exists" chain_exists in_br-vm
assert_cmd "zone_input maps br-vm to its chain" zone_map_has br-vm
[[ -z "$(lab_ports_of server br-vm)" ]] || fail "internal br-vm has ports: $(lab_ports_of server br-vm)"
ok "internal br-vm has no NIC"
link_ids eth0 eth1 "$n1" "$n2" "$n3" >"$T/ids.after"
diff -u "$T/ids.before" "$T/ids.after" >&2 || fail "eth0/eth1 or their NICs changed while br-vm was added"
ok "eth0, eth1 and their NICs: same ifindex, master and state"
mon_untouched "adding br-vm" eth0 eth1 "$n1" "$n2" "$n3"
check_ports eth0 "$n1 " "after adding br-vm"
check_ports eth1 "$n3 " "after adding br-vm"
phase_end

# ---------------------------------------------------------------------------------------
# 3. Reload removing eth1.
phase_begin "3 reload -eth1"
link_ids eth0 "$n1" "$n2" >"$T/ids.before"
gen_policy "$P" brvm=1 eth1=0
mon_start
rc=$(ctl_rc reload-del reload)
mon_stop
assert_eq 0 "$rc" "reload removing eth1: exit status"
assert_cmd "reload output lists the removal: $(grep eth1 "$T/reload-del.out" | head -n 1 | sed 's/^ *//')" grep -q 'eth1: no longer' "$T/reload-del.out"
wait_until 10 link_gone eth1
ok "bridge eth1 deleted"
nic_free() { [[ -z "$(master_of "$n3")" ]]; }
wait_until 10 nic_free
ok "$n3 released (no master)"
wait_until 5 lab_nic_field_is "$n3" .bridge null
ok "status: $n3 serves no bridge ($(lab_nic_field "$n3" .role))"
assert_eq "" "$(ip -n "$S" -j addr show dev "$n3" | jq -r '[.[0].addr_info[] | select(.family == "inet")] | map(.local) | join(",")')" \
  "$n3 carries no IPv4 address"
wait_until 5 zone_gone eth1
ok "eth1's zone is gone: no chain in_eth1 or fwd_eth1, no zone_input element for eth1"
assert_cmd "zone_input still maps eth0" zone_map_has eth0
assert_cmd "chain in_eth0 still there" chain_exists in_eth0
assert_not_cmd "peer b no longer reaches 198.51.100.9" lab_ping_ok peerb 198.51.100.9
[[ "$(lab_status_json | jq -r '[.bridges[].name] | sort | join(",")')" == "br-vm,eth0" ]] ||
  fail "status bridges: $(lab_status_json | jq -c '[.bridges[].name]')"
ok "status lists bridges br-vm and eth0"
link_ids eth0 "$n1" "$n2" >"$T/ids.after"
diff -u "$T/ids.before" "$T/ids.after" >&2 || fail "eth0 or its NICs changed while eth1 was removed"
ok "eth0 and its NICs: same ifindex, master and state"
mon_untouched "removing eth1" eth0 "$n1" "$n2"
check_ports eth0 "$n1 " "after removing eth1"
phase_end

# ---------------------------------------------------------------------------------------
# 4. Changed zone: eth0 to "noping" and back.
phase_begin "4 zone noping" dropped
t0=$(now_s)
gen_policy "$P" brvm=1 eth1=0 zone=noping
rc=$(ctl_rc reload-zone reload)
assert_eq 0 "$rc" "reload with eth0 in zone noping: exit status"
assert_cmd "reload output: $(grep eth0 "$T/reload-zone.out" | head -n 1 | sed 's/^ *//')" grep -q 'eth0: zone lan -> noping' "$T/reload-zone.out"
nft_in list chain inet failoverd in_eth0 >"$T/in_eth0.noping"
grep -q 'icmp type echo-request drop' "$T/in_eth0.noping" || fail "in_eth0 does not hold noping's rules: $(cat "$T/in_eth0.noping")"
ok "chain in_eth0 now holds 'icmp type echo-request drop'"
fresh_ping() { lab_in peer ping -n -q -c 2 -i 0.2 -W 1 192.0.2.9 >/dev/null 2>&1; }
assert_not_cmd "a fresh ping from the peer (2 requests) is dropped" fresh_ping
stream_dropped() { awk -v t="$t0" '/no answer yet/ { if (substr($1, 2, length($1) - 2) + 0 > t + 0) n++ } END { exit !(n >= 5) }' "$T/stream.out"; }
wait_until 5 stream_dropped
ok "the running stream is dropped too"
check_ports eth0 "$n1 " "in zone noping"
assert_cmd "eth0 keeps 192.0.2.9/24" has_addr eth0 192.0.2.9/24
assert_eq noping "$(lab_status_json | jq -r '.bridges[] | select(.name == "eth0") | .zone')" "status: eth0's zone"
gen_policy "$P" brvm=1 eth1=0
rc=$(ctl_rc reload-zone2 reload)
assert_eq 0 "$rc" "reload with eth0 back in zone lan: exit status"
nft_in list chain inet failoverd in_eth0 >"$T/in_eth0.lan"
grep -q 'icmp type echo-request drop' "$T/in_eth0.lan" && fail "in_eth0 still drops echo requests: $(cat "$T/in_eth0.lan")"
grep -q 'tcp dport 22 accept' "$T/in_eth0.lan" || fail "in_eth0 does not hold lan's rules: $(cat "$T/in_eth0.lan")"
ok "chain in_eth0 holds lan's rules again"
t_back=$(now_s)
wait_until 5 lab_ping_ok peer 192.0.2.9
ok "a fresh ping is answered again"
wait_until 5 lab_ping_replies_after stream "$t_back" 5
ok "the running stream is answered again"
check_ports eth0 "$n1 " "back in zone lan"
phase_end

# ---------------------------------------------------------------------------------------
# 5. Reversed port preference while m1 is active: m1 keeps the job (failback = never).
phase_begin "5 reload ports [m2,m1]"
link_ids eth0 "$n1" "$n2" >"$T/ids.before"
gen_policy "$P" brvm=1 eth1=0 ports=m2m1
mon_start
rc=$(ctl_rc reload-ports reload)
assert_eq 0 "$rc" "reload with eth0 ports [m2, m1]: exit status ($(head -n 1 "$T/reload-ports.out"))"
active_moved() { ! lab_active_is eth0 "$n1" || ! ports_are eth0 "$n1 "; }
if poll_until 2 active_moved; then fail "after reversing the preference, eth0's active/port moved away from $n1"; fi
mon_stop
ok "for 2 s after the reload $n1 stays eth0's active port"
check_ports eth0 "$n1 " "after reversing the preference"
assert_eq standby "$(lab_status_json | jq -r --arg n "$n2" '.bridges[] | select(.name == "eth0") | .ports[] | select(.nic == $n) | .role')" \
  "status: $n2 is standby"
link_ids eth0 "$n1" "$n2" >"$T/ids.after"
diff -u "$T/ids.before" "$T/ids.after" >&2 || fail "eth0 or its NICs changed when the preference was reversed"
mon_untouched "reversing the preference" eth0 "$n1" "$n2"
phase_end

# ---------------------------------------------------------------------------------------
# 6. apply, apply --confirm (rolled back, then confirmed), confirm with nothing pending.
phase_begin "6 apply / rollback / confirm"
A="$T/apply-a.toml"
A2="$T/apply-b.toml"
gen_policy "$A" brvm=1 eth1=0 ports=m2m1 extra=192.0.2.19/24
gen_policy "$A2" brvm=1 eth1=0 ports=m2m1 extra=192.0.2.19/24 brapply=1
rc=$(ctl_rc apply-a apply "$A")
assert_eq 0 "$rc" "failoverctl apply $A: exit status ($(head -n 1 "$T/apply-a.out"))"
assert_cmd "the daemon's policy file now has the applied content" cmp -s "$A" "$P"
wait_until 5 has_addr eth0 192.0.2.19/24
wait_until 5 lab_ping_ok peer 192.0.2.19
ok "applied: eth0 has 192.0.2.19/24 too and the peer reaches it"
assert_eq null "$(lab_status_json | jq -c .pending_apply)" "status: nothing pending after a plain apply"

# --confirm 3, not confirmed: rolled back.
apply_log_skip=$(wc -l <"$LAB_DAEMON_LOG")
t_apply=$(now_ms)
rc=$(ctl_rc apply-b apply --confirm 3 "$A2")
assert_eq 0 "$rc" "failoverctl apply --confirm 3 $A2: exit status"
ok "apply said: $(head -n 1 "$T/apply-b.out")"
assert_cmd "the daemon's policy file now has $A2's content" cmp -s "$A2" "$P"
wait_until 5 link_exists br-apply
wait_until 5 has_addr br-apply 203.0.113.129/25
assert_cmd "chain in_br-apply exists" chain_exists in_br-apply
ok "br-apply created with its address and zone"
lab_status_json >"$T/status.pending"
jq -e --arg f "$A2" '.pending_apply.file == $f and (.pending_apply.deadline | type == "string") and .pending_apply.seconds_left <= 3' "$T/status.pending" >/dev/null ||
  fail "status.pending_apply: $(jq -c .pending_apply "$T/status.pending")"
deadline=$(jq -r .pending_apply.deadline "$T/status.pending")
deadline_ms=$(( $(date -d "$deadline" +%s%N) / 1000000 ))
ok "status.pending_apply: $(jq -c .pending_apply "$T/status.pending") (deadline $((deadline_ms - t_apply)) ms after the apply was sent)"
rc=$(ctl_rc apply-busy apply "$A")
assert_eq 1 "$rc" "another apply while one is pending: refused ($(head -n 1 "$T/apply-busy.err"))"
wait_until 10 link_gone br-apply
t_gone=$(now_ms)
rollback_ms=$((t_gone - deadline_ms))
ok "br-apply deleted by the rollback ${rollback_ms} ms after the deadline (polled every 50 ms)"
((rollback_ms > -100)) || fail "rolled back $((-rollback_ms)) ms before the deadline"
wait_until 5 cmp -s "$A" "$P"
ok "the policy file is back to $A's content"
wait_until 5 zone_gone br-apply
ok "br-apply's zone is gone (chains and map elements)"
assert_cmd "eth0 keeps 192.0.2.19/24 (part of the previous policy)" has_addr eth0 192.0.2.19/24
assert_eq null "$(lab_status_json | jq -c .pending_apply)" "status: nothing pending after the rollback"
lab_ctl events >"$T/events.1" || fail "failoverctl events failed"
grep -q 'rolled back' "$T/events.1" || fail "events do not mention the rollback: $(tail -n 5 "$T/events.1")"
ok "events: $(grep 'rolled back' "$T/events.1" | tail -n 1)"
rollback_log_ms=$(lab_log_ms "$LAB_DAEMON_LOG" "policy applied" "rolled back: not confirmed" "$apply_log_skip")
[[ "$rollback_log_ms" == "?" ]] || ok "daemon log: apply to rollback message ${rollback_log_ms} ms (window 3000 ms)"

# --confirm 3 + confirm: stays after the window.
rc=$(ctl_rc apply-c apply --confirm 3 "$A2")
assert_eq 0 "$rc" "failoverctl apply --confirm 3 $A2 (again): exit status"
t_applied=$(now_ms)
wait_until 5 link_exists br-apply
rc=$(ctl_rc confirm confirm)
assert_eq 0 "$rc" "failoverctl confirm: exit status ($(head -n 1 "$T/confirm.out"))"
assert_eq null "$(lab_status_json | jq -c .pending_apply)" "status: nothing pending after confirm"
# Watch past the window (3 s after the apply, plus 1.5 s): br-apply must not go.
window_left=$(awk -v a="$t_applied" -v n="$(now_ms)" 'BEGIN { printf "%.2f", (a + 4500 - n) / 1000 }')
if poll_until "$window_left" link_gone br-apply; then fail "br-apply was removed after confirm"; fi
ok "br-apply still there 1.5 s after the confirmed window ended"
assert_cmd "the policy file keeps $A2's content" cmp -s "$A2" "$P"
rc=$(ctl_rc confirm-none confirm)
assert_eq 1 "$rc" "failoverctl confirm with nothing pending: exit status ($(head -n 1 "$T/confirm-none.err"))"
# Plain apply back to A: br-apply removed (scenario 7 applies A2 again).
rc=$(ctl_rc apply-a2 apply "$A")
assert_eq 0 "$rc" "failoverctl apply $A (removes br-apply): exit status"
wait_until 10 link_gone br-apply
ok "br-apply deleted by the plain apply"
check_ports eth0 "$n1 " "after the applies"
phase_end

# ---------------------------------------------------------------------------------------
# 7. kill -9 inside a confirm window; the next start rolls back.
phase_begin "7 kill -9 + restart"
rc=$(ctl_rc apply-d apply --confirm 60 "$A2")
assert_eq 0 "$rc" "failoverctl apply --confirm 60 $A2: exit status"
wait_until 5 link_exists br-apply
ok "br-apply created"
jq -e --arg f "$A2" '.pending_apply.file == $f and (.pending_apply.previous_policy | type == "string")' "$T/state/state.json" >/dev/null ||
  fail "state.json holds no pending apply: $(jq -c .pending_apply "$T/state/state.json")"
ok "state.json records the pending apply and the previous policy"
main_pid=$(lab_daemon_main_pid)
kill -KILL "$main_pid"
poll_until 10 lab_pid_gone "$LAB_DAEMON_PID" || fail "daemon survived kill -9"
lab_daemon_reap
ok "daemon killed with SIGKILL (status $LAB_DAEMON_RC); br-apply still there: $(link_exists br-apply && echo yes || echo no)"
assert_cmd "the policy file still has $A2's content before the restart" cmp -s "$A2" "$P"
lab_daemon_start server "$P"
wait_until 10 link_gone br-apply
ok "after the restart br-apply is gone"
assert_cmd "the policy file is restored to $A's content" cmp -s "$A" "$P"
wait_until 5 zone_gone br-apply
ok "br-apply's zone is gone (chains and map elements)"
assert_eq null "$(lab_status_json | jq -c .pending_apply)" "status: nothing pending after the restart"
jq -e '.pending_apply == null' "$T/state/state.json" >/dev/null || fail "state.json still holds a pending apply"
ok "state.json holds no pending apply"
lab_ctl events >"$T/events.2" || fail "failoverctl events failed"
grep -q 'rolled back at start' "$T/events.2" || fail "events do not mention the rollback at start: $(head -n 5 "$T/events.2")"
ok "events: $(grep 'rolled back at start' "$T/events.2" | head -n 1)"
assert_cmd "daemon log says rolled back at start" grep -q 'rolled back at start' "$LAB_DAEMON_LOG"
# The whole daemon (its control socket, its event sources), not only the decisions, runs
# on the previous policy: the rollback happens before anything reads the policy.
ready_line=$(grep -m1 'ready: ' "$LAB_DAEMON_LOG" || true)
assert_match 'ready: 2 bridge\(s\)' "$ready_line" "the restarted daemon started on the previous policy's 2 bridges"
[[ -z "$(lab_status_json | jq -r '.bridges[] | select(.name == "br-apply") | .name')" ]] || fail "status still lists br-apply"
ok "status no longer lists br-apply"
assert_cmd "br-vm still there" link_exists br-vm
wait_until 10 lab_active_is eth0 "$n1"
check_ports eth0 "$n1 " "after the restart"
assert_cmd "eth0 keeps 192.0.2.19/24" has_addr eth0 192.0.2.19/24
wait_until 5 lab_ping_ok peer 192.0.2.19
phase_end

lab_daemon_stop
lab_bg_stop "$STREAM_PID" INT
echo "# echo stream 192.0.2.1 -> 192.0.2.9 every 20 ms, per phase:"
for line in "${STREAM_SUMMARY[@]}"; do echo "#   $line"; done
echo "# rollback of an unconfirmed apply: br-apply gone ${rollback_ms} ms after the deadline"
echo "# $(tail -n 3 "$T/stream.err" "$T/stream.out" | grep -m1 'packets transmitted' || true)"
