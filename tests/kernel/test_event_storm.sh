#!/usr/bin/env bash
# Netlink overflow (issue 5): when the daemon's rtnetlink event socket overflows (ENOBUFS)
# it re-dumps the links and decides again. A storm of well over 10 000 link events in the
# server namespace, with a failover falling due in the middle of it:
#   - 300 bridges s000..s299 are created, switched up and down 17 times and 100 of them
#     deleted (bridges, not veth: the policy's [nics] include = ["kind:veth"] does not
#     manage them, so they must be left alone), all with `ip -batch`, as fast as the kernel
#     goes: 10 600 operations, each one link event;
#   - half-way through (after 5000 operations) the cable of eth0's active NIC m1 is cut,
#     and the daemon is frozen (SIGSTOP) until the storm ends: a running daemon only
#     counts events and keeps up, so only a stalled one meets a full socket (ENOBUFS);
#     the failover then waits on the overflow path, and the time from SIGCONT to m2's
#     NIC being the port is the recovery time after the storm.
# (Not more links: deleting a bridge costs ~20 ms of rtnl time on a 2-core machine, and a
# namespace left with 800 bridges blocks every link change on the machine for ~13 s while
# the kernel tears it down, i.e. the next test. The survivors are deleted at the end, timed.)
# Checked afterwards: the daemon is alive and answers; eth0's only port is m2's NIC and
# the status says so (active m2, m1 without carrier); the peer reaches 192.0.2.9; the
# storm's bridges are all still there under their names, without a master and not
# listed as NICs; no other link was created or renamed; failoverd_netlink_resyncs_total
# grew; the daemon logged the overflow ("netlink event queue overflowed") — if it did not,
# the run proved only "a storm without overflow" and the test says so and fails.
# Printed: events in the storm (counted by a link monitor), storm duration, recovery time
# from SIGCONT to m2's NIC being eth0's port, resyncs, overflows (log and metric).
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init storm
lab_require_daemon
lab_require stdbuf

m1=02:00:00:00:16:01   # preferred
m2=02:00:00:00:16:02   # standby
lab_eth0_pair "$m1" "$m2"
S=$(lab_nsname server)

lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1"); n2=$(lab_nic_name server "$m2")
assert_match '^hweth[0-9]+$' "$n1" "preferred NIC named"
assert_match '^hweth[0-9]+$' "$n2" "second NIC named"
ports_are() { [[ "$(lab_ports_of server eth0 | tr '\n' ' ')" == "$1 " ]]; }
settled() { lab_active_is eth0 "$n1" && ports_are "$n1" && lab_link_has_carrier server "$n2"; }
wait_until 10 settled
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "settled: eth0 <- $n1 (standby $n2), the peer reaches 192.0.2.9"

metric() { lab_ctl metrics | awk -v m="$1" '$1 == m { print $2 }'; }
resyncs_before=$(metric failoverd_netlink_resyncs_total)
[[ "$resyncs_before" =~ ^[0-9]+$ ]] || fail "no failoverd_netlink_resyncs_total in failoverctl metrics"
log_skip=$(wc -l <"$LAB_DAEMON_LOG")
links_before=$(ip -n "$S" -j link show | jq -r '.[].ifname' | sort)
OVERFLOW_TEXT="netlink event queue overflowed"   # failoverd/daemon/runner.cc, OnLinkEvents
overflows_before=$(grep -c "$OVERFLOW_TEXT" "$LAB_DAEMON_LOG" || true)

# ---- the storm's batch files ----
N=300 ROUNDS=17 DELETE=100 CUT_AFTER=5000
names=$(seq -f 's%03g' 0 $((N - 1)))
{ for s in $names; do echo "link add name $s type bridge"; done; } >"$T/create.batch"
{ for s in $names; do echo "link set dev $s up"; done; } >"$T/up.batch"
{ for s in $names; do echo "link set dev $s down"; done; } >"$T/down.batch"
{ for s in $(head -n "$DELETE" <<<"$names"); do echo "link del dev $s"; done; } >"$T/delete.batch"
steps=("$T/create.batch")
for ((r = 0; r < ROUNDS; r++)); do steps+=("$T/up.batch" "$T/down.batch"); done
steps+=("$T/delete.batch")
ops_total=0
for f in "${steps[@]}"; do ops_total=$((ops_total + $(wc -l <"$f"))); done
# The storm script: the steps in a row, the cable cut between the step that reaches
# CUT_AFTER operations and the next one; times (epoch seconds) to $T/storm.times.
sw_a=$(lab_cable_switch "$m1"); port1=$(lab_cable_port "$m1")
daemon_pid=$(lab_daemon_main_pid)
{
  echo 'set -e'
  echo "echo start \$(date +%s.%N) >'$T/storm.times'"
  done_ops=0 cut=0
  for f in "${steps[@]}"; do
    echo "ip -n '$S' -batch '$f'"
    done_ops=$((done_ops + $(wc -l <"$f")))
    if ((cut == 0 && done_ops >= CUT_AFTER)); then
      echo "ip -n '$sw_a' link set dev '$port1' down"
      echo "echo cut \$(date +%s.%N) $done_ops >>'$T/storm.times'"
      # The daemon keeps up with a storm (it only counts events and re-reads the
      # links); frozen for the second half, its socket must overflow, and the
      # failover that is due waits on the ENOBUFS path.
      echo "kill -STOP $daemon_pid"
      cut=1
    fi
  done
  echo "echo end \$(date +%s.%N) >>'$T/storm.times'"
  echo "kill -CONT $daemon_pid"
} >"$T/storm.sh"

