#!/usr/bin/env python3
"""Receives sd_notify datagrams on a unix socket (the NOTIFY_SOCKET systemd would
give failoverd) for a bounded time and prints each message on its own line; with a
third argument (a file), also appends "MONOTONIC_SECONDS MESSAGE" lines there, for
measuring the gaps between watchdog pings."""
import socket
import sys
import time

path, seconds = sys.argv[1], float(sys.argv[2])
stamps = open(sys.argv[3], "a") if len(sys.argv) > 3 else None
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(0.05)
print("listening", flush=True)
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        message = sock.recv(4096).decode(errors="replace")
    except socket.timeout:
        continue
    line = message.replace("\n", " ").strip()
    print(line, flush=True)
    if stamps:
        stamps.write("%.6f %s\n" % (time.monotonic(), line))
        stamps.flush()
