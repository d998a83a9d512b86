#!/usr/bin/env bash
# Restart without loss (SPEC §4: start, restart and start after a crash adopt what exists
# without taking anything down): while a peer sends a steady sequence-numbered stream to
# the server's bridge address (ICMP echo every 5 ms, which zone "lan" accepts), the daemon
#   1. is stopped with SIGTERM and started again, then
#   2. is killed with SIGKILL (no chance to clean up) and started again.
# Checked:
#   - no request of the stream is lost across both restarts: every icmp_seq from the first
#     to the last one answered got its reply (numbers printed: sent, answered, lost,
#     longest silence);
#   - `ip -o monitor link` in the server namespace across both restarts (fenced with lo's
#     link group, as in test_reload_apply.sh) shows no link going down, losing carrier,
#     changing master, being renamed, deleted or created; lines that repeat a link's
#     unchanged state are tolerated (and counted);
#   - links (ip -d -j link: name, kind, master, flags, operstate, MAC, MTU per ifindex),
#     addresses and table inet failoverd (nft list table, counters zeroed) are identical
#     before and after.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init lossless
lab_require_daemon
lab_require perl nft stdbuf

m1=02:00:00:00:15:01   # preferred
m2=02:00:00:00:15:02   # standby
lab_eth0_pair "$m1" "$m2"
S=$(lab_nsname server)

lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1"); n2=$(lab_nic_name server "$m2")
assert_match '^hweth[0-9]+$' "$n1" "preferred NIC named"
assert_match '^hweth[0-9]+$' "$n2" "second NIC named"
settled() {
  lab_active_is eth0 "$n1" && [[ "$(lab_ports_of server eth0)" == "$n1" ]] &&
    lab_link_has_carrier server "$n2" && lab_link_has_carrier server eth0
}
wait_until 10 settled
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "settled: eth0 <- $n1 (standby $n2), the peer reaches 192.0.2.9"

addr_snapshot() {
  ip -n "$S" -j addr show | jq -S '[.[] | {ifname, addrs: ([.addr_info[] | "\(.local)/\(.prefixlen)"] | sort)}]'
}
fw_snapshot() {  # the whole table; counters (if any) zeroed, the stream makes them move
  ip netns exec "$S" nft list table inet failoverd | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'
}

# ---- link monitor, fenced by lo's link group (the monitor prints it) ----
FENCE=100
fence() { FENCE=$((FENCE + 1)); ip -n "$S" link set dev lo group "$FENCE"; }
fence_seen() { grep -q "^1: lo: .* group $1 " "$T/monitor.out"; }
lab_bg monitor lab_in server stdbuf -oL ip -o monitor link
mon_pid=$LAB_BG_PID
limit=$(lab_deadline_ns 5)
fence
until fence_seen "$FENCE"; do  # it may subscribe after the first change: repeat until seen
  (($(date +%s%N) < limit)) || fail "link monitor did not start"
  sleep 0.05
  fence
done
ok "link monitor running (fence: lo group $FENCE)"

lab_link_snapshot server >"$T/links.before"
addr_snapshot >"$T/addrs.before"
fw_snapshot >"$T/fw.before"
ok "recorded $(jq length "$T/links.before") links, addresses and table inet failoverd ($(wc -l <"$T/fw.before") lines)"

# ---- the stream: echo requests every 5 ms, -D: timestamps, -O: report missing replies ----
now_s() { date +%s.%N; }
lab_bg stream lab_in peer stdbuf -oL ping -n -D -O -i 0.005 192.0.2.9
stream_pid=$LAB_BG_PID
t_stream=$(now_s)
wait_until 10 lab_ping_replies_after stream "$t_stream" 200
ok "stream running: 200 replies seen"

# ---- restart 1: SIGTERM + start ----
t1=$(now_s)
lab_daemon_stop
stopped_replies=$(grep -c 'bytes from' "$T/stream.out" || true)
lab_daemon_start server "$T/policy.toml"
wait_until 10 settled
t1_end=$(now_s)
ok "restart 1 (SIGTERM + start) done in $(awk -v a="$t1" -v b="$t1_end" 'BEGIN { printf "%.2f", b - a }') s; eth0 <- $n1 again"
wait_until 10 lab_ping_replies_after stream "$t1_end" 200

# ---- restart 2: SIGKILL + start ----
t2=$(now_s)
main_pid=$(lab_daemon_main_pid)
kill -KILL "$main_pid"
poll_until 10 lab_pid_gone "$LAB_DAEMON_PID" || fail "daemon survived SIGKILL"
lab_daemon_reap
ok "daemon killed with SIGKILL (status $LAB_DAEMON_RC)"
lab_daemon_start server "$T/policy.toml"
wait_until 10 settled
t2_end=$(now_s)
ok "restart 2 (SIGKILL + start) done in $(awk -v a="$t2" -v b="$t2_end" 'BEGIN { printf "%.2f", b - a }') s; eth0 <- $n1 again"
# Let the last requests of the restart be answered (a verdict needs later replies).
wait_until 10 lab_ping_replies_after stream "$t2_end" 200

