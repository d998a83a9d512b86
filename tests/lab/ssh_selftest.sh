#!/usr/bin/env bash
# Checks tests/lab/ssh.sh (ctest lab.ssh_selftest): a dropbear server and a streaming
# dbclient session between two lab hosts on one switch; the session survives a 1 s cable
# cut with a gap of about the cut, and a cut for good is reported within seconds.
#   sudo bash tests/lab/ssh_selftest.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/ssh.sh"
lab_init sshself
lab_require dropbear dbclient findmnt nsenter

# What the host must still look like afterwards: its mounts on /root, root's known_hosts.
mounts_before=$(findmnt -n /root || true)
known_hosts_before=$(stat -c '%Y %s' /root/.ssh/known_hosts 2>/dev/null || echo none)

lab_switch sw
lab_host sw srv 192.0.2.1/24
lab_host sw cli 192.0.2.2/24
cport="h$LAB_PORT_SEQ"   # the client's port on the switch: its cable
SW=$(lab_nsname sw)
wait_until 5 lab_ping_ok cli 192.0.2.1

lab_sshd srv 192.0.2.1
srv_pid=${LAB_SSHD_PID[srv]}
assert_eq "$mounts_before" "$(findmnt -n /root || true)" "host's mounts on /root unchanged while dropbear runs"
assert_match "sshd-srv/root" "$(nsenter -t "$srv_pid" -m findmnt -n -o SOURCE /root)" \
  "dropbear's /root is the lab's directory (its own mount namespace)"

# A session streaming a line every 100 ms.
out="$T/stream.txt"
lab_ssh_stream cli 192.0.2.1 "$out"
lab_ssh_wait_lines "$out" 20 15
ok "20 lines arrived: $(head -n 1 "$out") ... $(tail -n 1 "$out")"
t_first=$(head -n 1 "$out" | cut -d ' ' -f 1)
assert_cmd "healthy session: no gap over 500 ms" lab_ssh_check "$out" "$t_first" "$(lab_now_ms)" 500

lab_ms_reached() { (($(lab_now_ms) >= $1)); }
lab_line_after() { awk -v t="$2" '$1 + 0 > t + 0 { f = 1; exit } END { exit !f }' "$1"; }

# Cut the client's cable for 1 s, then plug it back in.
c0=$(lab_now_ms)
ip -n "$SW" link set "$cport" down
wait_until 5 lab_ms_reached $((c0 + 1000))
ip -n "$SW" link set "$cport" up
c1=$(lab_now_ms)
ok "cable cut for $((c1 - c0)) ms"
wait_until 10 lab_line_after "$out" "$c1"
r1=$(awk -v t="$c1" '$1 + 0 > t + 0 { print $1; exit }' "$out")
ok "first line after the cut received $((r1 - c1)) ms after the cable was back"
lab_ssh_wait_lines "$out" $(($(lab_ssh_lines "$out") + 20)) 10
assert_cmd "session survived the 1 s cut" lab_ssh_check "$out" $((c0 - 500)) "$(lab_now_ms)"
((LAB_SSH_GAP_MS >= 900 && LAB_SSH_GAP_MS <= 3000)) || fail "gap $LAB_SSH_GAP_MS ms for a 1 s cut"
ok "gap $LAB_SSH_GAP_MS ms for a $((c1 - c0)) ms cut (TCP retransmission backoff included)"

# Cut it for good: lab_ssh_check must fail within seconds, the client must exit.
lab_ssh_check_fails() { ! lab_ssh_check "$1" "$2" "$(lab_now_ms)" >/dev/null 2>&1; }
d0=$(lab_now_ms)
ip -n "$SW" link set "$cport" down
wait_until 10 lab_ssh_check_fails "$out" "$d0"
ok "lab_ssh_check failed $(($(lab_now_ms) - d0)) ms after the cable was cut for good:"
lab_ssh_check "$out" "$d0" "$(lab_now_ms)" 2>&1 | sed 's/^/#   /' || true
lab_ssh_gone() { ! lab_ssh_alive "$1"; }
wait_until 15 lab_ssh_gone "$out"
ok "the client exited $(($(lab_now_ms) - d0)) ms after the cut: $(lab_ssh_client_err "$out")"
assert_not_cmd "lab_ssh_check reports the dropped session" lab_ssh_check "$out" "$d0" "$(lab_now_ms)"

assert_eq "$mounts_before" "$(findmnt -n /root || true)" "host's mounts on /root unchanged"
assert_eq "$known_hosts_before" "$(stat -c '%Y %s' /root/.ssh/known_hosts 2>/dev/null || echo none)" \
  "root's known_hosts untouched"
