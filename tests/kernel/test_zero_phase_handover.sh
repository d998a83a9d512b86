#!/usr/bin/env bash
# The zero-phase handover (SPEC §1, §4): the static firewall/zero-phase.nft (what
# nftables.service or an initramfs loads at boot) is taken over by failoverd atomically,
# and so is the daemon's own table on a restart. The host is never open in between.
#
# Seen from outside: a peer probes bridge eth0's IPv4 and IPv6 address continuously
# (tests/kernel/port_prober.py: a non-blocking TCP connect every 5 ms per address and
# port, 20 ms to be answered, each attempt logged with its CLOCK_MONOTONIC and
# CLOCK_REALTIME start) on two ports with a listener in the server namespace:
#   PORT_A  accepted by the bridge's zone: answered once the daemon is up, and all along
#           a restart (the probes really reach the host, so the test can fail);
#   PORT_B  dropped by the zone: never answered, neither SYN-ACK nor RST nor ICMP error,
#           from the loading of the static file to the end (the prober's log, and a
#           capture on the peer, which also sees answers later than the 20 ms).
# Seen from inside: `nft monitor` in the server namespace records every transaction and
# its commit; tests/kernel/nft_generations.py replays them and checks that after every
# commit the table and its policy-drop base chains exist, and the zone once there stays.
# Phases:
#   static   the server NIC carries the address for a moment and zero-phase.nft is loaded:
#            both ports answered before (control), neither after (default deny).
#   boot     the NIC is cleared and the daemon started while the prober runs: it replaces
#            the static table and creates eth0 with its zone.
#   restart  SIGTERM (bridge and firewall stay), then a new daemon replaces the table
#            again (zero phase + adopted zone in one transaction) while the prober runs.
# After each takeover: exactly one table, inet failoverd, a new one (new handle), holding
# the zone, with the base chains of failoverd's table after takeover: eth0 governed (what
# its zone does not accept is dropped), hweth* NICs dropped, other interfaces passing —
# the same across the restart.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init zerohand
lab_require_daemon
lab_require nft python3 tcpdump

PROBER="$LAB_DIR/../kernel/port_prober.py"
STATIC_FILE="$FAILOVERD_SOURCE_DIR/firewall/zero-phase.nft"
PORT_A=8401  # the zone accepts it
PORT_B=8402  # the zone drops it
V4=192.0.2.9
V6=2001:db8:1::9
m1=02:00:00:00:0f:01

# ---- the zero-phase file and the daemon name the same table --------------------------
# The takeover works by replacing table inet failoverd in one transaction ("table X;
# delete table X; table X {...}"): a file naming another table would be left in place
# beside the daemon's (or the daemon's would be deleted by a reload of the file).
file_tables=$(grep -E '^[[:space:]]*(delete[[:space:]]+)?table[[:space:]]' "$STATIC_FILE" |
  sed -E 's/^[[:space:]]*(delete[[:space:]]+)?table[[:space:]]+([a-z0-9]+)[[:space:]]+([A-Za-z0-9_-]+).*/\2 \3/' | sort -u)
code_family=$(sed -n 's/.*kTableFamily = "\([^"]*\)".*/\1/p' "$FAILOVERD_SOURCE_DIR/firewall/firewall.h")
code_name=$(sed -n 's/.*kTableName = "\([^"]*\)".*/\1/p' "$FAILOVERD_SOURCE_DIR/firewall/firewall.h")
assert_eq "inet failoverd" "$code_family $code_name" "the daemon's table (firewall/firewall.h)"
assert_eq "$code_family $code_name" "$file_tables" "every table statement of zero-phase.nft names the daemon's table"
assert_cmd "zero-phase.nft replaces the table in one transaction (table; delete table; table {...})" \
  grep -Pzq '(?m)^table inet failoverd\ndelete table inet failoverd\ntable inet failoverd \{' "$STATIC_FILE"

# ---- lab: server with one NIC on switch lan, a peer on lan ------------------------------
lab_ns server
S=$LAB_NS
lab_switch lan
lab_nic server ens1 "$m1" lan
lab_host lan peer 192.0.2.1/24 2001:db8:1::1/64
P=$LAB_NS

