# shellcheck shell=bash
# A live SSH session through the namespace lab: an administrator's session that must
# survive what failoverd does to the server's NIC. Source after lib.sh (needs lab_init).
#
#   lab_sshd NS ADDR                    dropbear in lab namespace NS on ADDR:22, root login
#                                       by key only (keys and authorized_keys under $T)
#   lab_ssh_stream NS ADDR OUTFILE      dbclient from NS to root@ADDR; the server prints
#                                       "SERVER_MS SEQ" every 100 ms, each line lands in
#                                       OUTFILE as "RECV_MS SERVER_MS SEQ"
#   lab_ssh_wait_lines OUTFILE N [S]    wait (S s, default 10) until N lines have arrived
#   lab_ssh_alive [OUTFILE]             the stream's client process is still running
#   lab_ssh_check OUTFILE FROM TO [MAX] no receive gap over MAX ms (3000) in [FROM, TO]
#                                       and the client still running
#   lab_ssh_stop [OUTFILE]              ends a stream's client
#   lab_now_ms                          wall clock in ms (the clock of RECV_MS)
#
# Everything runs inside lab namespaces; the server's view of /root is a bind mount of a
# $T directory in a mount namespace of its own, so the real /root (its authorized_keys,
# known_hosts) is never read or written, and the host's mount table never changes.
# Needs Debian's dropbear-bin (dropbear, dropbearkey, dbclient).

# dbclient -K: seconds of silence after which the client sends a keepalive request.
# dropbear exits ("Keepalive timeout") once nothing at all has come back for 3 times
# that (DEFAULT_KEEPALIVE_LIMIT, counted in whole seconds, so really 3K-1 to 3K s).
# With 2: a live stream (a line every 100 ms) never sends one; a broken session makes
# the client exit 5-6 s after its last packet, while an outage shorter than 5 s (TCP
# retransmits it all afterwards) does not kill it. lab_ssh_check sees a broken session
# sooner, by the gap since the last line (3 s by default), without waiting for that.
: "${LAB_SSH_KEEPALIVE_S:=2}"

LAB_SSH_SEQ=0
LAB_SSH_PID=""           # client pid of the last stream started
declare -A LAB_SSH_PIDS=()  # OUTFILE -> client pid
declare -A LAB_SSH_NAMES=() # OUTFILE -> lab_bg name of its client (ssh-N: $T/ssh-N.err)
declare -A LAB_SSHD_PID=()  # short namespace name -> dropbear listener pid

lab_now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo "${t:0:-3}"; }

# The client key pair, made once per lab: $T/ssh-client/id_ed25519 (dropbear format),
# and HOME for dbclient (so it never looks at /root/.ssh).
lab_ssh_client_key() {
  local dir="$T/ssh-client"
  [[ -s "$dir/id_ed25519" ]] && return 0
  install -d -m 700 "$dir"
  dropbearkey -t ed25519 -f "$dir/id_ed25519" >/dev/null 2>&1 || fail "dropbearkey (client key) failed"
}

# Whether something listens on ADDR:22 in lab namespace NS.
lab_sshd_listening() {  # NS ADDR
  lab_in "$1" ss -Hltn "sport = :22" 2>/dev/null | grep -qF " $2:22 "
}

