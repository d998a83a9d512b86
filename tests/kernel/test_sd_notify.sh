#!/usr/bin/env bash
# systemd integration as the unit uses it: READY=1 once the firewall and the bridges
# exist, WATCHDOG=1 fed from the event loop at half of WATCHDOG_USEC, STOPPING=1 on
# SIGTERM. A receiver stands in for systemd's NOTIFY_SOCKET.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init notify
lab_require_daemon
lab_require python3
lab_ns server
S=$(lab_nsname server)
lab_switch sw
lab_nic server ens1 02:00:00:00:08:01 sw

lab_policy "$T/policy.toml" <<'EOF2'
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "02:00:00:00:08:01" }]
EOF2

lab_bg notify python3 "$(dirname "$0")/notify_listen.py" "$T/notify.sock" 30 "$T/notify.stamps"
wait_until 5 grep -q listening "$T/notify.out"
NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=400000 lab_daemon_start server "$T/policy.toml"
wait_until 5 grep -qx 'READY=1' "$T/notify.out"
ok "READY=1 sent"
# By READY the bridge and its zone must already exist.
assert_cmd "bridge eth0 exists at READY" ip -n "$S" link show eth0
assert_cmd "zone of eth0 exists at READY" ip netns exec "$S" nft list chain inet failoverd in_eth0
watchdogs() { grep -cx 'WATCHDOG=1' "$T/notify.out" || true; }
at_least_ten() { (($(watchdogs) >= 10)); }
wait_until 10 at_least_ten
# WATCHDOG_USEC = 400 ms: systemd kills a daemon silent for that long, so failoverd pings
# every half of it. The largest gap between pings (and from READY to the first) must stay
# well inside the 400 ms.
gap=$(awk '$2 == "READY=1" || $2 == "WATCHDOG=1" { if (last != "") { g = ($1 - last) * 1000; if (g > max) max = g }; last = $1 }
           END { printf "%.0f", max }' "$T/notify.stamps")
(( gap < 400 )) || fail "the largest gap between watchdog pings was $gap ms, WATCHDOG_USEC is 400 ms: systemd would have killed the daemon"
ok "the event loop feeds the watchdog: $(watchdogs) pings, the largest gap $gap ms (period 200 ms, WATCHDOG_USEC 400 ms)"
lab_daemon_stop
wait_until 5 grep -qx 'STOPPING=1' "$T/notify.out"
ok "STOPPING=1 sent on SIGTERM"
echo PASS