# A zone of our own: ICMP, PORT_A in, PORT_B dropped explicitly (the rest by the policy).
mkdir -p "$T/zones"
cat >"$T/zones/probe.nft" <<EOF2
input {
	meta l4proto icmp accept
	meta l4proto ipv6-icmp accept
	tcp dport $PORT_A accept
	tcp dport $PORT_B drop
}
EOF2
lab_policy "$T/policy.toml" <<EOF2
[[bridge]]
name = "eth0"
zone = "probe"
address = ["$V4/24", "$V6/64"]
ports = [{ mac = "$m1" }]
EOF2
sed -i "s|^zones_dir = .*|zones_dir = \"$T/zones\"|" "$T/policy.toml"
grep -q "^zones_dir = \"$T/zones\"" "$T/policy.toml" || fail "policy does not use $T/zones"

now_ns() { date +%s%N; }
ns_to_s() { echo "${1:0:10}.${1:10}"; }  # unix seconds with 9 decimals (tcpdump -tt times)
nft_s() { ip netns exec "$S" nft "$@"; }

# Attempts of stream ADDR PORT with OUTCOME ("any": all) started at or after FROM_NS.
probe_count() {  # ADDR PORT OUTCOME FROM_NS
  awk -v a="$1" -v p="$2" -v o="$3" -v from="$4" \
    'NF == 6 && $3 == a && $4 == p && (o == "any" || $5 == o) && $2 + 0 >= from + 0 { n++ } END { print n + 0 }' \
    "$T/prober.out"
}
probe_count_at_least() {  # N ADDR PORT OUTCOME FROM_NS
  (($(probe_count "${@:2}") >= $1))
}
# Waits until every attempt started before UNTIL_NS is in the log (each lasts at most
# 20 ms and is written when it ends: some attempt of each stream started 50 ms later).
prober_caught_up() {  # UNTIL_NS
  local later=$(($1 + 50000000)) a p
  for a in $V4 $V6; do
    for p in $PORT_A $PORT_B; do
      wait_until 10 probe_count_at_least 1 "$a" "$p" any "$later"
    done
  done
}

# Writes the prober report of [FROM_NS, TO_NS) to $T/report-NAME.json and prints it.
PROBER_RUNNING=0
report() {  # NAME FROM_NS TO_NS
  ((PROBER_RUNNING == 0)) || prober_caught_up "$3"
  python3 "$PROBER" report "$T/prober.out" "$2" "$3" >"$T/report-$1.json"
  jq -r --arg w "$1" --argjson secs "$(awk -v d=$(($3 - $2)) 'BEGIN { printf "%.3f", d / 1e9 }')" \
    'to_entries[] | "# \($w) (\($secs) s) \(.key): \(.value.attempts) attempts, \(.value.open) open, " +
     "\(.value.refused) refused, \(.value.timeout) timeout, \(.value.unreach) unreach, \(.value.other) other; " +
     "first answer \(.value.first_answer_ms // "-") ms, longest gap between answers \(.value.longest_gap_ms // "-") ms" +
     (if .value.longest_gap_at_ms then " (from \(.value.longest_gap_at_ms) ms)" else "" end)' \
    "$T/report-$1.json"
}
field() {  # NAME ADDR PORT FIELD
  jq -r --arg k "$2:$3" --arg f "$4" '.[$k][$f] // 0' "$T/report-$1.json"
}
# Neither family's PORT_B answered in window NAME, and each was probed at least MIN times.
assert_b_silent() {  # NAME MIN
  local a n ans
  for a in $V4 $V6; do
    n=$(field "$1" "$a" $PORT_B attempts); ans=$(field "$1" "$a" $PORT_B answered)
    ((n >= $2)) || fail "$1: only $n attempts on $a:$PORT_B (want >= $2)"
    ((ans == 0)) || fail "$1: $a:$PORT_B (dropped by the zone) answered $ans of $n times: $(grep -E " $a $PORT_B (open|refused) " "$T/prober.out" | head -n 3 | tr '\n' ';')"
    ok "$1: $a:$PORT_B never answered ($n attempts)"
  done
}