# dropbear in lab namespace NS (short name), listening on ADDR:22 only, in the
# foreground (-F), logging to stderr ($T/sshd-NS-ADDR.err), key logins only (-s), root
# allowed (dropbear's default), no motd, no forwarding. Host key and home under
# $T/sshd-NS. `ip netns exec` already gives the command a mount namespace of its own
# (with / made a slave, so nothing propagates back); `unshare -m` makes that explicit
# and private, and inside it $T/sshd-NS/root is bind-mounted over /root, holding
# .ssh/authorized_keys with the lab's client key. Waits (10 s) until it listens.
lab_sshd() {  # NS ADDR
  local short=$1 addr=$2 dir name
  lab_require dropbear dropbearkey dbclient unshare ss
  dir="$T/sshd-$short" name="sshd-$short-$addr"
  lab_ssh_client_key
  install -d -m 700 "$dir" "$dir/root" "$dir/root/.ssh"
  # One host key and home per namespace (a second server there, on another address, shares them).
  [[ -s "$dir/host_ed25519" ]] ||
    dropbearkey -t ed25519 -f "$dir/host_ed25519" >/dev/null 2>&1 || fail "dropbearkey (host key) failed"
  # dropbear insists: authorized_keys and the directories above it owned by the user
  # (or root) and not writable by group or others.
  dropbearkey -y -f "$T/ssh-client/id_ed25519" | grep '^ssh-' >"$dir/root/.ssh/authorized_keys"
  chmod 600 "$dir/root/.ssh/authorized_keys"
  # ip netns exec, unshare and sh all exec, so LAB_BG_PID is dropbear itself.
  # shellcheck disable=SC2016  # expanded by sh
  lab_bg "$name" lab_in "$short" unshare --mount --propagation private \
    sh -c 'mount --bind "$1" /root && shift && exec "$@"' lab-sshd "$dir/root" \
    dropbear -F -E -s -m -j -k -r "$dir/host_ed25519" -p "$addr:22" -P "$dir/$addr.pid"
  LAB_SSHD_PID[$short]=$LAB_BG_PID
  local limit; limit=$(lab_deadline_ns 10)
  until lab_sshd_listening "$short" "$addr"; do
    lab_pid_gone "$LAB_BG_PID" && fail "dropbear in $short exited: $(tail -n 5 "$T/$name.err" | tr '\n' ' ')"
    (($(date +%s%N) < limit)) || fail "dropbear in $short not listening on $addr:22 within 10 s"
    sleep 0.05
  done
  ok "ssh server (dropbear, pid ${LAB_SSHD_PID[$short]}) listening on $addr:22 in $short"
}

# A streaming session from lab namespace NS to root@ADDR, in the background. The remote
# command prints "SERVER_MS SEQ" every 100 ms until the session ends (its sleep is the
# workload, not a wait). dbclient's stdout is a FIFO ($T/ssh-N.out, opened by lab_bg)
# read by a small bash loop that prefixes each line with the time it was received (ms,
# EPOCHREALTIME: no fork per line, one write per line, nothing buffered) and appends it
# to OUTFILE. LAB_SSH_PID (and LAB_SSH_PIDS[OUTFILE]) is the dbclient process itself;
# dbclient's stderr is $T/ssh-N.err. -T: no pty; -y -y: no host key check and no
# known_hosts at all; HOME=$T/ssh-client: no ~/.ssh of the real root is looked at.
lab_ssh_stream() {  # NS ADDR OUTFILE
  local short=$1 addr=$2 out=$3 name
  lab_require dbclient
  lab_ssh_client_key
  LAB_SSH_SEQ=$((LAB_SSH_SEQ + 1))
  name="ssh-$LAB_SSH_SEQ"
  : >"$out"
  mkfifo "$T/$name.out"
  # The stamper blocks opening the FIFO until dbclient opens it; it ends at EOF.
  # shellcheck disable=SC2016  # expanded by that bash
  lab_bg "$name-stamp" bash -c 'exec <"$1" >>"$2"
    while IFS= read -r l; do t=${EPOCHREALTIME/[.,]/}; printf "%s %s\n" "${t:0:-3}" "$l"; done' \
    lab-ssh-stamp "$T/$name.out" "$out"
  # shellcheck disable=SC2016  # expanded by the remote shell
  lab_bg "$name" lab_in "$short" env HOME="$T/ssh-client" dbclient -T -y -y \
    -i "$T/ssh-client/id_ed25519" -K "$LAB_SSH_KEEPALIVE_S" "root@$addr" \
    'i=0; while :; do i=$((i + 1)); echo "$(date +%s%3N) $i"; sleep 0.1; done'
  LAB_SSH_PID=$LAB_BG_PID
  LAB_SSH_PIDS[$out]=$LAB_BG_PID
  LAB_SSH_NAMES[$out]=$name
}

# The client pid of the stream writing OUTFILE; without OUTFILE, of the last one.
lab_ssh_pid_of() {  # [OUTFILE]
  if [[ -n "${1:-}" ]]; then echo "${LAB_SSH_PIDS[$1]:-}"; else echo "$LAB_SSH_PID"; fi
}

