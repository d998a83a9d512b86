#!/usr/bin/env bash
# Issue 16, point 7: the control socket's client limit. A member of the control group
# keeps 64 idle connections open and reopens each one the daemon drops. Another member's
# `failoverctl` is then told the daemon is busy (exit 1, with the daemon's words), not
# that it is unreachable (exit 3); root still gets in (slots only root may take).
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init clilimit
lab_require_daemon
lab_require setpriv; [[ -x /usr/bin/python3 ]] || fail "/usr/bin/python3 is needed (the hog runs as nobody)"

m1=02:00:00:00:31:01
m2=02:00:00:00:31:02
lab_eth0_pair "$m1" "$m2"
sed -i '/^\[daemon\]$/a control_group = "nogroup"' "$T/policy.toml"
lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1")
wait_until 10 lab_active_is eth0 "$n1"
chmod 755 "$T"  # nobody must reach the socket in it
as_nobody() { lab_in server setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
as_nobody "$FAILOVERCTL_BIN" --socket "$LAB_DAEMON_SOCKET" status >/dev/null ||
  fail "a member of the control group cannot use the socket"
ok "nogroup is the control group, and nobody may use the socket"

# 64 idle connections, each reopened as soon as the daemon drops it (its 5 s request timeout).
lab_bg hog lab_in server setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import select, socket, sys, time
path, n = sys.argv[1], 64
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s
held = [conn() for _ in range(n)]
print("ready", flush=True)
end = time.monotonic() + 60
while time.monotonic() < end:
    readable, _, _ = select.select(held, [], [], 0.05)
    for s in readable:
        if not s.recv(4096):  # dropped (or refused): take the slot again
            held.remove(s)
            s.close()
            try:
                held.append(conn())
            except OSError:
                pass
    while len(held) < n:
        try:
            held.append(conn())
        except OSError:
            break' "$LAB_DAEMON_SOCKET"
wait_until 10 grep -q ready "$T/hog.out"

busy_seen=0
for attempt in $(seq 20); do
  set +e
  out=$(as_nobody "$FAILOVERCTL_BIN" --socket "$LAB_DAEMON_SOCKET" status 2>&1 >/dev/null)
  rc=$?
  set -e
  if [[ $rc != 0 ]]; then
    assert_eq 1 "$rc" "a refused member's exit status (attempt $attempt: $out)"
    assert_match "busy: too many control clients" "$out" "the member is told why"
    busy_seen=1
    break
  fi
done
((busy_seen)) || fail "no member was ever refused while 64 connections were held"
ok "a member is refused as busy (exit 1): $out"
for attempt in 1 2 3 4 5; do
  lab_ctl status >/dev/null || fail "root was kept out (attempt $attempt)"
done
ok "root gets in every time while the 64 connections are held"
lab_daemon_stop
echo PASS
