#!/usr/bin/env bash
# The control socket driven without failoverctl, exactly as the README documents it:
# one request line in, one JSON line out (`{"ok":true,"result":…}` /
# `{"ok":false,"error":…}`), `events follow` streaming `{"event":…}` lines, a
# changing command carried out, bad requests answered with an error, and the
# socket's mode 0660.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init sockproto
lab_require_daemon
lab_require socat jq

m1=02:00:00:00:0c:01
m2=02:00:00:00:0c:02
lab_eth0_pair "$m1" "$m2"
server=$(lab_nsname server)
lab_daemon_start server "$T/policy.toml"
sock=$LAB_DAEMON_SOCKET

ask() {  # REQUEST-LINE -> the reply line
  printf '%s\n' "$1" | ip netns exec "$server" socat -t 5 - "UNIX-CONNECT:$sock"
}

assert_eq 660 "$(stat -c %a "$sock")" "socket mode"
assert_eq socket "$(stat -c %F "$sock" | awk '{print $NF}')" "it is a unix socket"

reply=$(ask status)
assert_eq 1 "$(printf '%s\n' "$reply" | wc -l)" "status: exactly one reply line"
assert_eq true "$(jq -r .ok <<<"$reply")" "status: ok"
assert_eq eth0 "$(jq -r '.result.bridges[0].name' <<<"$reply")" "status: SPEC §6 bridges[].name"
assert_eq "inet failoverd" "$(jq -r '.result.firewall.table' <<<"$reply")" "status: firewall.table"
assert_eq true "$(jq -r '.result.firewall.zero_phase' <<<"$reply")" "status: firewall.zero_phase"
n1=$(jq -r --arg m "$m1" '.result.nics[] | select(.perm_mac == $m or .mac == $m) | .name' <<<"$reply")
n2=$(jq -r --arg m "$m2" '.result.nics[] | select(.perm_mac == $m or .mac == $m) | .name' <<<"$reply")
assert_match '^hweth[0-9]+$' "$n2" "status names the standby"

reply=$(ask "frobnicate now")
assert_eq false "$(jq -r .ok <<<"$reply")" "unknown command: ok false"
assert_match 'unknown command' "$(jq -r .error <<<"$reply")" "unknown command: says so"
reply=$(ask "attach  $n2")
assert_eq false "$(jq -r .ok <<<"$reply")" "double space: refused"
reply=$(printf '%5000s\n' x | tr ' ' y | ip netns exec "$server" socat -t 5 - "UNIX-CONNECT:$sock")
assert_eq false "$(jq -r .ok <<<"$reply")" "a request over 4096 bytes is refused"

# events follow: start the stream, then change something with a second connection.
# The client keeps its side open (tail -f) as a script reading a stream would.
lab_bg follow ip netns exec "$server" bash -c \
  "{ echo 'events follow'; exec tail -f /dev/null; } | exec socat - UNIX-CONNECT:$sock"
follow_pid=$LAB_BG_PID
follow_out="$T/follow.out"
reply=$(ask "attach $n2 eth0")
assert_eq true "$(jq -r .ok <<<"$reply")" "attach over the socket: ok"
assert_match "attached to eth0" "$(jq -r .result.message <<<"$reply")" "attach: message"
assert_eq "$n2" "$(lab_ports_of server eth0 | tr -d '\n')" "the kernel shows $n2 as eth0's only port"
streamed() { grep -q "\"event\"" "$follow_out" && grep -q "attached to eth0" "$follow_out"; }
wait_until 5 streamed
ok "events follow streamed the attach as {\"event\":…} lines"
jq -e -s 'all(.[]; has("event"))' "$follow_out" >/dev/null || fail "a streamed line is not {\"event\":…}"
ok "every streamed line is an event object"
lab_bg_stop "$follow_pid"

reply=$(ask "auto $n2")
assert_eq true "$(jq -r .ok <<<"$reply")" "auto over the socket: ok"
assert_match "^$n2: handed back to failoverd" "$(jq -r .result.message <<<"$reply")" "auto says which NIC went back to the daemon"
reply=$(ask "probe $n1")
assert_eq true "$(jq -r .ok <<<"$reply")" "probe over the socket: ok"
assert_eq "$n1" "$(jq -r .result.nic <<<"$reply")" "probe answers for the NIC asked about"
assert_eq true "$(jq -r '.result.carrier' <<<"$reply")" "probe reports its carrier"
assert_eq true "$(jq -e '.result | has("seen") and has("verdict") and has("role")' <<<"$reply")" "probe carries what the cable shows and the verdict"
reply=$(ask "metrics")
jq -r .result <<<"$reply" | grep '^failoverd_netlink_resyncs_total [0-9]' >/dev/null || fail "metrics: no Prometheus sample in .result"
ok "metrics is Prometheus text in .result"
lab_daemon_stop