# The single table of the server's namespace, as "family name handle".
tables() { nft_s -j list tables | jq -r '.nftables[] | select(.table) | .table | "\(.family) \(.name) \(.handle)"'; }
# Checks there is exactly one table, inet failoverd; sets TABLE_HANDLE.
check_one_table() {  # WHEN
  local t; t=$(tables)
  [[ $(wc -l <<<"$t") == 1 && "$t" == "inet failoverd "* ]] || fail "$1: tables are not exactly inet failoverd: $(tr '\n' ';' <<<"$t")"
  TABLE_HANDLE=${t##* }
  ok "$1: exactly one table, inet failoverd (handle $TABLE_HANDLE)"
}
# The base chains, as nft prints them (no handles or counters): equal for file and daemon.
base_chains() { nft_s list chain inet failoverd input; nft_s list chain inet failoverd forward; }
# (Listings go to a variable first: with pipefail, `nft ... | grep -q` fails whenever grep
# exits before nft has written everything.)
zone_in_place() {
  local map
  nft_s list chain inet failoverd in_eth0 >/dev/null 2>&1 || return 1
  map=$(nft_s list map inet failoverd zone_input) || return 1
  grep -Eq '"eth0" : jump in_eth0' <<<"$map"
}
eth0_settled() {
  local nic; nic=$(lab_nic_name server "$m1")
  [[ -n "$nic" ]] && lab_active_is eth0 "$nic" && [[ "$(lab_ports_of server eth0)" == "$nic" ]]
}

# `nft monitor` in the server namespace from before the static file to the end: every
# transaction's objects and its commit ("# new generation N by process PID (NAME)"),
# replayed by nft_generations.py. It is listening once it reports a marker table.
monitor_saw_marker() {  # NAME
  nft_s add table ip "$1" && nft_s delete table ip "$1"
  grep -q "^add table ip $1\$" "$T/nftmon.out"
}
lab_bg nftmon ip netns exec "$S" stdbuf -oL nft monitor
nftmon_pid=$LAB_BG_PID
wait_until 10 monitor_saw_marker zph_marker_start

# ---- phase static: zero-phase.nft alone is default-deny ----------------------------------
lab_bg listener ip netns exec "$S" python3 "$PROBER" listen $PORT_A $PORT_B
wait_until 10 grep -q '^listening' "$T/listener.out"
[[ -z "$(tables)" ]] || fail "the fresh server namespace already has nft tables: $(tables)"
# For this phase only, the NIC itself holds the address (no daemon, no bridge yet).
ip -n "$S" addr add "$V4/24" dev ens1
ip -n "$S" addr add "$V6/64" dev ens1 nodad
ip -n "$S" link set ens1 up
for a in $V4 $V6; do
  for p in $PORT_A $PORT_B; do
    wait_until 10 ip netns exec "$P" python3 "$PROBER" once "$a" "$p"
  done
done
ok "control, no firewall: the peer's connects to $V4 and $V6 on $PORT_A and $PORT_B are answered"

t_load=$(now_ns)
nft_s -f "$STATIC_FILE" || fail "nft -f $STATIC_FILE failed"
check_one_table "static file loaded"
static_handle=$TABLE_HANDLE
nft_s -j list ruleset >"$T/static.json"
# The filter chains; mark_input and mark_forward (after them on the same hooks) only set
# the ct mark bit on what got through, with no verdict of their own.
jq -e '[.nftables[] | select(.chain) | .chain | select(.hook == "input" or .hook == "forward")
        | select(.name | startswith("mark_") | not) | .policy] == ["drop", "drop"]' \
  "$T/static.json" >/dev/null || fail "zero-phase.nft: input and forward are not policy drop: $(cat "$T/static.json")"
jq -e '[.nftables[] | select(.rule) | .rule | select(.chain | startswith("mark_")) | .expr[]
        | select(has("accept") or has("drop") or has("jump") or has("goto") or has("vmap") or has("reject"))] == []' \
  "$T/static.json" >/dev/null || fail "zero-phase.nft: a mark chain has a verdict: $(cat "$T/static.json")"
jq -e '[.nftables[] | select(.element)] | length == 0' "$T/static.json" >/dev/null ||
  fail "zero-phase.nft: the zone maps are not empty"
ok "static file: input and forward hooks with policy drop, zone maps empty"
base_chains >"$T/base.static"