fence
wait_until 5 fence_seen "$FENCE"
lab_bg_stop "$mon_pid"
ok "link monitor stopped after fence lo group $FENCE"
lab_bg_stop "$stream_pid" INT
ip -n "$S" link set dev lo group 0

# ---- the stream's numbers ----
# Sequence numbers answered (no duplicates counted), from the first to the last answered
# one; whatever was still in flight when ping was stopped is after the last answer and not
# counted as lost. Also: requests reported "no answer yet" (-O) that never got an answer,
# the longest silence between two replies, and the silences during each restart.
read -r first last answered lost dups gap gap_at < <(awk '
  function ts(f) { return substr(f, 2, length(f) - 2) + 0 }
  /bytes from/ {
    if (!match($0, /icmp_seq=[0-9]+/)) next
    s = substr($0, RSTART + 9, RLENGTH - 9) + 0
    if (/DUP!/ || (s in got)) { dups++; next }
    got[s] = 1; n++
    if (first == "" || s < first) first = s
    if (s > last) last = s
    t = ts($1); if (prev != "" && t - prev > gap) { gap = t - prev; gap_at = prev } prev = t
  }
  END {
    lost = 0; for (s = first; s <= last; s++) if (!(s in got)) { lost++; print s > "/dev/stderr" }
    printf "%d %d %d %d %d %.0f %.3f\n", first, last, n, lost, dups, gap * 1000, gap_at
  }' "$T/stream.out" 2>"$T/stream.lost")
sent=$((last - first + 1))
summary=$(grep -m1 'packets transmitted' "$T/stream.out" || true)
echo "# stream 192.0.2.1 -> 192.0.2.9, echo request every 5 ms, across SIGTERM+start and SIGKILL+start:"
echo "#   icmp_seq $first..$last: $sent sent, $answered answered, $lost lost, $dups duplicate(s)"
echo "#   longest silence between two replies: $gap ms (after $(date -d "@$gap_at" +%T.%3N 2>/dev/null || echo "$gap_at"))"
echo "#   restart 1 began $(date -d "@$t1" +%T.%3N), restart 2 began $(date -d "@$t2" +%T.%3N)"
echo "#   ping's own summary (includes requests in flight at SIGINT): ${summary:-none}"
((answered >= 600)) || fail "the stream is too short to prove anything: $answered replies"
awk -v a="$t_stream" -v b="$t2" 'BEGIN { exit !(a < b) }' || fail "stream did not start before the restarts"
# The stream must cover both restarts: replies before restart 1 and after restart 2.
((stopped_replies > 0)) || fail "no reply before restart 1"
lab_ping_replies_after stream "$t2_end" 200 || fail "fewer than 200 replies after restart 2"
((lost == 0)) || fail "$lost of $sent echo requests lost across the restarts (icmp_seq: $(head -n 20 "$T/stream.lost" | tr '\n' ' '))"
ok "zero lost: all $sent echo requests (icmp_seq $first..$last) answered across both restarts"

# ---- nothing changed ----
lab_link_snapshot server >"$T/links.after"
addr_snapshot >"$T/addrs.after"
fw_snapshot >"$T/fw.after"
diff -u "$T/links.before" "$T/links.after" >&2 || fail "links changed across the restarts (diff above)"
ok "every link kept its ifindex, name, kind, master, flags, operstate, MAC and MTU"
diff -u "$T/addrs.before" "$T/addrs.after" >&2 || fail "addresses changed across the restarts (diff above)"
ok "addresses unchanged"
diff -u "$T/fw.before" "$T/fw.after" >&2 || fail "table inet failoverd changed across the restarts (diff above)"
ok "table inet failoverd identical ($(wc -l <"$T/fw.after") lines)"

# ---- what the link monitor saw ----
# Every line about a link that existed before is compared with the recorded state: a line
# saying the same name, flags, master and operstate again is informational (the kernel
# re-announces a link, e.g. for an IPv6 setting the daemon writes again); anything else
# is a flap. lo is the fence.
jq -r '.[] | [.ifindex, .ifname, (.master // "-"), (.flags | join(",")), .operstate] | @tsv' \
  "$T/links.before" >"$T/links.tsv"
perl "$LAB_REPO/tests/lab/link_flaps.pl" --strict "$T/links.tsv" "$T/monitor.out" >"$T/flaps.txt" || { cat "$T/flaps.txt" >&2; fail "ip monitor link saw a link of the server flap during the restarts"; }
grep '^SAME: ' "$T/flaps.txt" | cut -c1-160 | sed 's/^/#   /' || true
ok "ip monitor link across both restarts: no down, no carrier loss, no master change, no rename, no delete, no new link ($(tail -n 1 "$T/flaps.txt"))"

lab_daemon_stop
