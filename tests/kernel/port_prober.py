#!/usr/bin/env python3
"""TCP port probing for the zero-phase handover test (test_zero_phase_handover.sh).

  listen PORT...                 accept (and at once close) connections on [::]:PORT
                                 (dual stack) for every PORT; prints "listening" when bound
  probe [opts] ADDR,... PORT,... a continuous prober: for every ADDR x PORT stream a new
                                 non-blocking connect() every --interval-ms, each given
                                 --timeout-ms to be answered; one line per attempt on stdout:
                                   MONO_NS REAL_NS ADDR PORT OUTCOME RTT_US
                                 (MONO_NS/REAL_NS: CLOCK_MONOTONIC/CLOCK_REALTIME at the
                                 attempt's start). Runs until SIGTERM/SIGINT.
  once [--timeout-ms N] ADDR PORT  one attempt; prints the outcome, exit 0 only if "open"
  report LOG FROM_NS TO_NS       JSON per "ADDR:PORT" stream, over the attempts of LOG that
                                 started at REAL_NS in [FROM_NS, TO_NS)

Outcomes: "open" (SYN-ACK: connected), "refused" (RST), both answers from the host;
"timeout" (nothing within the timeout), "unreach" (EHOSTUNREACH/ENETUNREACH from the
prober's own kernel: neighbour resolution failed), "err:NAME" (anything else).

Every socket is closed with SO_LINGER 0 (an RST, no TIME_WAIT), so hundreds of attempts a
second for minutes do not run out of local ports.
"""
import errno
import json
import os
import select
import signal
import socket
import struct
import sys
import time

LINGER_RST = struct.pack("ii", 1, 0)
ANSWERS = ("open", "refused")


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def outcome_of(err):
    if err == 0:
        return "open"
    if err == errno.ECONNREFUSED:
        return "refused"
    if err in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return "unreach"
    return "err:" + errno.errorcode.get(err, str(err))