lab_capture peer cap net0
lab_bg prober ip netns exec "$P" python3 "$PROBER" probe "$V4,$V6" "$PORT_A,$PORT_B"
prober_pid=$LAB_BG_PID
PROBER_RUNNING=1
for a in $V4 $V6; do
  for p in $PORT_A $PORT_B; do
    wait_until 15 probe_count_at_least 200 "$a" "$p" any "$t_load"
  done
done
t_static_end=$(now_ns)
report static "$t_load" "$t_static_end"
for a in $V4 $V6; do
  for p in $PORT_A $PORT_B; do
    ans=$(field static "$a" "$p" answered)
    ((ans == 0)) || fail "static: $a:$p answered $ans times under zero-phase.nft alone"
  done
done
ok "static: under zero-phase.nft alone no port answered ($(field static $V4 $PORT_A attempts) + $(field static $V4 $PORT_B attempts) IPv4 attempts)"

# Back to a fresh NIC: no address, down. The peer forgets the NIC's MAC.
ip -n "$S" addr flush dev ens1
ip -n "$S" link set ens1 down
ip -n "$P" neigh flush dev net0

# ---- phase boot: the daemon takes over from the static file ------------------------------
t_boot=$(now_ns)
lab_daemon_start server "$T/policy.toml"
t_ready1=$(now_ns)
wait_until 15 eth0_settled
for a in $V4 $V6; do
  wait_until 20 probe_count_at_least 1 "$a" $PORT_A open "$t_boot"
done
t_first_a=$(now_ns)
check_one_table "after the boot takeover"
boot_handle=$TABLE_HANDLE
[[ "$boot_handle" != "$static_handle" ]] || fail "the daemon did not replace the static table (same handle $boot_handle)"
ok "the daemon replaced the static table (handle $static_handle -> $boot_handle)"
assert_cmd "after the boot takeover: chain in_eth0 and \"eth0\" : jump in_eth0 in zone_input" zone_in_place
base_chains >"$T/base.boot"
for chain in input forward; do
  listing=$(nft_s list chain inet failoverd "$chain")
  for want in "policy accept;" "iifname @governed drop" 'iifname "hweth*" drop'; do
    grep -qF -- "$want" <<<"$listing" || fail "after the boot takeover: chain $chain lacks '$want':
$listing"
  done
done
set_listing=$(nft_s list set inet failoverd governed)
grep -q '"eth0"' <<<"$set_listing" || fail "after the boot takeover: eth0 is not governed: $set_listing"
ok "after the boot takeover: eth0 governed, hweth* dropped, other interfaces left to their own rules"
ok "the daemon's input and forward chains are the static file's"
assert_eq "inet failoverd true" "$(lab_status_json | jq -r '"\(.firewall.table) \(.firewall.zero_phase)"')" \
  "status: firewall table and zero_phase"
for a in $V4 $V6; do
  wait_until 10 probe_count_at_least 100 "$a" $PORT_A open "$t_first_a"
done
t_boot_end=$(now_ns)
report boot "$t_boot" "$t_boot_end"
assert_b_silent boot 100
for a in $V4 $V6; do
  ok "boot: $a:$PORT_A answered $(field boot "$a" $PORT_A answered) times, first $(field boot "$a" $PORT_A first_answer_ms) ms after the daemon was started"
done
echo "# boot: daemon ready (failoverctl status) $(((t_ready1 - t_boot) / 1000000)) ms after start"

# ---- phase restart: SIGTERM, firewall stays, a new daemon takes over -----------------------
t_stop=$(now_ns)
lab_daemon_stop
t_stopped=$(now_ns)
assert_cmd "daemon stopped: the zone is still in place" zone_in_place
for a in $V4 $V6; do
  wait_until 10 probe_count_at_least 20 "$a" $PORT_A open "$t_stopped"
done
ok "daemon stopped: $PORT_A still answered on both families (firewall and bridge kept)"
t_restart=$(now_ns)
lab_daemon_start server "$T/policy.toml"
t_ready2=$(now_ns)
wait_until 15 eth0_settled
check_one_table "after the restart takeover"
[[ "$TABLE_HANDLE" != "$boot_handle" ]] ||
  fail "the restarted daemon did not replace its table (same handle $TABLE_HANDLE): no takeover was exercised"
