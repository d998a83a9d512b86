#!/usr/bin/env python3
"""Control clients that never read, for bench_failover's `load` part (issue 15).

    load_clients.py SOCKET COUNT SECONDS

Keeps COUNT clients connected to the daemon's control socket, each having sent
`events follow` and never reading a byte. A client the daemon drops (it does, after
its reply has waited too long) is replaced at once, so COUNT of them are always
there. Prints "holding COUNT" once they are all connected, then, at the end, how many
were dropped and replaced. Stops after SECONDS (bounded, whatever happens).
"""
import select
import socket
import sys
import time


def connect(path):
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.settimeout(2)
    client.connect(path)
    client.sendall(b"events follow\n")
    client.setblocking(False)
    return client


def main():
    path, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    deadline = time.monotonic() + seconds
    clients = {}
    poller = select.poll()
    for _ in range(count):
        client = connect(path)
        clients[client.fileno()] = client
        poller.register(client, select.POLLRDHUP | select.POLLHUP | select.POLLERR)
    print("holding", count, flush=True)
    replaced = 0
    while time.monotonic() < deadline:
        for fd, _ in poller.poll(200):
            # The daemon hung up: never read what it sent, just replace the client.
            poller.unregister(fd)
            clients.pop(fd).close()
            try:
                client = connect(path)
            except OSError:
                continue
            clients[client.fileno()] = client
            poller.register(client, select.POLLRDHUP | select.POLLHUP | select.POLLERR)
            replaced += 1
    print("replaced", replaced, flush=True)


if __name__ == "__main__":
    main()
