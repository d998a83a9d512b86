#!/usr/bin/env python3
"""Receives sd_notify datagrams on a unix socket (the NOTIFY_SOCKET systemd would
give failoverd) for a bounded time and prints each message on its own line."""
import socket
import sys
import time

path, seconds = sys.argv[1], float(sys.argv[2])
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
    print(message.replace("\n", " ").strip(), flush=True)
