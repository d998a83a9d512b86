#!/usr/bin/env python3
"""The VM tests' link to a running guest (tests/vm/lib.sh calls it).

  run SOCK TIMEOUT_S COMMAND     run COMMAND (bash) in the guest through the agent on its
                                 second serial port (guest/fod-vm-agent); prints its output
                                 and exits with its status; 124 when no answer in time
  wait-agent SOCK TIMEOUT_S      wait until the agent answers (the guest has booted that far)
  qmp SOCK TIMEOUT_S COMMAND [ARGS_JSON] [--event NAME [--match KEY=VALUE]...]
                                 one QMP command; prints its "return" as JSON; with --event,
                                 then waits for that event (matching data fields) and
                                 prints it too. Exit 1 on a QMP error, 124 on a timeout.

Each call opens its own connection: QEMU serves one client at a time on each socket.
"""
import base64
import json
import os
import socket
import sys
import time


class Timeout(Exception):
    pass


def connect(path, deadline):
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() >= deadline:
                raise Timeout(f"cannot connect to {path}")
            time.sleep(0.05)


class Lines:
    """Lines from a socket, each read with the time left before a deadline."""

    def __init__(self, sock, deadline):
        self.sock, self.deadline, self.buf = sock, deadline, b""

    def next(self):
        while b"\n" not in self.buf:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise Timeout("no answer in time")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout as e:
                raise Timeout("no answer in time") from e
            if not chunk:
                raise Timeout("connection closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode("utf-8", "replace").rstrip("\r")


def agent_run(path, timeout, command):
    deadline = time.monotonic() + timeout
    sock = connect(path, deadline)
    try:
        req = "%x%x" % (os.getpid(), time.monotonic_ns() & 0xFFFFFF)
        sock.sendall(f"{req} {base64.b64encode(command.encode()).decode()}\n".encode())
        lines, out = Lines(sock, deadline), None
        while True:
            words = lines.next().split(" ")
            if len(words) >= 2 and words[1] == req:
                if words[0] == "@@OUT":
                    out = base64.b64decode(words[2] if len(words) > 2 else "")
                elif words[0] == "@@END":
                    sys.stdout.buffer.write(out or b"")
                    return int(words[2])
    finally:
        sock.close()


def wait_agent(path, timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if agent_run(path, min(2.0, max(0.1, deadline - time.monotonic())), "true") == 0:
                return 0
        except Timeout:
            pass
        if time.monotonic() >= deadline:
            print(f"vm.py: the agent on {path} did not answer in {timeout} s", file=sys.stderr)
            return 124
        time.sleep(0.2)


def qmp(path, timeout, command, args, event, match):
    deadline = time.monotonic() + timeout
    sock = connect(path, deadline)
    lines = Lines(sock, deadline)
    events = []

    def reply():
        while True:
            msg = json.loads(lines.next())
            if "event" in msg:
                events.append(msg)
            elif "return" in msg or "error" in msg:
                return msg

    try:
        json.loads(lines.next())  # the greeting
        sock.sendall(b'{"execute": "qmp_capabilities"}\n')
        reply()
        request = {"execute": command}
        if args:
            request["arguments"] = args
        sock.sendall(json.dumps(request).encode() + b"\n")
        msg = reply()
        if "error" in msg:
            print(f"vm.py: QMP {command}: {msg['error']}", file=sys.stderr)
            return 1
        print(json.dumps(msg["return"]))
        if not event:
            return 0

        def wanted(msg):
            data = msg.get("data", {})
            return msg.get("event") == event and all(str(data.get(k)) == v for k, v in match)

        while not any(wanted(e) for e in events):
            msg = json.loads(lines.next())
            if "event" in msg:
                events.append(msg)
        print(json.dumps(next(e for e in events if wanted(e))))
        return 0
    finally:
        sock.close()


def main(argv):
    try:
        if len(argv) == 4 and argv[0] == "run":
            return agent_run(argv[1], float(argv[2]), argv[3])
        if len(argv) == 3 and argv[0] == "wait-agent":
            return wait_agent(argv[1], float(argv[2]))
        if len(argv) >= 4 and argv[0] == "qmp":
            rest, args, event, match = argv[4:], {}, None, []
            if rest and not rest[0].startswith("--"):
                args = json.loads(rest.pop(0))
            while rest:
                opt = rest.pop(0)
                if opt == "--event" and rest:
                    event = rest.pop(0)
                elif opt == "--match" and rest and "=" in rest[0]:
                    match.append(tuple(rest.pop(0).split("=", 1)))
                else:
                    raise SystemExit(f"vm.py: bad option {opt}")
            return qmp(argv[1], float(argv[2]), argv[3], args, event, match)
    except Timeout as e:
        print(f"vm.py: {argv[0]} {argv[1]}: {e}", file=sys.stderr)
        return 124
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