# ---- a monitor counting the events (its own buffer as large as rmem_max allows) ----
FENCE=100
fence() { FENCE=$((FENCE + 1)); ip -n "$S" link set dev lo group "$FENCE"; }
fence_seen() { grep -q "^1: lo: .* group $1 " "$T/monitor.out"; }
lab_bg monitor lab_in server stdbuf -oL ip -rcvbuf 4194304 -o monitor link
mon_pid=$LAB_BG_PID
limit=$(lab_deadline_ns 5)
fence
until fence_seen "$FENCE"; do
  (($(date +%s%N) < limit)) || fail "link monitor did not start"
  sleep 0.05
  fence
done

# ---- the storm, and eth0's port watched meanwhile ----
lab_bg storm bash "$T/storm.sh"
storm_pid=$LAB_BG_PID
switched_at=""
storm_running() { ! lab_pid_gone "$storm_pid"; }
limit=$(lab_deadline_ns 50)
while storm_running; do
  if [[ -z "$switched_at" ]] && grep -q '^cut ' "$T/storm.times" 2>/dev/null && ports_are "$n2"; then
    switched_at=$(date +%s.%N)
  fi
  (($(date +%s%N) < limit)) || fail "the storm did not end within 50 s"
  sleep 0.05
done
wait "$storm_pid" || fail "the storm script failed: $(tail -n 5 "$T/storm.err")"
read -r _ t_start < <(grep '^start ' "$T/storm.times")
read -r _ t_cut cut_ops < <(grep '^cut ' "$T/storm.times")
read -r _ t_end < <(grep '^end ' "$T/storm.times")
storm_s=$(awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "%.2f", b - a }')
ok "storm done: $ops_total link operations in $storm_s s; cable of $n1 cut after $cut_ops of them"

lab_daemon_alive || fail "the daemon died in the storm"
ok "the daemon is alive after the storm"
if [[ -z "$switched_at" ]]; then
  wait_until 20 ports_are "$n2"
  switched_at=$(date +%s.%N)