ok "the restarted daemon replaced the table in one transaction (handle $boot_handle -> $TABLE_HANDLE)"
assert_cmd "after the restart takeover: the zone is in place" zone_in_place
base_chains >"$T/base.restart"
diff -u "$T/base.boot" "$T/base.restart" >&2 || fail "base chains changed across the restart (diff above)"
for a in $V4 $V6; do
  wait_until 10 probe_count_at_least 100 "$a" $PORT_A open "$t_ready2"
done
t_end=$(now_ns)
report restart "$t_boot_end" "$t_end"
report before-stop "$t_boot_end" "$t_stop"
report after-restart "$t_ready2" "$t_end"
assert_b_silent restart 100
for a in $V4 $V6; do
  before=$(field before-stop "$a" $PORT_A open); after=$(field after-restart "$a" $PORT_A open)
  ((before > 0 && after > 0)) || fail "restart: $a:$PORT_A answered $before times before the stop and $after after the restart"
  ok "restart: $a:$PORT_A answered $before times before SIGTERM, $after after the new daemon was ready; longest gap across stop + start $(field restart "$a" $PORT_A longest_gap_ms) ms"
done
echo "# restart: stop took $(((t_stopped - t_stop) / 1000000)) ms, new daemon ready $(((t_ready2 - t_restart) / 1000000)) ms after start"

# ---- the whole run, and the packet capture -------------------------------------------------
lab_bg_stop "$prober_pid" TERM
PROBER_RUNNING=0
lab_capture_stop cap
report all "$t_load" "$t_end"
assert_b_silent all 400
from_s=$(ns_to_s "$t_load")
n_b=$(lab_capture_count_between cap "(src host $V4 or src host $V6) and tcp src port $PORT_B" "$from_s" 9999999999)
n_unreach=$(lab_capture_count_between cap "(src host $V4 and icmp and icmp[icmptype] != icmp-echoreply) or (src host $V6 and icmp6 and ip6[40] == 1)" "$from_s" 9999999999)
n_a=$(lab_capture_count_between cap "src host $V4 and tcp src port $PORT_A and tcp[tcpflags] & tcp-syn != 0" "$from_s" 9999999999)
n_a6=$(lab_capture_count_between cap "src host $V6 and tcp src port $PORT_A" "$from_s" 9999999999)
n_syn_b=$(lab_capture_count_between cap "(dst host $V4 or dst host $V6) and tcp dst port $PORT_B" "$from_s" 9999999999)
echo "# capture on the peer since the static file: $n_syn_b SYNs to $PORT_B, $n_a IPv4 SYN-ACKs from $PORT_A ($n_a6 IPv6 frames from $PORT_A), $n_b frames from $PORT_B, $n_unreach ICMP errors from the host"
((n_a > 0 && n_a6 > 0 && n_syn_b > 0)) || fail "the capture did not see the probing ($n_syn_b SYNs to $PORT_B, $n_a SYN-ACKs from $PORT_A, $n_a6 IPv6)"
((n_b == 0)) || fail "capture: $n_b frames from $PORT_B reached the peer: $(lab_capture_lines cap "tcp src port $PORT_B" | head -n 3 | tr '\n' ';')"
((n_unreach == 0)) || fail "capture: $n_unreach ICMP errors from the host reached the peer"
ok "capture: no answer from $PORT_B at any moment (no SYN-ACK, no RST, no ICMP error), including answers later than the prober's 20 ms"
check_one_table "at the end"
lab_daemon_stop

# ---- every commit of the nft monitor, replayed --------------------------------------------
wait_until 10 monitor_saw_marker zph_marker_end
lab_bg_stop "$nftmon_pid" INT
python3 "$LAB_DIR/../kernel/nft_generations.py" "$T/nftmon.out" eth0 >"$T/generations.txt" 2>&1 ||
  { cat "$T/generations.txt" >&2; fail "nft monitor: the committed firewall was open or lost the zone at some moment (above)"; }
sed 's/^/# /' "$T/generations.txt"
summary=$(tail -n 1 "$T/generations.txt")
assert_match "table replaced by failoverd 2 times, nft 1 times, zone eth0 first committed in generation [0-9]+ by failoverd" \
  "$summary" "nft monitor: the static file replaced by the daemon at boot, then by the restarted daemon; table and zone at every commit"