# Whether the client of the stream writing OUTFILE (default: the last one) still runs.
lab_ssh_alive() {  # [OUTFILE]
  local pid; pid=$(lab_ssh_pid_of "${1:-}")
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

lab_ssh_lines() { wc -l <"$1"; }  # OUTFILE
lab_ssh_has_lines() { (($(wc -l <"$1") >= $2)); }  # OUTFILE N

# Waits (TIMEOUT_S, default 10) until OUTFILE holds N lines; fails the test otherwise,
# showing the client's stderr.
lab_ssh_wait_lines() {  # OUTFILE N [TIMEOUT_S]
  poll_until "${3:-10}" lab_ssh_has_lines "$1" "$2" && return 0
  fail "ssh stream $1: $(lab_ssh_lines "$1") of $2 lines within ${3:-10} s (client $(lab_ssh_alive "$1" && echo running || echo gone)): $(lab_ssh_client_err "$1")"
}

# The last lines of the stderr of the client writing OUTFILE (default: the last one), on one line.
lab_ssh_client_err() {  # [OUTFILE]
  local name=ssh-$LAB_SSH_SEQ
  [[ -z "${1:-}" ]] || name=${LAB_SSH_NAMES[$1]:-$name}
  tail -n 3 "$T/$name.err" 2>/dev/null | tr '\n' ' '
}

# Checks the stream in OUTFILE over [FROM_MS, TO_MS] (TO_MS capped at now): the client is
# still running and no stretch without a received line is longer than MAX_GAP_MS
# (default 3000). The window's ends count, so a session that went silent shows as a gap
# up to now. Prints one line: lines, the largest receive gap and where it started, the
# largest gap between the server's own timestamps (about 100 ms: the remote loop never
# stalled), and whether the sequence numbers are contiguous. Sets LAB_SSH_GAP_MS and
# LAB_SSH_LINES. Returns 1 with a message on stderr if the check fails.
lab_ssh_check() {  # OUTFILE FROM_MS TO_MS [MAX_GAP_MS]
  local out=$1 from=$2 to=$3 max=${4:-3000} now summary
  now=$(lab_now_ms)
  ((to <= now)) || to=$now
  # %.0f, not %d: mawk's %d stops at 2^31-1 (see lab_deadline_ns).
  summary=$(awk -v from="$from" -v to="$to" '
    function gap(t) { if (t - prev > big) { big = t - prev; at = prev } prev = t }
    BEGIN { prev = from; big = 0; at = from; sbig = 0; holes = 0 }
    $1 + 0 > from && $1 + 0 < to {
      gap($1 + 0); n++
      if (n > 1) { if ($2 - sprev > sbig) sbig = $2 - sprev; if ($3 != seq + 1) holes++ }
      sprev = $2; seq = $3
    }
    END { gap(to); printf "%d %.0f %.0f %.0f %d\n", n, big, at, sbig, holes }' "$out")
  local n gapms at sgap holes
  read -r n gapms at sgap holes <<<"$summary"
  # shellcheck disable=SC2034  # for the caller
  LAB_SSH_GAP_MS=$gapms LAB_SSH_LINES=$n
  echo "ssh stream $(basename "$out") [$from, $to] ($((to - from)) ms): $n lines, largest receive" \
    "gap $gapms ms (from +$((at - from)) ms), largest server-side gap $sgap ms, $holes sequence holes"
  if ! lab_ssh_alive "$out"; then
    echo "lab_ssh_check: the ssh client of $(basename "$out") has exited (session dropped):" \
      "$(lab_ssh_client_err "$out")" >&2
    return 1
  fi
  if ((gapms > max)); then
    echo "lab_ssh_check: $(basename "$out"): no line for $gapms ms (from +$((at - from)) ms into the window), more than $max ms allowed" >&2
    return 1
  fi
  if ((holes > 0)); then
    echo "lab_ssh_check: $(basename "$out"): $holes sequence holes (lines lost)" >&2
    return 1
  fi
  return 0
}

# Ends the client of the stream writing OUTFILE (default: the last one) and reaps it.
lab_ssh_stop() {  # [OUTFILE]
  local pid; pid=$(lab_ssh_pid_of "${1:-}")
  [[ -n "$pid" ]] && lab_bg_stop "$pid"
}