fi
cut_to_port_ms=$(awk -v a="$t_cut" -v b="$switched_at" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
recovery_ms=$(awk -v a="$t_end" -v b="$switched_at" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
ok "eth0's only port is $n2: $recovery_ms ms after the frozen daemon was continued ($cut_to_port_ms ms after the cut; polled every 50 ms)"
fence
wait_until 20 fence_seen "$FENCE"
lab_bg_stop "$mon_pid"

# ---- the final state ----
wait_until 10 lab_active_is eth0 "$n2"
ok "status: eth0 active is $n2"
ports_are "$n2" || fail "eth0's ports: '$(lab_ports_of server eth0 | tr '\n' ' ')', expected exactly '$n2'"
ok "eth0's ports are exactly: $n2"
lab_status_json >"$T/status.json"
assert_eq false "$(jq -r --arg n "$n1" '.nics[] | select(.name == $n) | .carrier' "$T/status.json")" "status: $n1 has no carrier"
assert_eq standby "$(jq -r --arg n "$n1" '.bridges[] | select(.name == "eth0") | .ports[] | select(.nic == $n) | .role' "$T/status.json")" \
  "status: $n1 is eth0's standby"
assert_eq "eth0" "$(jq -r '[.bridges[].name] | join(",")' "$T/status.json")" "status: bridges"
assert_eq "$(printf '%s\n' "$n1" "$n2" | sort | paste -sd,)" "$(jq -r '[.nics[].name] | sort | join(",")' "$T/status.json")" \
  "status: the NICs are exactly $n1 and $n2 (no storm link)"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "the peer reaches 192.0.2.9 through $n2"

ip -n "$S" -d -j link show >"$T/links.after"
storm_left=$(jq -r '.[] | select(.ifname | test("^s[0-9]{3}$")) | .ifname' "$T/links.after" | sort)
expected_left=$(tail -n +$((DELETE + 1)) <<<"$names" | sort)
[[ "$storm_left" == "$expected_left" ]] || fail "storm links: $(wc -l <<<"$storm_left") named s000..s$((N - 1)) left, expected $((N - DELETE)) (s$DELETE..s$((N - 1)))"
bad=$(jq -r '.[] | select(.ifname | test("^s[0-9]{3}$")) | select(.master != null or .linkinfo.info_kind != "bridge" or (.flags | index("UP") != null)) | "\(.ifname) kind \(.linkinfo.info_kind) master \(.master // "-") flags \(.flags | join(","))"' "$T/links.after")
[[ -z "$bad" ]] || fail "storm links touched:"$'\n'"$(head -n 10 <<<"$bad")"
ok "$((N - DELETE)) storm bridges left, each under its own name, down (as the storm left them), no master"
others_after=$(jq -r '.[].ifname' "$T/links.after" | grep -Ev '^s[0-9]{3}$' | sort)
[[ "$others_after" == "$links_before" ]] ||
  fail "links other than the storm's changed: before '$(paste -sd' ' <<<"$links_before")', after '$(paste -sd' ' <<<"$others_after")'"
ok "no other link created, renamed or deleted ($(paste -sd' ' <<<"$others_after"))"

# ---- resyncs and overflow ----
resyncs_after=$(metric failoverd_netlink_resyncs_total)
resyncs=$((resyncs_after - resyncs_before))
((resyncs > 0)) || fail "failoverd_netlink_resyncs_total did not grow ($resyncs_before -> $resyncs_after)"
ok "failoverd_netlink_resyncs_total grew by $resyncs ($resyncs_before -> $resyncs_after)"
overflows=$(($(grep -c "$OVERFLOW_TEXT" "$LAB_DAEMON_LOG" || true) - overflows_before))
events=$(grep -cE '^(Deleted )?[0-9]+: s[0-9]{3}[:@]' "$T/monitor.out" || true)
mon_err=$(tr '\n' ' ' <"$T/monitor.err")

echo "# storm: $ops_total operations on $N bridges ($ROUNDS up/down rounds, $DELETE deleted) in $storm_s s"
echo "# link events of storm links seen by ip monitor: $events${mon_err:+ (monitor said: $mon_err)}"
echo "# cable of $n1 cut after $cut_ops operations, daemon frozen until the storm's end; $n2 eth0's port $recovery_ms ms after it went on"
echo "# resyncs during the storm: $resyncs; overflows logged: $overflows ('$OVERFLOW_TEXT')"
((events >= 10000)) || fail "only $events link events seen by the monitor, wanted at least 10000"
ok "at least 10000 link events ($events)"
((overflows > 0)) || fail "the event socket never overflowed in a storm of $events events: this run did not exercise the ENOBUFS path"
ok "the event socket overflowed $overflows time(s) and the daemon re-read every link"
overflow_metric=$(metric failoverd_netlink_overflows_total)
[[ "$overflow_metric" == "$overflows" ]] ||
  fail "failoverd_netlink_overflows_total is '$overflow_metric', the log shows $overflows overflow(s)"
ok "failoverd_netlink_overflows_total counts them ($overflow_metric)"

# ---- the survivors deleted (one more burst, and the namespace is cheap to tear down) ----
t_del=$(date +%s.%N)
tail -n +$((DELETE + 1)) <<<"$names" | sed 's/^/link del dev /' >"$T/delete-rest.batch"
ip -n "$S" -batch "$T/delete-rest.batch" || fail "deleting the remaining storm bridges failed"
storm_gone() { ! ip -n "$S" -j link show | jq -e '[.[] | select(.ifname | test("^s[0-9]{3}$"))] | length > 0' >/dev/null; }
wait_until 10 storm_gone
ok "$((N - DELETE)) remaining storm bridges deleted in $(awk -v a="$t_del" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
lab_daemon_alive || fail "the daemon died while the storm bridges were deleted"
wait_until 10 lab_active_is eth0 "$n2"
ports_are "$n2" || fail "after the deletions eth0's ports: '$(lab_ports_of server eth0 | tr '\n' ' ')'"
ok "after the deletions: daemon alive, eth0 active and only port $n2"

lab_daemon_stop