def cmd_listen(ports):
    socks = []
    for port in ports:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", int(port)))
        s.listen(1024)
        s.setblocking(False)
        socks.append(s)
    poller = select.poll()
    by_fd = {s.fileno(): s for s in socks}
    for fd in by_fd:
        poller.register(fd, select.POLLIN)
    print("listening " + " ".join(ports), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        for fd, _ in poller.poll():
            # Drain the accept queue: a full one would drop SYNs and look like a firewall.
            while True:
                try:
                    conn, _ = by_fd[fd].accept()
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:  # reset by the prober before we got to it
                    continue
                conn.close()


def start_attempt(addr, port, timeout_ns):
    mono, real = time.monotonic_ns(), time.time_ns()
    s = socket.socket(family_of(addr), socket.SOCK_STREAM)
    s.setblocking(False)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
    err = s.connect_ex((addr, port))
    attempt = {"sock": s, "addr": addr, "port": port, "mono": mono, "real": real,
               "deadline": mono + timeout_ns}
    if err == errno.EINPROGRESS:
        return attempt, None
    return attempt, outcome_of(err)


def cmd_probe(argv):
    interval_ms, timeout_ms = 5.0, 20.0
    while argv and argv[0].startswith("--"):
        opt, value = argv[0], float(argv[1])
        if opt == "--interval-ms":
            interval_ms = value
        elif opt == "--timeout-ms":
            timeout_ms = value
        else:
            sys.exit("unknown option " + opt)
        argv = argv[2:]
    addrs = argv[0].split(",")
    ports = [int(p) for p in argv[1].split(",")]
    interval_ns, timeout_ns = int(interval_ms * 1e6), int(timeout_ms * 1e6)
    streams = [(a, p) for a in addrs for p in ports]

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    out = sys.stdout
    poller = select.poll()
    inflight = {}  # fd -> attempt
    counts = {}
    now = time.monotonic_ns()
    # Streams start staggered over one interval, so attempts are spread evenly.
    next_start = {st: now + i * interval_ns // len(streams) for i, st in enumerate(streams)}

    def finish(attempt, outcome):
        end = time.monotonic_ns()
        attempt["sock"].close()
        out.write("%d %d %s %d %s %d\n" % (attempt["mono"], attempt["real"], attempt["addr"],
                                          attempt["port"], outcome, (end - attempt["mono"]) // 1000))
        key = (attempt["addr"], attempt["port"], outcome)
        counts[key] = counts.get(key, 0) + 1

    while not stop:
        now = time.monotonic_ns()
        for st in streams:
            if now >= next_start[st]:
                attempt, outcome = start_attempt(st[0], st[1], timeout_ns)
                if outcome is None:
                    fd = attempt["sock"].fileno()
                    inflight[fd] = attempt
                    poller.register(fd, select.POLLOUT)
                else:
                    finish(attempt, outcome)
                next_start[st] += interval_ns
                if next_start[st] < now:  # fell behind (e.g. descheduled): do not burst
                    next_start[st] = now + interval_ns
        wake = min(list(next_start.values()) + [a["deadline"] for a in inflight.values()])
        wait_ms = max(0, (wake - time.monotonic_ns() + 999_999) // 1_000_000)
        try:
            events = poller.poll(wait_ms)
        except InterruptedError:
            events = []
        for fd, _ in events:
            attempt = inflight.pop(fd, None)
            if attempt is None:
                continue
            poller.unregister(fd)
            err = attempt["sock"].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            finish(attempt, outcome_of(err))
        now = time.monotonic_ns()
        for fd in [fd for fd, a in inflight.items() if a["deadline"] <= now]:
            attempt = inflight.pop(fd)
            poller.unregister(fd)
            finish(attempt, "timeout")
        out.flush()
    for fd, attempt in list(inflight.items()):
        poller.unregister(fd)
        finish(attempt, "timeout")
    out.flush()
    for (addr, port, outcome), n in sorted(counts.items()):
        print("%s:%d %s %d" % (addr, port, outcome, n), file=sys.stderr)


def cmd_once(argv):
    timeout_ms = 200.0
    if argv[0] == "--timeout-ms":
        timeout_ms, argv = float(argv[1]), argv[2:]
    addr, port = argv[0], int(argv[1])
    attempt, outcome = start_attempt(addr, port, int(timeout_ms * 1e6))
    if outcome is None:
        poller = select.poll()
        poller.register(attempt["sock"].fileno(), select.POLLOUT)
        if poller.poll(int(timeout_ms)):
            outcome = outcome_of(attempt["sock"].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
        else:
            outcome = "timeout"
    attempt["sock"].close()
    print(outcome)
    return 0 if outcome == "open" else 1


def cmd_report(log, from_ns, to_ns):
    from_ns, to_ns = int(from_ns), int(to_ns)
    streams = {}
    with open(log) as f:
        for line in f:
            fields = line.split()
            if len(fields) != 6:
                continue  # a line being written when the log was read
            mono, real, addr, port, outcome = int(fields[0]), int(fields[1]), fields[2], fields[3], fields[4]
            if not from_ns <= real < to_ns:
                continue
            key = "%s:%s" % (addr, port)
            st = streams.setdefault(key, {"attempts": 0, "open": 0, "refused": 0, "timeout": 0,
                                          "unreach": 0, "other": 0, "answered": 0,
                                          "first_answer_ms": None, "last_answer_ms": None,
                                          "longest_gap_ms": None, "longest_gap_at_ms": None,
                                          "_last_mono": None})
            st["attempts"] += 1
            st[outcome if outcome in ("open", "refused", "timeout", "unreach") else "other"] += 1
            if outcome not in ANSWERS:
                continue
            st["answered"] += 1
            at_ms = round((real - from_ns) / 1e6, 1)
            if st["first_answer_ms"] is None:
                st["first_answer_ms"] = at_ms
            st["last_answer_ms"] = at_ms
            if st["_last_mono"] is not None:
                gap = round((mono - st["_last_mono"]) / 1e6, 1)
                if st["longest_gap_ms"] is None or gap > st["longest_gap_ms"]:
                    st["longest_gap_ms"] = gap
                    st["longest_gap_at_ms"] = round(at_ms - gap, 1)
            st["_last_mono"] = mono
    for st in streams.values():
        del st["_last_mono"]
    json.dump(streams, sys.stdout, sort_keys=True)
    print()


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, argv = sys.argv[1], sys.argv[2:]
    if cmd == "listen":
        cmd_listen(argv)
    elif cmd == "probe":
        cmd_probe(argv)
    elif cmd == "once":
        sys.exit(cmd_once(argv))
    elif cmd == "report":
        cmd_report(*argv)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
